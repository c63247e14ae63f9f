import { openAsBlob } from 'node:fs';
import { FormData } from 'undici';
import { ServerError } from '../../errors.js';
import { nonEmptyString } from '../non-empty-string.js';
import type { BatchApiContext } from './batch-api-context.js';
import type { UploadedFile, UploadFileOptions } from './batch-api-types.js';
import { requestBatchApiJson } from './request-batch-api-json.js';
import { writeJsonlTempFile } from './write-jsonl-temp-file.js';

/**
 * Writes the lines to a temporary file, uploads it as `multipart/form-data` (`purpose=batch`, `file`) streamed from
 * disk, and removes the temporary file whatever happens. Retried like any Batch API call (an extra upload only leaves
 * an unused file).
 * @internal
 */
export async function uploadBatchFile(
  context: BatchApiContext,
  lines: AsyncIterable<string> | Iterable<string>,
  options: UploadFileOptions = {},
): Promise<UploadedFile> {
  const { signal } = options;
  const file = await writeJsonlTempFile(lines, signal);
  try {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append(
      'file',
      await openAsBlob(file.path, { type: 'application/jsonl' }),
      options.filename ?? 'requests.jsonl',
    );
    const reply = await requestBatchApiJson(context, { method: 'POST', path: '/files', body: form, signal });
    const id = nonEmptyString(reply.id);
    if (id === undefined) {
      throw new ServerError(`Server error: the upload reply names no file id — POST ${context.baseURL}/files`, {
        status: 200,
        provider: context.provider,
      });
    }
    return { id, bytes: typeof reply.bytes === 'number' ? reply.bytes : file.bytes };
  } finally {
    await file.remove();
  }
}
