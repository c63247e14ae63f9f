/**
 * The provider's Batch API as `client.batchApi` (OpenAI-compatible files and batches): upload request files,
 * create, poll, cancel and list batches, stream result files. Loaded only when first used. See `docs/`.
 * @module
 */

import { openAsBlob } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FormData } from 'undici';
import { InputError, ServerError } from '../errors.js';
import { isRecord } from '../json.js';
import {
  type BatchApiContext,
  requestBatchApiJson,
  retryBatchApiCall,
  sendBatchApiRequest,
  toBatchApiError,
} from './batch-api-http.js';
import { joinURL } from './config.js';
import { discardBody } from './transport.js';
import type {
  BatchApi,
  BatchApiCallOptions,
  BatchJob,
  BatchPage,
  BatchProblem,
  BatchRequestCounts,
  CreateBatchOptions,
  UploadedFile,
  UploadFileOptions,
} from './types.js';
import { nonEmptyString, providerCapabilities } from './wire.js';

/** The methods of {@link BatchApi} that call the server (the client answers `estimateCostUsd` itself). */
export type BatchApiCalls = Omit<BatchApi, 'estimateCostUsd'>;

/** The endpoint every batch line is sent to. */
const CHAT_ENDPOINT = '/v1/chat/completions';
/** The default of {@link CreateBatchOptions.completionWindow}. */
const DEFAULT_COMPLETION_WINDOW = '24h';

/**
 * The Batch API methods of a client ({@link BatchApi}). For Segmind, which has no Batch API, every method rejects
 * with an {@link InputError} before any network call.
 */
export function createBatchApi(context: BatchApiContext): BatchApiCalls {
  if (!providerCapabilities(context.provider).batchApi) return unsupportedBatchApi();

  async function batchCall(
    method: 'GET' | 'POST',
    path: string,
    options: { signal?: AbortSignal | undefined; body?: string; resendWhenOutcomeUnknown?: boolean },
  ): Promise<BatchJob> {
    const reply = await requestBatchApiJson(
      context,
      { method, path, signal: options.signal, ...(options.body === undefined ? {} : { body: options.body }) },
      { resendWhenOutcomeUnknown: options.resendWhenOutcomeUnknown ?? true },
    );
    return parseBatchJob(reply, `${method} ${joinURL(context.baseURL, path)}`);
  }

  return {
    uploadFile: (lines, options) => uploadBatchFile(context, lines, options),
    createBatch(options: CreateBatchOptions) {
      if (typeof options.inputFileId !== 'string' || options.inputFileId === '') {
        return Promise.reject(new InputError('createBatch needs an inputFileId', { path: 'inputFileId' }));
      }
      const body = JSON.stringify({
        input_file_id: options.inputFileId,
        endpoint: CHAT_ENDPOINT,
        completion_window: options.completionWindow ?? DEFAULT_COMPLETION_WINDOW,
        ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      });
      return batchCall('POST', '/batches', { signal: options.signal, body, resendWhenOutcomeUnknown: false });
    },
    retrieveBatch: (batchId, options = {}) => batchCall('GET', `/batches/${encodeURIComponent(batchId)}`, options),
    cancelBatch: (batchId, options = {}) =>
      batchCall('POST', `/batches/${encodeURIComponent(batchId)}/cancel`, options),
    async listBatches(options = {}): Promise<BatchPage> {
      const query = new URLSearchParams();
      if (options.after !== undefined) query.set('after', options.after);
      if (options.limit !== undefined) query.set('limit', String(options.limit));
      const path = `/batches${query.size === 0 ? '' : `?${query.toString()}`}`;
      const reply = await requestBatchApiJson(context, { method: 'GET', path, signal: options.signal });
      const data = Array.isArray(reply.data) ? reply.data : [];
      const where = `GET ${joinURL(context.baseURL, path)}`;
      const batches = data.map((entry) => parseBatchJob(isRecord(entry) ? entry : {}, where));
      return {
        batches,
        hasMore: reply.has_more === true,
        lastId: typeof reply.last_id === 'string' ? reply.last_id : batches.at(-1)?.id,
      };
    },
    downloadFileLines: (fileId, options) => downloadFileLines(context, fileId, options),
  };
}

/** Segmind's stand-in: every method fails with the same {@link InputError}. */
function unsupportedBatchApi(): BatchApiCalls {
  const refuse = () =>
    new InputError('The Batch API needs the dashscope or openai-compatible provider; Segmind has none', {
      path: 'provider',
    });
  return {
    uploadFile: () => Promise.reject(refuse()),
    createBatch: () => Promise.reject(refuse()),
    retrieveBatch: () => Promise.reject(refuse()),
    cancelBatch: () => Promise.reject(refuse()),
    listBatches: () => Promise.reject(refuse()),
    // biome-ignore lint/correctness/useYield: the iteration fails at once
    async *downloadFileLines() {
      throw refuse();
    },
  };
}

/**
 * Reads a batch object leniently: missing counts are 0, missing file ids `undefined`, unknown statuses kept as sent.
 * A reply without an `id` and a `status` is a {@link ServerError}: the server did not send a batch.
 */
export function parseBatchJob(value: Record<string, unknown>, where: string): BatchJob {
  const id = nonEmptyString(value.id);
  const status = nonEmptyString(value.status);
  if (id === undefined || status === undefined) {
    throw new ServerError(`Server error: the reply is not a batch object (no id or status) — ${where}`, {
      status: 200,
    });
  }
  return {
    id,
    status,
    inputFileId: nonEmptyString(value.input_file_id),
    outputFileId: nonEmptyString(value.output_file_id),
    errorFileId: nonEmptyString(value.error_file_id),
    requestCounts: readCounts(value.request_counts),
    problems: readProblems(value.errors),
    createdAt: typeof value.created_at === 'number' ? value.created_at : undefined,
    metadata: isRecord(value.metadata) ? value.metadata : undefined,
    raw: value,
  };
}

function readCounts(raw: unknown): BatchRequestCounts {
  const counts = isRecord(raw) ? raw : {};
  return { total: count(counts.total), completed: count(counts.completed), failed: count(counts.failed) };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** `errors` is `{ object: 'list', data: [...] }` in OpenAI's shape; a bare array is accepted too. */
function readProblems(raw: unknown): BatchProblem[] {
  const list = isRecord(raw) ? raw.data : raw;
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((entry) => {
    const problem: BatchProblem = {
      code: nonEmptyString(entry.code) ?? 'unknown',
      message: nonEmptyString(entry.message) ?? 'no message',
    };
    if (typeof entry.line === 'number') problem.line = entry.line;
    return problem;
  });
}

/**
 * Writes the lines to a temporary file, uploads it as `multipart/form-data` (`purpose=batch`, `file`) streamed from
 * disk, and removes the temporary file whatever happens. Retried like any Batch API call (an extra upload only leaves
 * an unused file).
 */
async function uploadBatchFile(
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
      throw new ServerError(
        `Server error: the upload reply names no file id — POST ${joinURL(context.baseURL, '/files')}`,
        {
          status: 200,
          provider: context.provider,
        },
      );
    }
    return { id, bytes: typeof reply.bytes === 'number' ? reply.bytes : file.bytes };
  } finally {
    await file.remove();
  }
}

/** Text is written to disk in pieces of about this size. */
const WRITE_CHUNK_CHARACTERS = 1024 * 1024;

/** A JSONL file written to a private temporary folder. */
interface TempJsonlFile {
  path: string;
  /** Size in bytes, line breaks included. */
  bytes: number;
  lineCount: number;
  /** Deletes the file and its folder; never throws. */
  remove(): Promise<void>;
}

/**
 * Writes lines to `requests.jsonl` in a new folder under the OS temporary folder, one line each, ending in a line
 * break; only about a megabyte is held in memory at a time. A line that is blank or holds a line break, or no line
 * at all, is an {@link InputError}; the folder is removed when writing fails.
 */
async function writeJsonlTempFile(
  lines: AsyncIterable<string> | Iterable<string>,
  signal?: AbortSignal,
): Promise<TempJsonlFile> {
  const folder = await mkdtemp(join(tmpdir(), 'qwen-tasks-batch-'));
  const remove = () => rm(folder, { recursive: true, force: true }).catch(() => undefined);
  const path = join(folder, 'requests.jsonl');
  let bytes = 0;
  let lineCount = 0;
  try {
    const handle = await open(path, 'w');
    try {
      let pending = '';
      for await (const line of lines) {
        signal?.throwIfAborted();
        lineCount += 1;
        checkLine(line, lineCount);
        pending += `${line}\n`;
        if (pending.length >= WRITE_CHUNK_CHARACTERS) {
          bytes += (await handle.write(pending, null, 'utf8')).bytesWritten;
          pending = '';
        }
      }
      if (pending !== '') bytes += (await handle.write(pending, null, 'utf8')).bytesWritten;
    } finally {
      await handle.close();
    }
    if (lineCount === 0) throw new InputError('A batch file needs at least one line', { path: 'lines' });
    signal?.throwIfAborted();
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, bytes, lineCount, remove };
}

function checkLine(line: unknown, lineNumber: number): void {
  if (typeof line !== 'string' || line.trim() === '') {
    throw new InputError(`Line ${lineNumber} of the batch file is empty or not a string`, { path: 'lines' });
  }
  if (line.includes('\n') || line.includes('\r')) {
    throw new InputError(`Line ${lineNumber} of the batch file holds a line break: send one JSON object per line`, {
      path: 'lines',
    });
  }
}

/**
 * Streams the non-blank lines of a file (`GET /files/{id}/content`) as they arrive; getting the response is retried,
 * a cut while the body streams is not. Stopping the iteration early closes the connection.
 */
export async function* downloadFileLines(
  context: BatchApiContext,
  fileId: string,
  options: BatchApiCallOptions = {},
): AsyncGenerator<string> {
  const { signal } = options;
  const call = { method: 'GET', path: `/files/${encodeURIComponent(fileId)}/content`, signal } as const;
  const response = await retryBatchApiCall(context, { signal, resendWhenOutcomeUnknown: true }, () =>
    sendBatchApiRequest(context, call),
  );
  const reader = createInterface({ input: response.body, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of reader) {
      if (line.trim() !== '') yield line;
    }
  } catch (error) {
    throw toBatchApiError(error, context, call);
  } finally {
    reader.close();
    discardBody(response.body);
  }
}
