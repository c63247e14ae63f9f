/**
 * What a running mock keeps between requests: its options, counters and credits, the rate-limit window, the
 * uploaded files and batches, and the record of each request (route, redacted headers and body).
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isRecord } from '../json.js';
import type { MockFaultSource, MockQwenOptions, MockReplySource, MockRequest, MockRoute } from './types.js';
import { checkStreamPacing } from './wire.js';

const DEFAULT_CREDITS = 100;
const DEFAULT_CREDITS_PER_CALL = 0.001;
const DEFAULT_WINDOW_MS = 60_000;

/** Everything a running mock remembers between requests. */
export interface MockState {
  readonly options: MockQwenOptions;
  readonly now: () => number;
  readonly creditsPerCall: number;
  readonly rateLimiter: RateLimiter | undefined;
  readonly batches: BatchStore;
  reply: MockReplySource | undefined;
  faults: MockFaultSource | undefined;
  /** Position in an array of replies. */
  replyPosition: number;
  /** Chat requests received so far. */
  chatCount: number;
  credits: number;
  requests: MockRequest[];
}

/**
 * The state of a fresh server; throws when `options.stream` is a pacing the server could not follow, or
 * `options.logprobs` is not `'refuse'`.
 */
export function createMockState(options: MockQwenOptions): MockState {
  checkStreamPacing(options.stream, 'options.stream');
  if (options.logprobs !== undefined && options.logprobs !== 'refuse') {
    throw new TypeError(`options.logprobs must be 'refuse' or absent, not ${JSON.stringify(options.logprobs)}`);
  }
  const now = options.now ?? Date.now;
  const rateLimit = options.rateLimit;
  return {
    options,
    now,
    creditsPerCall: options.creditsPerCall ?? DEFAULT_CREDITS_PER_CALL,
    rateLimiter:
      rateLimit === undefined
        ? undefined
        : createRateLimiter(rateLimit.requestsPerMinute, rateLimit.windowMs ?? DEFAULT_WINDOW_MS, now),
    batches: createBatchStore(),
    reply: options.reply,
    faults: options.faults,
    replyPosition: 0,
    chatCount: 0,
    credits: options.credits ?? DEFAULT_CREDITS,
    requests: [],
  };
}

/** Back to the state of a fresh server (the current replies and faults stay). */
export function resetMockState(state: MockState): void {
  state.requests = [];
  state.replyPosition = 0;
  state.chatCount = 0;
  state.credits = state.options.credits ?? DEFAULT_CREDITS;
  state.rateLimiter?.clear();
  state.batches.clear();
}

/** Whether a request may pass: no key configured, or the configured key presented. */
export function acceptsKey(state: MockState, request: MockRequest): boolean {
  return state.options.apiKey === undefined || request.keyPresented === state.options.apiKey;
}

/** A sliding-window request counter. */
interface RateLimiter {
  /** Takes a slot, or returns how long until one frees (in ms) when the window is full. */
  take(): { allowed: true } | { allowed: false; waitMs: number };
  clear(): void;
}

/** A rate limiter that accepts `requestsPerWindow` requests in any `windowMs`. */
function createRateLimiter(requestsPerWindow: number, windowMs: number, now: () => number): RateLimiter {
  let accepted: number[] = [];
  return {
    take() {
      const time = now();
      accepted = accepted.filter((acceptedAt) => acceptedAt > time - windowMs);
      if (accepted.length >= requestsPerWindow) {
        const oldest = accepted[0] ?? time;
        return { allowed: false, waitMs: oldest + windowMs - time };
      }
      accepted.push(time);
      return { allowed: true };
    },
    clear() {
      accepted = [];
    },
  };
}

/** An uploaded (or generated) file, as the Files API describes it. */
interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
  status_details: null;
}

/** Life stages of a batch. */
type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** A batch, as the Batch API describes it. */
export interface BatchObject {
  id: string;
  object: 'batch';
  endpoint: string;
  errors: { object: 'list'; data: { code: string; message: string; line: number }[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, unknown> | null;
}

/** A batch and the work behind it. */
export interface StoredBatch {
  batch: BatchObject;
  /** Polls run one after another, so two concurrent polls still advance one step each. */
  queue: Promise<void>;
  /** Result lines, kept from `finalizing` until the files are published on `completed`. */
  results?: { output: string[]; errors: string[] };
}

/** Files and batches of a running mock, in creation order. */
interface BatchStore {
  files: Map<string, { file: FileObject; content: string }>;
  batches: Map<string, StoredBatch>;
  addFile(filename: string, purpose: string, content: string, createdAt: number, prefix?: string): FileObject;
  clear(): void;
}

/** An empty store. */
function createBatchStore(): BatchStore {
  const files = new Map<string, { file: FileObject; content: string }>();
  const batches = new Map<string, StoredBatch>();
  return {
    files,
    batches,
    addFile(filename, purpose, content, createdAt, prefix = 'file-batch') {
      const file: FileObject = {
        id: `${prefix}-${shortId()}`,
        object: 'file',
        bytes: Buffer.byteLength(content),
        created_at: createdAt,
        filename,
        purpose,
        status: 'processed',
        status_details: null,
      };
      files.set(file.id, { file, content });
      return file;
    },
    clear() {
      files.clear();
      batches.clear();
    },
  };
}

/** A short random id. */
export function shortId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 24);
}

/** Keys shorter than this are not redacted from bodies: replacing them would mangle ordinary text. */
const MIN_REDACTED_KEY_LENGTH = 4;
const REDACTED = '[redacted]';
const KEY_HEADERS = new Set(['authorization', 'x-api-key']);

/** What {@link recordRequest} needs to know about a request. */
interface RecordInput {
  index: number;
  method: string;
  path: string;
  route: MockRoute;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The key the mock was configured with. */
  apiKey: string | undefined;
}

/** Builds the record of a request, with every API key replaced by `[redacted]`. */
export function recordRequest(input: RecordInput): MockRequest {
  const keyPresented = presentedKey(input.route, input.headers);
  const secrets = [input.apiKey, keyPresented].filter(
    (secret): secret is string => secret !== undefined && secret.length >= MIN_REDACTED_KEY_LENGTH,
  );
  const redactSecrets = (text: string) =>
    secrets.reduce((result, secret) => (result.includes(secret) ? result.split(secret).join(REDACTED) : result), text);
  const rawBody = redactSecrets(input.rawBody);
  const body = parseJson(rawBody);
  const fields = isRecord(body) ? body : {};
  const record: MockRequest = {
    index: input.index,
    method: input.method,
    path: input.path,
    route: input.route,
    headers: recordHeaders(input.headers, redactSecrets),
    rawBody,
    body,
    messages: Array.isArray(fields.messages) ? fields.messages.map(toMockMessage) : [],
    stream: fields.stream === true,
    responseFormat: fields.response_format,
    tools: fields.tools,
    keyPresented,
  };
  Object.defineProperty(record, 'keyPresented', { enumerable: false });
  return record;
}

/** The API key a request presents: `x-api-key` on the Segmind route, the Bearer token elsewhere. */
function presentedKey(route: MockRoute, headers: IncomingHttpHeaders): string | undefined {
  if (route === 'segmind') return headerValue(headers['x-api-key']);
  const match = /^Bearer\s+(.+)$/i.exec(headerValue(headers.authorization) ?? '');
  return match?.[1]?.trim();
}

function recordHeaders(headers: IncomingHttpHeaders, redactSecrets: (text: string) => string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = headerValue(value);
    if (text !== undefined) result[name] = KEY_HEADERS.has(name) ? REDACTED : redactSecrets(text);
  }
  return result;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toMockMessage(message: unknown): MockRequest['messages'][number] {
  const fields = isRecord(message) ? message : {};
  return { role: String(fields.role ?? ''), content: contentText(fields.content) };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (typeof part === 'string' ? part : isRecord(part) ? String(part.text ?? '') : ''))
    .join('');
}

const DASHSCOPE_CHAT = new Set(['/compatible-mode/v1/chat/completions', '/v1/chat/completions']);
const SEGMIND = new Set(['/v1/qwen-flash', '/v1/get-user-credits']);
const FILES = /^\/(compatible-mode\/)?v1\/files(\/|$)/;
const BATCHES = /^\/(compatible-mode\/)?v1\/batches(\/|$)/;

/** The endpoint family a path belongs to. */
export function routeOf(path: string): MockRoute {
  if (DASHSCOPE_CHAT.has(path)) return 'dashscope';
  if (SEGMIND.has(path)) return 'segmind';
  if (FILES.test(path)) return 'files';
  if (BATCHES.test(path)) return 'batches';
  return 'other';
}

/** Whether a request asks for a chat completion (and so gets a chat index). */
export function isChatRequest(method: string, path: string): boolean {
  return method === 'POST' && (DASHSCOPE_CHAT.has(path) || path === '/v1/qwen-flash');
}
