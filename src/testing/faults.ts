/**
 * Injected faults: which request gets one (scripted or seeded), the error answers some faults are, and the delivery
 * of an answer disturbed by a transport fault (reset, truncation, slowness, a cut or failing stream).
 * @module
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { seededRandom } from '../seeded-random.js';
import type { MockState } from './state.js';
import type { MockErrorShape, MockFault, MockRequest, MockStreamPacing } from './types.js';
import { buildErrorAnswer, event, type MockAnswer } from './wire.js';

/**
 * The answer that replaces the normal one for faults that are answers of their own (status, html,
 * echo-key, and sse-error on a non-streaming request); `undefined` for faults that only disturb the delivery.
 */
export function faultAnswer(fault: MockFault, request: MockRequest, requestId: string): MockAnswer | undefined {
  const routeShape: MockErrorShape = request.route === 'segmind' ? 'segmind' : 'dashscope';
  switch (fault.type) {
    case 'status':
      return buildErrorAnswer({
        status: fault.status,
        shape: fault.shape ?? routeShape,
        requestId,
        code: fault.code,
        message: fault.message,
        headers: { ...retryHeaders(fault.retryAfter, fault.retryAfterMs), ...fault.headers },
      });
    case 'html':
      return buildErrorAnswer({ status: fault.status, shape: 'html', requestId });
    case 'echo-key': {
      const key = request.keyPresented ?? '';
      return buildErrorAnswer({
        status: fault.status,
        shape: routeShape,
        requestId,
        message: `Incorrect API key provided: ${key}`,
        headers: { 'x-echoed-api-key': key },
      });
    }
    case 'sse-error':
      if (request.stream && request.route === 'dashscope') return undefined;
      return buildErrorAnswer({
        status: 500,
        shape: routeShape,
        requestId,
        code: fault.code ?? SSE_ERROR_CODE,
        message: fault.message ?? SSE_ERROR_MESSAGE,
      });
    default:
      return undefined;
  }
}

/** Default code of an `sse-error` fault: what content moderation sends. */
const SSE_ERROR_CODE = 'data_inspection_failed';
/** Default message of an `sse-error` fault. */
const SSE_ERROR_MESSAGE = 'Output data may contain inappropriate content.';

function retryHeaders(
  retryAfter: number | string | undefined,
  retryAfterMs: number | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  if (retryAfterMs !== undefined) headers['retry-after-ms'] = String(retryAfterMs);
  return headers;
}

/** The fault to inject into a chat request (or batch line), if any. */
export function pickFault(state: MockState, request: MockRequest): MockFault | undefined {
  const source = state.faults;
  if (source === undefined) return undefined;
  if (typeof source === 'function') return source(request);
  const byIndex: Readonly<Record<number, MockFault | undefined>> = source;
  return byIndex[request.index];
}

/** Whether a fault leaves the answer whole (it only slows it down), so the request counts as answered. */
export function keepsAnswerWhole(fault: MockFault | undefined): boolean {
  return (
    fault === undefined ||
    fault.type === 'slow-headers' ||
    fault.type === 'slow-body' ||
    fault.type === 'trickle' ||
    fault.type === 'encoding'
  );
}

/** A fault, or the name of a fault type to use with its defaults. */
export type SeededFaultKind = MockFault | MockFault['type'];

/** Options of {@link seededFaults}. */
export interface SeededFaultsOptions {
  /** The same seed picks the same faults for the same request indexes. */
  seed: number;
  /** Share of requests that get a fault, from 0 to 1. */
  rate: number;
  /** Faults to pick from, with equal chances. @defaultValue 429 with `Retry-After: 0`, 500, 503, reset, truncate */
  kinds?: readonly SeededFaultKind[];
}

const defaultFaults: Record<MockFault['type'], MockFault> = {
  status: { type: 'status', status: 500 },
  reset: { type: 'reset' },
  truncate: { type: 'truncate' },
  'slow-headers': { type: 'slow-headers', delayMs: 50 },
  'slow-body': { type: 'slow-body', delayMs: 50 },
  trickle: { type: 'trickle', intervalMs: 50 },
  encoding: { type: 'encoding', encoding: 'gzip' },
  'sse-cut': { type: 'sse-cut' },
  'sse-error': { type: 'sse-error' },
  html: { type: 'html', status: 502 },
  'echo-key': { type: 'echo-key', status: 401 },
};

const defaultKinds: readonly SeededFaultKind[] = [
  { type: 'status', status: 429, retryAfter: 0 },
  { type: 'status', status: 500 },
  { type: 'status', status: 503 },
  'reset',
  'truncate',
];

/**
 * A fault function for {@link MockQwenOptions.faults} that fails a pseudo-random share of the chat requests, the
 * same way on every run: the choice depends only on the seed and the request index.
 */
export function seededFaults(options: SeededFaultsOptions): (request: MockRequest) => MockFault | undefined {
  const kinds = (options.kinds ?? defaultKinds).map((kind) => (typeof kind === 'string' ? defaultFaults[kind] : kind));
  return (request) => {
    if (kinds.length === 0) return undefined;
    const random = seededRandom(Math.imul(options.seed ^ 0x5bd1e995, 0x9e3779b1) + request.index);
    random();
    if (random() >= options.rate) return undefined;
    return kinds[Math.floor(random() * kinds.length)];
  };
}

/** Waits, unless the signal aborts first (the client went away); tells whether the wait ran to its end. */
export async function pause(delayMs: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(delayMs, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** One answer on its way: where it goes, whether the client is still there, and the record that notes its timing. */
export interface Delivery {
  response: ServerResponse;
  /** Aborts when the client goes away before the answer has ended. */
  signal: AbortSignal;
  /** The request's record: `answerStartedAt`, `answerFinishedAt` and `eventsSent` are noted on it. */
  request: MockRequest;
  /** The server clock. */
  now: () => number;
}

/**
 * Sends an answer, disturbed by a transport fault if one is given (reset, truncate, slow headers or body,
 * cut or failing stream; `sse-cut` resets an answer that is not a stream, `sse-error` leaves it alone). Events are
 * paced as the answer says. Returns early, quietly, when the client goes away.
 */
export async function deliverAnswer(
  delivery: Delivery,
  answer: MockAnswer,
  fault: MockFault | undefined,
): Promise<void> {
  const { response, signal } = delivery;
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
      startAnswer(delivery, answer.status, headers);
      response.flushHeaders();
      if (!(await pause(fault.delayMs, signal))) return;
      break;
    case 'trickle':
      startAnswer(delivery, answer.status, headers);
      for (let offset = 0; offset < whole.length; offset += 1) {
        if (!(await writeChunk(response, whole.subarray(offset, offset + 1), signal))) return;
        if (offset < whole.length - 1 && !(await pause(fault.intervalMs, signal))) return;
      }
      endAnswer(delivery);
      return;
    case 'encoding': {
      const encoding = fault.encoding ?? 'gzip';
      const compressed = COMPRESS[encoding](whole);
      startAnswer(delivery, answer.status, {
        ...headers,
        'content-encoding': encoding,
        'content-length': String(compressed.length),
      });
      endAnswer(delivery, compressed);
      return;
    }
    case 'truncate':
      startAnswer(delivery, 200, { ...headers, 'content-length': String(whole.length) });
      if (await writeChunk(response, half, signal)) cutAnswer(delivery, 'end');
      return;
    case 'sse-cut':
      if (events !== undefined) return deliverBrokenStream(delivery, answer, events, fault);
      return deliverReset(delivery, answer.status, headers, half);
    case 'sse-error':
      if (events !== undefined) return deliverBrokenStream(delivery, answer, events, fault);
      break;
    case 'reset':
      return deliverReset(delivery, answer.status, headers, half);
  }
  if (!response.headersSent) startAnswer(delivery, answer.status, headers);
  if (events === undefined) {
    // A string goes out in one write together with the headers; a Buffer would take a second one.
    endAnswer(delivery, typeof answer.body === 'string' ? answer.body : whole);
  } else if (await writeEvents(delivery, events, answer.pacing)) {
    endAnswer(delivery);
  }
}

const COMPRESS: Record<'gzip' | 'deflate' | 'br', (data: Buffer) => Buffer> = {
  gzip: (data) => gzipSync(data),
  deflate: (data) => deflateSync(data),
  br: (data) => brotliCompressSync(data),
};

/** Writes the status line and headers, noting when on the record. */
export function startAnswer(delivery: Delivery, status: number, headers: Record<string, string>): void {
  delivery.response.writeHead(status, headers);
  delivery.request.answerStartedAt = delivery.now();
}

/** Ends the response; once its last byte is handed to the socket, notes when on the record. */
export function endAnswer(delivery: Delivery, body?: string | Buffer): void {
  const finished = () => {
    if (delivery.response.writableFinished) delivery.request.answerFinishedAt = delivery.now();
  };
  if (body === undefined) delivery.response.end(finished);
  else delivery.response.end(body, finished);
}

/** Drops the connection on purpose (after everything written so far was handed to the socket), noting when. */
function cutAnswer(delivery: Delivery, how: 'end' | 'destroy'): void {
  const socket = delivery.response.socket;
  if (how === 'end') socket?.end();
  else socket?.destroy();
  delivery.request.answerFinishedAt = delivery.now();
}

/** Sends the headers and part of the body, then drops the connection. */
async function deliverReset(
  delivery: Delivery,
  status: number,
  headers: Record<string, string>,
  part: Buffer,
): Promise<void> {
  startAnswer(delivery, status, headers);
  if (await writeChunk(delivery.response, part, delivery.signal)) cutAnswer(delivery, 'destroy');
}

/**
 * Sends the first half of the events, paced as the answer says, then either drops the connection or sends an error
 * event (paced as one more event) and ends.
 */
async function deliverBrokenStream(
  delivery: Delivery,
  answer: MockAnswer,
  events: readonly string[],
  fault: Extract<MockFault, { type: 'sse-cut' | 'sse-error' }>,
): Promise<void> {
  startAnswer(delivery, answer.status, answer.headers);
  const sent = events.slice(0, Math.max(1, Math.floor((events.length - 1) / 2)));
  if (fault.type === 'sse-cut') {
    if (await writeEvents(delivery, sent, answer.pacing)) cutAnswer(delivery, 'destroy');
    return;
  }
  const error = { code: fault.code ?? SSE_ERROR_CODE, message: fault.message ?? SSE_ERROR_MESSAGE };
  if (await writeEvents(delivery, [...sent, event({ error })], answer.pacing)) endAnswer(delivery);
}

const NOTHING = Buffer.alloc(0);

/**
 * Writes events as the pacing says, each write handed to the socket before the next, so a client sees them in
 * separate reads: one write per event, or slices of `byteChunk` bytes that run across events; `intervalMs` between
 * events; a wait for `resume` once `pauseAfterEvents` events are out. An event boundary where the server waits ends
 * a slice, and the headers go out before the first wait. Keeps `eventsSent` on the record; false when the client
 * went away.
 */
async function writeEvents(
  delivery: Delivery,
  events: readonly string[],
  pacing: MockStreamPacing | undefined,
): Promise<boolean> {
  const { response, signal, request } = delivery;
  const buffers = events.map((text) => Buffer.from(text));
  const ends: number[] = [];
  for (const buffer of buffers) ends.push((ends.at(-1) ?? 0) + buffer.length);
  const intervalMs = pacing?.intervalMs ?? 0;
  const byteChunk = pacing?.byteChunk;
  let written = 0;
  request.eventsSent = 0;
  /** Counts the events this write completes before handing it over, so the record leads the client. */
  const send = (bytes: Buffer): Promise<boolean> => {
    if (signal.aborted) return Promise.resolve(false);
    if (bytes.length === 0) return Promise.resolve(true);
    written += bytes.length;
    let completed = request.eventsSent ?? 0;
    while (completed < ends.length && (ends[completed] ?? Number.POSITIVE_INFINITY) <= written) completed += 1;
    request.eventsSent = completed;
    return writeChunk(response, bytes, signal);
  };
  let carry = NOTHING;
  for (let index = 0; index <= buffers.length; index += 1) {
    const spaced = intervalMs > 0 && index > 0 && index < buffers.length;
    const paused = index === pacing?.pauseAfterEvents;
    if (spaced || paused) {
      if (!(await send(carry))) return false;
      carry = NOTHING;
      if (written === 0) response.flushHeaders();
      if (spaced && !(await pause(intervalMs, signal))) return false;
      if (paused && !(await settled(pacing?.resume, signal))) return false;
    }
    const next = buffers[index];
    if (next === undefined) break;
    if (byteChunk === undefined) {
      if (!(await send(next))) return false;
      continue;
    }
    let data = carry.length === 0 ? next : Buffer.concat([carry, next]);
    while (data.length >= byteChunk) {
      if (!(await send(data.subarray(0, byteChunk)))) return false;
      data = data.subarray(byteChunk);
    }
    carry = data;
  }
  return send(carry);
}

/** Waits until a promise settles either way, unless the signal aborts first; tells whether it settled. */
function settled(promise: PromiseLike<unknown> | undefined, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(!signal.aborted);
    };
    Promise.resolve(promise).then(done, done);
  });
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
