import { ApiError } from '../errors.js';
import type { BatchItemError } from './batch-types.js';

/** The `{ name, code?, message }` of a failure, as written to the results file. @internal */
export function toBatchItemError(error: unknown): BatchItemError {
  if (error instanceof Error) {
    const code = error instanceof ApiError ? error.code : undefined;
    return { name: error.name, ...(code === undefined ? {} : { code }), message: error.message };
  }
  return { name: 'Error', message: String(error) };
}
