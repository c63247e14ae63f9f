import type { ServerResponse } from 'node:http';
import { event } from './build-sse-events.js';
import { SSE_ERROR_CODE, SSE_ERROR_MESSAGE } from './fault-answer.js';
import type { MockAnswer } from './mock-answer.js';
import type { MockFault } from './mock-fault.js';
import { pause } from './pause.js';

/**
 * @internal Sends an answer, disturbed by a transport fault if one is given (reset, truncate, slow headers or body,
 * cut or failing stream; `sse-cut` resets an answer that is not a stream, `sse-error` leaves it alone).
 * Returns early, quietly, when the client goes away.
 */
export async function deliverAnswer(
  response: ServerResponse,
  answer: MockAnswer,
  fault: MockFault | undefined,
  signal: AbortSignal,
): Promise<void> {
  const events = typeof answer.body === 'string' ? undefined : answer.body;
  const whole = Buffer.from(typeof answer.body === 'string' ? answer.body : answer.body.join(''));
  const half = whole.subarray(0, Math.floor(whole.length / 2));
  const headers: Record<string, string> = { ...answer.headers };
  if (events === undefined) headers['content-length'] = String(whole.length);
  switch (fault?.type) {
    case 'slow-headers':
      if (!(await pause(fault.delayMs, signal))) return;
      break;
    case 'slow-body':
      response.writeHead(answer.status, headers);
      response.flushHeaders();
      if (!(await pause(fault.delayMs, signal))) return;
      break;
    case 'truncate':
      response.writeHead(200, { ...headers, 'content-length': String(whole.length) });
      if (await writeChunk(response, half, signal)) response.socket?.end();
      return;
    case 'sse-cut':
      if (events !== undefined) return deliverBrokenStream(response, answer, events, fault, signal);
      return deliverReset(response, answer.status, headers, half, signal);
    case 'sse-error':
      if (events !== undefined) return deliverBrokenStream(response, answer, events, fault, signal);
      break;
    case 'reset':
      return deliverReset(response, answer.status, headers, half, signal);
  }
  if (!response.headersSent) response.writeHead(answer.status, headers);
  if (events === undefined) {
    // A string goes out in one write together with the headers; a Buffer would take a second one.
    response.end(typeof answer.body === 'string' ? answer.body : whole);
  } else if (await writeEvents(response, events, signal)) {
    response.end();
  }
}

/** Sends the headers and part of the body, then drops the connection. */
async function deliverReset(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  part: Buffer,
  signal: AbortSignal,
): Promise<void> {
  response.writeHead(status, headers);
  if (await writeChunk(response, part, signal)) response.socket?.destroy();
}

/** Sends the first half of the events, then either drops the connection or sends an error event and ends. */
async function deliverBrokenStream(
  response: ServerResponse,
  answer: MockAnswer,
  events: readonly string[],
  fault: Extract<MockFault, { type: 'sse-cut' | 'sse-error' }>,
  signal: AbortSignal,
): Promise<void> {
  response.writeHead(answer.status, answer.headers);
  const sent = events.slice(0, Math.max(1, Math.floor((events.length - 1) / 2)));
  if (!(await writeEvents(response, sent, signal))) return;
  if (fault.type === 'sse-cut') {
    response.socket?.destroy();
    return;
  }
  const error = { code: fault.code ?? SSE_ERROR_CODE, message: fault.message ?? SSE_ERROR_MESSAGE };
  response.end(event({ error }));
}

/** Writes events one at a time, each flushed before the next, so a client sees them in separate reads. */
async function writeEvents(response: ServerResponse, events: readonly string[], signal: AbortSignal): Promise<boolean> {
  for (const text of events) {
    if (!(await writeChunk(response, Buffer.from(text), signal))) return false;
  }
  return true;
}

/** Writes a chunk and waits until it is handed to the socket; false when the client went away. */
function writeChunk(response: ServerResponse, chunk: Buffer, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    response.write(chunk, (error) => {
      signal.removeEventListener('abort', onAbort);
      resolve(error === undefined || error === null);
    });
  });
}
