import type { BatchJob } from '../../client/batch-api/batch-api-types.js';
import { ApiError, BadRequestError, ServerError } from '../../errors.js';

/**
 * Why an item of a finished batch has no result line: the batch failed validation (its first problem), expired,
 * was cancelled by someone else, or completed without a line for the item. @internal
 */
export function leftoverError(job: BatchJob, provider: string): ApiError {
  const where = `batch ${job.id}`;
  switch (job.status) {
    case 'failed': {
      const problem = job.problems[0];
      const detail =
        problem === undefined
          ? 'no reason given'
          : `${problem.code}${problem.line === undefined ? '' : ` at line ${problem.line}`}: ${problem.message}`;
      return new BadRequestError(`The batch failed (${detail}) — ${where}`, {
        code: problem?.code ?? 'batch_failed',
        provider,
      });
    }
    case 'expired':
      return new ApiError(`The batch expired before this item was processed — ${where}`, {
        code: 'batch_expired',
        provider,
      });
    case 'cancelled':
    case 'cancelling':
      return new ApiError(`The batch was cancelled before this item was processed — ${where}`, {
        code: 'batch_cancelled',
        provider,
      });
    default:
      return new ServerError(`The batch ended (${job.status}) without a result for this item — ${where}`, {
        code: 'batch_result_missing',
        provider,
      });
  }
}
