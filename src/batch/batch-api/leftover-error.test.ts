import { describe, expect, it } from 'vitest';
import type { BatchJob } from '../../client/batch-api/batch-api-types.js';
import { ApiError, BadRequestError, ServerError } from '../../errors.js';
import { leftoverError } from './leftover-error.js';

function job(status: string, problems: BatchJob['problems'] = []): BatchJob {
  return {
    id: 'batch_9',
    status,
    inputFileId: 'file-1',
    outputFileId: undefined,
    errorFileId: undefined,
    requestCounts: { total: 1, completed: 0, failed: 0 },
    problems,
    createdAt: undefined,
    metadata: undefined,
    raw: {},
  };
}

describe('leftoverError', () => {
  it.each([
    [
      'failed',
      [{ code: 'invalid_json_line', message: 'not JSON', line: 2 }],
      BadRequestError,
      'invalid_json_line',
      'The batch failed (invalid_json_line at line 2: not JSON) — batch batch_9',
    ],
    ['failed', [], BadRequestError, 'batch_failed', 'The batch failed (no reason given) — batch batch_9'],
    ['expired', [], ApiError, 'batch_expired', 'The batch expired before this item was processed — batch batch_9'],
    [
      'cancelled',
      [],
      ApiError,
      'batch_cancelled',
      'The batch was cancelled before this item was processed — batch batch_9',
    ],
    [
      'completed',
      [],
      ServerError,
      'batch_result_missing',
      'The batch ended (completed) without a result for this item — batch batch_9',
    ],
  ])('explains a %s batch', (status, problems, errorClass, code, message) => {
    const error = leftoverError(job(status, problems), 'dashscope');
    expect(error).toBeInstanceOf(errorClass);
    expect([error.code, error.message, error.provider]).toEqual([code, message, 'dashscope']);
  });
});
