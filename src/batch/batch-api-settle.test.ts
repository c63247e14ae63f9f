import { describe, expect, it } from 'vitest';
import type { BatchJob } from '../client/types.js';
import { ApiError, BadRequestError, RateLimitError, ServerError } from '../errors.js';
import { leftoverError, readBatchResultLine } from './batch-api-settle.js';

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

const context = {
  provider: 'dashscope' as const,
  batchId: 'batch_1',
  estimateCostUsd: (usage: { promptTokens: number }) => usage.promptTokens / 1000,
};
const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'positive' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
};
const line = (fields: Record<string, unknown>) => JSON.stringify({ id: 'batch_req_1', custom_id: 'a', ...fields });

describe('readBatchResultLine', () => {
  it("turns a 200 line into a chat response priced by the batch price, its requestId the line's request_id", () => {
    const result = readBatchResultLine(
      line({ response: { status_code: 200, request_id: 'req-1', body: completion }, error: null }),
      context,
    );
    expect(result).toEqual({
      customId: 'a',
      ok: true,
      response: {
        content: 'positive',
        finishReason: 'stop',
        usage: { promptTokens: 10, completionTokens: 2, cachedTokens: 0, totalTokens: 12 },
        costUsd: 0.01,
        durationMs: 0,
        attempts: 1,
        rateLimitedAttempts: 0,
        raw: completion,
        requestId: 'req-1',
        completionId: 'chatcmpl-1',
      },
    });
  });

  it.each([
    [
      'an error object with a 429 status',
      { response: { status_code: 429, body: {} }, error: { code: 'limit_requests', message: 'busy' } },
      RateLimitError,
      { status: 429, code: 'limit_requests' },
    ],
    [
      'an error status with the error in the body',
      { response: { status_code: 400, body: { error: { code: 'invalid_parameter_error', message: 'bad' } } } },
      BadRequestError,
      { status: 400, code: 'invalid_parameter_error' },
    ],
    ['an error without a status', { error: { code: 'internal_error', message: 'oops' } }, ServerError, {}],
    ['a 200 body without a choice', { response: { status_code: 200, body: { object: 'x' } } }, ServerError, {}],
  ])('turns %s into the typed error of a chat call', (_name, fields, errorClass, details) => {
    const result = readBatchResultLine(line(fields), context);
    expect(result?.ok).toBe(false);
    const error = result?.ok === false ? result.error : undefined;
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ provider: 'dashscope', ...details });
    expect(error?.message).toMatch(/— batch batch_1$/);
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['a line without custom_id', JSON.stringify({ response: { status_code: 200, body: completion } })],
    ['a JSON array', '[]'],
  ])('skips %s', (_name, text) => {
    expect(readBatchResultLine(text, context)).toBeUndefined();
  });
});
