import { randomUUID } from 'node:crypto';
import { advanceBatch } from './advance-batch.js';
import type { BatchObject, StoredBatch } from './batch-store.js';
import { shortId } from './batch-store.js';
import { buildErrorAnswer } from './build-error-answer.js';
import { isRecord } from './is-record.js';
import { jsonAnswer, type MockAnswer } from './mock-answer.js';
import { acceptsKey, type MockState } from './mock-state.js';
import type { MockRequest } from './mock-types.js';
import { parseMultipart } from './multipart.js';

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
const DEFAULT_LIST_LIMIT = 20;
const SECONDS_PER_DAY = 86_400;

/**
 * @internal The DashScope Files and Batch APIs (OpenAI-compatible) under `/compatible-mode/v1` and `/v1`:
 * upload, describe and download files; create, poll (one status step per poll), list and cancel batches.
 */
export async function handleBatchEndpoint(
  state: MockState,
  request: MockRequest,
  url: URL,
  rawBody: string,
): Promise<MockAnswer> {
  const requestId = randomUUID();
  const fail = (status: number, code: string, message: string) =>
    buildErrorAnswer({ status, shape: 'dashscope', requestId, code, message });
  if (!acceptsKey(state, request)) return fail(401, 'invalid_api_key', 'Incorrect API key provided.');
  const segments = request.path.replace(/^\/(compatible-mode\/)?v1\//, '').split('/');
  const [collection, id, action] = segments;
  const route = `${request.method} ${collection}${id === undefined ? '' : '/:id'}${action === undefined ? '' : `/${action}`}`;
  const time = Math.floor(state.now() / 1000);
  switch (route) {
    case 'POST files': {
      const parts = parseMultipart(rawBody, request.headers['content-type'] ?? '');
      const file = parts.find((part) => part.name === 'file');
      if (file === undefined) return fail(400, 'invalid_parameter_error', "The multipart field 'file' is required.");
      const purpose = parts.find((part) => part.name === 'purpose')?.content ?? 'batch';
      return jsonAnswer(200, state.batches.addFile(file.filename ?? 'upload.jsonl', purpose, file.content, time));
    }
    case 'GET files/:id': {
      const stored = state.batches.files.get(id ?? '');
      return stored === undefined ? fail(404, 'not_found', `File ${id} not found.`) : jsonAnswer(200, stored.file);
    }
    case 'GET files/:id/content': {
      const stored = state.batches.files.get(id ?? '');
      if (stored === undefined) return fail(404, 'not_found', `File ${id} not found.`);
      return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: stored.content };
    }
    case 'POST batches':
      return (
        createBatch(state, request.body, time) ??
        fail(400, 'invalid_parameter_error', 'input_file_id does not name an uploaded file.')
      );
    case 'GET batches':
      return jsonAnswer(200, listBatches(state, url.searchParams));
    case 'GET batches/:id': {
      const stored = state.batches.batches.get(id ?? '');
      if (stored === undefined) return fail(404, 'not_found', `Batch ${id} not found.`);
      const step = stored.queue.then(() => advanceBatch(state, stored));
      stored.queue = step.catch(() => undefined);
      await step;
      return jsonAnswer(200, stored.batch);
    }
    case 'POST batches/:id/cancel': {
      const stored = state.batches.batches.get(id ?? '');
      if (stored === undefined) return fail(404, 'not_found', `Batch ${id} not found.`);
      await stored.queue;
      if (TERMINAL.has(stored.batch.status)) {
        return fail(400, 'invalid_parameter_error', `Batch ${id} is ${stored.batch.status} and cannot be cancelled.`);
      }
      stored.batch.status = 'cancelling';
      stored.batch.cancelling_at = time;
      return jsonAnswer(200, stored.batch);
    }
    default:
      return fail(404, 'not_found', `No such endpoint: ${request.method} ${request.path}`);
  }
}

function createBatch(state: MockState, body: unknown, time: number): MockAnswer | undefined {
  const fields = isRecord(body) ? body : {};
  const inputFileId = typeof fields.input_file_id === 'string' ? fields.input_file_id : '';
  if (!state.batches.files.has(inputFileId)) return undefined;
  const completionWindow = typeof fields.completion_window === 'string' ? fields.completion_window : '24h';
  const batch: BatchObject = {
    id: `batch_${shortId()}`,
    object: 'batch',
    endpoint: typeof fields.endpoint === 'string' ? fields.endpoint : '/v1/chat/completions',
    errors: null,
    input_file_id: inputFileId,
    completion_window: completionWindow,
    status: 'validating',
    output_file_id: null,
    error_file_id: null,
    created_at: time,
    in_progress_at: null,
    expires_at: time + SECONDS_PER_DAY,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    request_counts: { total: 0, completed: 0, failed: 0 },
    metadata: isRecord(fields.metadata) ? fields.metadata : null,
  };
  const stored: StoredBatch = { batch, queue: Promise.resolve() };
  state.batches.batches.set(batch.id, stored);
  return jsonAnswer(200, batch);
}

/** Newest first, as OpenAI lists them; `after` is the id of the last batch of the previous page. */
function listBatches(state: MockState, query: URLSearchParams) {
  const all = [...state.batches.batches.values()].map((stored) => stored.batch).reverse();
  const after = query.get('after');
  const start = after === null ? 0 : all.findIndex((batch) => batch.id === after) + 1;
  const limit = Number(query.get('limit') ?? DEFAULT_LIST_LIMIT) || DEFAULT_LIST_LIMIT;
  const data = all.slice(start, start + limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < all.length,
  };
}
