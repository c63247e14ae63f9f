import { describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import type { BatchApiRunOptions } from './batch-api-run-options.js';
import { validateBatchApiOptions } from './validate-batch-api-options.js';

describe('validateBatchApiOptions', () => {
  it.each<[string, BatchApiRunOptions]>([
    ['no options', {}],
    [
      'every option',
      {
        repairOnline: false,
        completionWindow: '14d',
        batchIds: ['batch_1'],
        pollIntervalMs: 5,
        maxPollIntervalMs: 10,
        maxLinesPerFile: 3,
        maxBytesPerFile: 1000,
        maxBytesPerLine: 100,
      },
    ],
    ['the shortest window', { completionWindow: '24h' }],
    ['the longest window', { completionWindow: '336h' }],
  ])('accepts %s', (_name, options) => {
    expect(() => validateBatchApiOptions(options)).not.toThrow();
  });

  it.each<[string, BatchApiRunOptions, string]>([
    ['a zero line limit', { maxLinesPerFile: 0 }, 'options.maxLinesPerFile'],
    ['a fractional poll interval', { pollIntervalMs: 1.5 }, 'options.pollIntervalMs'],
    ['a window under 24 hours', { completionWindow: '23h' }, 'options.completionWindow'],
    ['a window over 14 days', { completionWindow: '15d' }, 'options.completionWindow'],
    ['a window in minutes', { completionWindow: '1440m' }, 'options.completionWindow'],
    ['an empty batch id', { batchIds: [''] }, 'options.batchIds'],
    ['repairOnline as a string', { repairOnline: 'yes' as unknown as boolean }, 'options.repairOnline'],
  ])('refuses %s, naming the option', (_name, options, path) => {
    let caught: unknown;
    try {
      validateBatchApiOptions(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).path).toBe(path);
  });
});
