import { describe, expect, it } from 'vitest';
import { createProgressReporter } from './outcomes.js';
import type { BatchProgress } from './types.js';

const progress = (done: number): BatchProgress => ({
  done,
  succeeded: done,
  failed: 0,
  skipped: 0,
  usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
  costUsd: 0,
  itemsPerSecond: 0,
  elapsedMs: 0,
  inFlight: 0,
  concurrency: 1,
});

describe('createProgressReporter', () => {
  it('calls at most once per interval, plus a final call', () => {
    let time = 0;
    const calls: number[] = [];
    const reporter = createProgressReporter(
      (value) => calls.push(value.done),
      () => time,
      100,
    );
    for (let done = 1; done <= 10; done += 1) {
      time = done * 30;
      reporter.update(() => progress(done));
    }
    reporter.finish(() => progress(10));
    expect(calls).toEqual([1, 5, 9, 10]);
  });

  it('builds no snapshot when nobody listens', () => {
    const reporter = createProgressReporter(undefined, () => 0);
    reporter.update(() => {
      throw new Error('not called');
    });
    reporter.finish(() => {
      throw new Error('not called');
    });
  });
});
