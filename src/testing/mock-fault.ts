import type { MockRequest } from './mock-types.js';

/** Body shape of an error answer: DashScope's nested object, the native flat form, Segmind's string, none, or HTML. */
export type MockErrorShape = 'dashscope' | 'flat' | 'segmind' | 'empty' | 'html';

/** An HTTP error answer. */
export interface MockStatusFault {
  type: 'status';
  status: number;
  /** @defaultValue a code that fits the status, e.g. `limit_requests` for 429, `internal_error` for 500 */
  code?: string;
  message?: string;
  /** Sent as `Retry-After`: seconds, or an HTTP-date string. */
  retryAfter?: number | string;
  /** Sent as `retry-after-ms`. */
  retryAfterMs?: number;
  /** @defaultValue the route's own shape ('segmind' on the Segmind route, else 'dashscope') */
  shape?: MockErrorShape;
  headers?: Record<string, string>;
}

/** Send the headers and part of the body, then destroy the socket. */
export interface MockResetFault {
  type: 'reset';
}

/** Send a 200 whose Content-Length announces the full body, send half of it, then end the socket. */
export interface MockTruncateFault {
  type: 'truncate';
}

/** Wait before sending anything, then answer normally if the client is still there. */
export interface MockSlowHeadersFault {
  type: 'slow-headers';
  delayMs: number;
}

/** Send the headers, wait, then send the body. */
export interface MockSlowBodyFault {
  type: 'slow-body';
  delayMs: number;
}

/** Streaming: send some chunks, then destroy the socket without `[DONE]` (a non-streaming request gets a reset). */
export interface MockSseCutFault {
  type: 'sse-cut';
}

/**
 * Streaming: send some chunks, then `data: {"error":{code,message}}` and end the stream
 * (a non-streaming request gets a 500 with that code and message).
 */
export interface MockSseErrorFault {
  type: 'sse-error';
  /** @defaultValue 'data_inspection_failed' */
  code?: string;
  message?: string;
}

/** An HTML error page, as a proxy in front of the API would send. */
export interface MockHtmlFault {
  type: 'html';
  status: number;
}

/** An error whose body and `x-echoed-api-key` header contain the presented API key (for redaction tests). */
export interface MockEchoKeyFault {
  type: 'echo-key';
  status: number;
}

/** A failure to inject instead of (or while) answering a chat request. */
export type MockFault =
  | MockStatusFault
  | MockResetFault
  | MockTruncateFault
  | MockSlowHeadersFault
  | MockSlowBodyFault
  | MockSseCutFault
  | MockSseErrorFault
  | MockHtmlFault
  | MockEchoKeyFault;

/**
 * Which chat requests fail: an array or a record keyed by the 0-based chat-request index (faulted requests count
 * too; call `reset()` to restart the count), or a function of the request. Faults apply before anything else (key,
 * rate limit, body checks). Batch lines are looked up by line number; there only the faults that are answers of
 * their own (status, html, echo-key, sse-error) count, and they send the line to the error file.
 */
export type MockFaultSource =
  | readonly (MockFault | undefined)[]
  | Readonly<Record<number, MockFault>>
  | ((request: MockRequest) => MockFault | undefined);
