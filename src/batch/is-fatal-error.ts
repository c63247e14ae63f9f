import { AuthenticationError, InsufficientCreditsError } from '../errors.js';

/**
 * Whether an error stops a whole batch rather than failing one item: the key was refused, or the account has no
 * money left. Every other item would fail the same way. @internal
 */
export function isFatalError(error: unknown): error is AuthenticationError | InsufficientCreditsError {
  return error instanceof AuthenticationError || error instanceof InsufficientCreditsError;
}
