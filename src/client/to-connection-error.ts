import { ConnectionError } from '../errors.js';

/**
 * Wraps a transport failure (reset, refused, socket closed, body cut) in a retryable {@link ConnectionError}
 * that keeps the low-level code, e.g. `ECONNRESET` or `UND_ERR_SOCKET`. The message names `method` and `url`.
 * @internal
 */
export function toConnectionError(error: unknown, provider: string, url: string, method = 'POST'): ConnectionError {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  return new ConnectionError(
    `Connection failed${code === undefined ? '' : ` (${code})`}: ${detail} — ${method} ${url}`,
    {
      provider,
      ...(code === undefined ? {} : { code }),
      cause: error,
    },
  );
}
