import { InputError } from '../errors.js';

/**
 * Longest timeout a timer can hold (2³¹ − 1 ms, about 24.8 days). Node runs a longer `setTimeout` after 1 ms
 * instead, so a larger `timeoutMs` would fail every attempt at once.
 * @internal
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Checks a `timeoutMs` option: a positive number of milliseconds a timer can hold. Throws {@link InputError} at
 * `path` otherwise. @internal
 */
export function checkTimeoutMs(value: unknown, path: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= MAX_TIMEOUT_MS)) {
    const name = path.split('.').at(-1) ?? path;
    throw new InputError(
      `${name} must be a positive number of milliseconds, at most ${MAX_TIMEOUT_MS}, got ${String(value)}`,
      { path },
    );
  }
  return value;
}
