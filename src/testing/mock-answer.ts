import type { MockRawReply } from './mock-reply.js';

/**
 * @internal An answer ready to send: a whole body, or SSE events sent one by one.
 */
export interface MockAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | readonly string[];
}

/** @internal A JSON answer (strings are sent as they are). */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): MockAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** @internal A scripted raw answer: the body JSON-encoded unless it is a string, none when absent. */
export function rawAnswer(reply: MockRawReply, requestId: string): MockAnswer {
  const headers = { 'x-request-id': requestId, ...reply.headers };
  if (reply.body === undefined) return { status: reply.status, headers, body: '' };
  return jsonAnswer(reply.status, reply.body, headers);
}
