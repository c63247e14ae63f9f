import { ServerError } from '../../errors.js';
import { isRecord } from '../../json.js';
import { nonEmptyString } from '../non-empty-string.js';
import type { BatchJob, BatchProblem, BatchRequestCounts } from './batch-api-types.js';

/**
 * Reads a batch object leniently: missing counts are 0, missing file ids `undefined`, unknown statuses kept as sent.
 * A reply without an `id` and a `status` is a {@link ServerError}: the server did not send a batch.
 * @internal
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
