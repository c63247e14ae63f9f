import type { MockFaultSource } from './mock-fault.js';
import type { MockReplySource } from './mock-reply.js';

/** A sliding-window request limit on the chat routes. */
export interface MockRateLimit {
  /** Chat requests accepted per window; the next one gets a 429 `limit_requests`. */
  requestsPerMinute: number;
  /** @defaultValue 60000 */
  windowMs?: number;
  /** Send `Retry-After` (whole seconds until a slot frees) with the 429. @defaultValue true */
  retryAfter?: boolean;
}

/** Options of {@link startMockQwen}; all optional. */
export interface MockQwenOptions {
  /** When set, a request with a wrong or missing key gets a 401 in its route's error shape. */
  apiKey?: string;
  /** The scripted answers. @defaultValue an automatic reply (see {@link startMockQwen}) */
  reply?: MockReplySource;
  /** Delay before answering every request. @defaultValue 0 */
  latencyMs?: number;
  /** Failures to inject. @defaultValue none */
  faults?: MockFaultSource;
  /** Segmind: starting credits. @defaultValue 100 */
  credits?: number;
  /** Segmind: credits taken by each successful call. @defaultValue 0.001 */
  creditsPerCall?: number;
  /** A request limit on the chat routes. @defaultValue none */
  rateLimit?: MockRateLimit;
  /** Refuse a DashScope body carrying `max_tokens` with a 400 that names the field. @defaultValue false */
  rejectMaxTokens?: boolean;
  /** Refuse a DashScope body carrying `max_completion_tokens` with a 400 that names the field. @defaultValue false */
  rejectMaxCompletionTokens?: boolean;
  /** Clock for the rate-limit window and the timestamps in bodies. @defaultValue Date.now */
  now?: () => number;
}

/** Which endpoint family a request went to. */
export type MockRoute = 'dashscope' | 'segmind' | 'files' | 'batches' | 'other';

/** One chat message as received, with multi-part contents joined to text. */
export interface MockMessage {
  role: string;
  content: string;
}

/** A request the mock received, with API keys replaced by `[redacted]`. */
export interface MockRequest {
  /**
   * 0-based index among chat requests; -1 for other requests. The lines of a batch, answered through the same
   * replies and faults as chat requests (with route `batches`), carry their 0-based line number instead.
   */
  index: number;
  method: string;
  /** The path without the query string. */
  path: string;
  route: MockRoute;
  /** Header names in lower case; `authorization` and `x-api-key` values are `[redacted]`. */
  headers: Record<string, string>;
  /** The body as text, with the configured and the presented key redacted (keys of 4 characters or more). */
  rawBody: string;
  /** The parsed JSON body, or `undefined` when the body is not JSON. */
  body: unknown;
  messages: MockMessage[];
  /** Whether the body asked for a stream (recorded even on routes that ignore it). */
  stream: boolean;
  /** The body's `response_format`. */
  responseFormat: unknown;
  /** The body's `tools`. */
  tools: unknown;
  /**
   * The API key the request presented (non-enumerable, so it never shows in snapshots or printed records);
   * for assertions only.
   */
  readonly keyPresented: string | undefined;
}

/** A running mock server; see {@link startMockQwen}. */
export interface MockQwen {
  /** The origin, e.g. `http://127.0.0.1:43123`. */
  url: string;
  /** DashScope-style OpenAI-compatible base URL: `${url}/compatible-mode/v1`. */
  baseURL: string;
  /** The Segmind endpoint: `${url}/v1/qwen-flash`. */
  segmindURL: string;
  /** Every request received (chat, credits, files, batches, unknown paths), in order. */
  requests: MockRequest[];
  /** Only the chat-completion requests. */
  chatRequests(): MockRequest[];
  /** Clears recorded requests, the reply and fault counters, the rate-limit window, credits, files and batches. */
  reset(): void;
  /** Replaces the scripted replies (and starts them from the first); `undefined` restores the automatic reply. */
  setReply(reply: MockReplySource | undefined): void;
  /** Replaces the injected faults; `undefined` removes them. */
  setFaults(faults: MockFaultSource | undefined): void;
  /** Closes the server and destroys open sockets. */
  close(): Promise<void>;
}
