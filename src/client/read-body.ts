import type { Dispatcher } from 'undici';
import { ConnectionError } from '../errors.js';
import { RESPONSE_TOO_LARGE } from './is-retryable.js';

/** Error bodies are read up to this size; the rest is ignored. @internal */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Passes the chunks of a body through, failing with a {@link ConnectionError} (`RESPONSE_TOO_LARGE`, not retried)
 * as soon as more than `maxBytes` arrived; the caller then destroys the body, so reading stops.
 * @internal
 */
export async function* limitBytes(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  provider: string,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLargeError(maxBytes, provider);
    yield chunk;
  }
}

/** The error of a reply body over `maxResponseBytes`. @internal */
export function tooLargeError(maxBytes: number, provider: string): ConnectionError {
  return new ConnectionError(`The reply body is larger than maxResponseBytes (${maxBytes} bytes)`, {
    provider,
    code: RESPONSE_TOO_LARGE,
  });
}

/** Reads a whole body as UTF-8 text, at most `maxBytes` of it (see {@link limitBytes}). @internal */
export async function readText(chunks: AsyncIterable<Uint8Array>, maxBytes: number, provider: string): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of limitBytes(chunks, maxBytes, provider)) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** Reads the first `maxBytes` of a body as UTF-8 text and ignores the rest (for error bodies). @internal */
export async function readTextPrefix(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    total += chunk.byteLength;
    if (total >= maxBytes) break;
  }
  return Buffer.concat(parts).subarray(0, maxBytes).toString('utf8');
}

/** Stops reading a body we no longer want; the error its destruction emits is expected and ignored. @internal */
export function discardBody(body: Dispatcher.ResponseData['body']): void {
  if (body.readableEnded || body.destroyed) return;
  body.on('error', () => {});
  body.destroy();
}
