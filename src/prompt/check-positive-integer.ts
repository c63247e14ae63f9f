import { InputError } from '../errors.js';

/**
 * Throws an {@link InputError} naming `path` unless `value` is undefined or a positive safe integer.
 * @internal
 */
export function checkPositiveInteger(value: number | undefined, path: string): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InputError(`${path} must be a positive integer, got ${String(value)}`, { path });
  }
}
