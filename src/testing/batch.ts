/**
 * DashScope's Files and Batch APIs: uploads (multipart), downloads, and batches that move one status step per poll,
 * their lines answered through the same faults, checks and replies as chat requests.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { isRecord } from '../json.js';
import { resolveChatOutcome } from './chat.js';
import { faultAnswer, pickFault } from './faults.js';
import { acceptsKey, type BatchObject, type MockState, recordRequest, type StoredBatch, shortId } from './state.js';
import type { MockRequest } from './types.js';
import { buildCompletion, buildErrorAnswer, jsonAnswer, type MockAnswer } from './wire.js';

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
const DEFAULT_LIST_LIMIT = 20;
const SECONDS_PER_DAY = 86_400;

/**
 * The DashScope Files and Batch APIs (OpenAI-compatible) under `/compatible-mode/v1` and `/v1`:
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

/**
 * Moves a batch one step on, as one poll of the real service might see it:
 * `validating → in_progress` (or `failed` when a line is not a request), `in_progress → finalizing` (every line is
 * answered), `finalizing → completed` (output and error files appear), `cancelling → cancelled`.
 */
async function advanceBatch(state: MockState, stored: StoredBatch): Promise<void> {
  const batch = stored.batch;
  const time = Math.floor(state.now() / 1000);
  switch (batch.status) {
    case 'validating':
      return validate(state, batch, time);
    case 'in_progress': {
      const results = { output: [] as string[], errors: [] as string[] };
      const lines = readInput(state, batch).lines;
      for (const [lineNumber, line] of lines.entries()) {
        const result = await answerBatchLine(state, line, lineNumber);
        (result.failed ? results.errors : results.output).push(result.line);
      }
      stored.results = results;
      batch.request_counts = { total: lines.length, completed: results.output.length, failed: results.errors.length };
      batch.status = 'finalizing';
      batch.finalizing_at = time;
      return;
    }
    case 'finalizing': {
      const { output, errors } = stored.results ?? { output: [], errors: [] };
      if (output.length > 0) batch.output_file_id = publish(state, batch, 'output', output, time);
      if (errors.length > 0) batch.error_file_id = publish(state, batch, 'error', errors, time);
      delete stored.results;
      batch.status = 'completed';
      batch.completed_at = time;
      return;
    }
    case 'cancelling':
      batch.status = 'cancelled';
      batch.cancelled_at = time;
      return;
    default:
      return;
  }
}

function validate(state: MockState, batch: BatchObject, time: number): void {
  const { lines, problems } = readInput(state, batch);
  if (problems.length > 0) {
    batch.status = 'failed';
    batch.failed_at = time;
    batch.errors = { object: 'list', data: problems };
    return;
  }
  batch.status = 'in_progress';
  batch.in_progress_at = time;
  batch.request_counts = { total: lines.length, completed: 0, failed: 0 };
}

function readInput(state: MockState, batch: BatchObject) {
  const content = state.batches.files.get(batch.input_file_id)?.content ?? '';
  const lines: BatchInputLine[] = [];
  const problems: { code: string; message: string; line: number }[] = [];
  const seen = new Set<string>();
  for (const [position, text] of content.split(/\r?\n/).entries()) {
    if (text.trim() === '') continue;
    const line = parseLine(text);
    if (line === undefined) {
      problems.push({
        code: 'invalid_json_line',
        message: 'The line is not a JSON object with custom_id and body.',
        line: position + 1,
      });
    } else if (seen.has(line.custom_id)) {
      problems.push({
        code: 'duplicate_custom_id',
        message: `custom_id '${line.custom_id}' is used twice.`,
        line: position + 1,
      });
    } else {
      seen.add(line.custom_id);
      lines.push(line);
    }
  }
  if (lines.length === 0 && problems.length === 0) {
    problems.push({ code: 'empty_file', message: 'The input file has no requests.', line: 0 });
  }
  return { lines, problems };
}

function parseLine(text: string): BatchInputLine | undefined {
  try {
    const line: unknown = JSON.parse(text);
    if (!isRecord(line) || typeof line.custom_id !== 'string' || !isRecord(line.body)) return undefined;
    return { custom_id: line.custom_id, url: line.url, body: line.body };
  } catch {
    return undefined;
  }
}

function publish(
  state: MockState,
  batch: BatchObject,
  kind: 'output' | 'error',
  lines: string[],
  time: number,
): string {
  const content = `${lines.join('\n')}\n`;
  return state.batches.addFile(`${batch.id}_${kind}.jsonl`, `batch_${kind}`, content, time, `file-batch_${kind}`).id;
}

/** One input line of a batch, already parsed. */
interface BatchInputLine {
  custom_id: string;
  url?: unknown;
  body: Record<string, unknown>;
}

/** The result line of one batch request, and whether it goes to the output or the error file. */
interface BatchLineResult {
  failed: boolean;
  line: string;
}

/**
 * Answers one batch line through the same faults, checks and replies as a chat request (its `index` is
 * its line number). Faults that are answers of their own, refusals and raw replies with status ≥ 400 fail the line;
 * transport faults mean nothing here and are ignored.
 */
async function answerBatchLine(state: MockState, input: BatchInputLine, lineNumber: number): Promise<BatchLineResult> {
  const request = recordRequest({
    index: lineNumber,
    method: 'POST',
    path: typeof input.url === 'string' ? input.url : '/v1/chat/completions',
    route: 'batches',
    headers: {},
    rawBody: JSON.stringify(input.body),
    apiKey: undefined,
  });
  const requestId = randomUUID();
  const fault = pickFault(state, request);
  const faulted = fault === undefined ? undefined : faultAnswer(fault, request, requestId);
  if (faulted !== undefined) return failure(input, faulted.status, requestId, parseBody(faulted.body));
  const outcome = await resolveChatOutcome(state, request, true);
  switch (outcome.kind) {
    case 'refused':
      return failure(input, 400, requestId, { error: { code: outcome.code, message: outcome.message } });
    case 'raw':
      if (outcome.reply.status >= 400) return failure(input, outcome.reply.status, requestId, outcome.reply.body);
      return success(input, outcome.reply.status, requestId, outcome.reply.body);
    case 'completion': {
      const created = Math.floor(state.now() / 1000);
      return success(
        input,
        200,
        requestId,
        // As DashScope's batch output: the completion's own id, unrelated to the line's request_id.
        buildCompletion(outcome.reply, request, { requestId: randomUUID(), created, withRequestId: false }),
      );
    }
  }
}

function success(input: BatchInputLine, status: number, requestId: string, body: unknown): BatchLineResult {
  const response = { status_code: status, request_id: requestId, body };
  return { failed: false, line: JSON.stringify({ id: lineId(), custom_id: input.custom_id, response, error: null }) };
}

function failure(input: BatchInputLine, status: number, requestId: string, body: unknown): BatchLineResult {
  const details = isRecord(body) && isRecord(body.error) ? body.error : {};
  const error = {
    code: typeof details.code === 'string' ? details.code : String(status),
    message:
      typeof details.message === 'string' ? details.message : typeof body === 'string' ? body : 'Request failed.',
  };
  const response = { status_code: status, request_id: requestId, body };
  return { failed: true, line: JSON.stringify({ id: lineId(), custom_id: input.custom_id, response, error }) };
}

function lineId(): string {
  return `batch_req_${shortId()}`;
}

function parseBody(body: string | readonly string[]): unknown {
  const text = typeof body === 'string' ? body : body.join('');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One part of a `multipart/form-data` body. */
interface MultipartPart {
  name: string;
  filename?: string;
  content: string;
}

/**
 * Splits a `multipart/form-data` body on its boundary (a test server's parser: text parts only, no
 * nested multiparts). Returns an empty list when the content type names no boundary.
 */
export function parseMultipart(body: string, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const delimiter = boundary?.[1] ?? boundary?.[2];
  if (delimiter === undefined) return [];
  const parts: MultipartPart[] = [];
  for (const section of body.split(`--${delimiter}`).slice(1)) {
    if (section.startsWith('--')) break;
    const headerEnd = section.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const head = section.slice(0, headerEnd);
    const content = section.slice(headerEnd + 4).replace(/\r\n$/, '');
    const name = /\bname="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(head)?.[1];
    parts.push(filename === undefined ? { name, content } : { name, filename, content });
  }
  return parts;
}
