import { describe, expect, it } from 'vitest';
import { ServerError } from '../../errors.js';
import { parseBatchJob } from './parse-batch-job.js';

describe('parseBatchJob', () => {
  it('reads an OpenAI batch object into camelCase', () => {
    const raw = {
      id: 'batch_1',
      object: 'batch',
      status: 'failed',
      input_file_id: 'file-in',
      output_file_id: null,
      error_file_id: 'file-err',
      created_at: 1700000000,
      request_counts: { total: 3, completed: 1, failed: 2 },
      errors: { object: 'list', data: [{ code: 'invalid_json_line', message: 'bad', line: 2 }] },
      metadata: { ds_name: 'x' },
    };
    expect(parseBatchJob(raw, 'GET here')).toEqual({
      id: 'batch_1',
      status: 'failed',
      inputFileId: 'file-in',
      outputFileId: undefined,
      errorFileId: 'file-err',
      requestCounts: { total: 3, completed: 1, failed: 2 },
      problems: [{ code: 'invalid_json_line', message: 'bad', line: 2 }],
      createdAt: 1700000000,
      metadata: { ds_name: 'x' },
      raw,
    });
  });

  it.each([
    ['no counts at all', {}, { total: 0, completed: 0, failed: 0 }],
    [
      'counts that are not numbers',
      { request_counts: { total: '3', completed: -1 } },
      { total: 0, completed: 0, failed: 0 },
    ],
  ])('reads %s as zero', (_name, fields, counts) => {
    expect(parseBatchJob({ id: 'b', status: 'validating', ...fields }, 'GET here').requestCounts).toEqual(counts);
  });

  it('keeps a status it does not know and accepts errors as a bare array', () => {
    const job = parseBatchJob({ id: 'b', status: 'queued', errors: [{ message: 'm' }] }, 'GET here');
    expect([job.status, job.problems]).toEqual(['queued', [{ code: 'unknown', message: 'm' }]]);
  });

  it('refuses a reply without id or status with a ServerError that says where', () => {
    expect(() => parseBatchJob({ object: 'batch' }, 'GET https://x/batches/b')).toThrow(ServerError);
    expect(() => parseBatchJob({ id: 'b' }, 'GET https://x/batches/b')).toThrow(/not a batch object .* GET https/);
  });
});
