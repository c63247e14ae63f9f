import { describe, expect, it } from 'vitest';
import {
  barLine,
  createProgressReporter,
  formatCount,
  formatDuration,
  formatUsd,
  type ProgressSnapshot,
  plainLine,
} from './io.js';

describe('number formatting', () => {
  it.each([
    [0, '$0'],
    [0.0000098, '$0.0000098'],
    [0.00000098, '$0.00000098'],
    [0.0012, '$0.0012'],
    [0.53219, '$0.5322'],
    [12.345, '$12.35'],
  ])('formats %d USD as %s', (amount, text) => {
    expect(formatUsd(amount)).toBe(text);
  });

  it.each([
    [0, '0s'],
    [41_600, '42s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
  ])('formats %d ms as %s', (durationMs, text) => {
    expect(formatDuration(durationMs)).toBe(text);
  });

  it('groups thousands', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
  });
});

const SNAPSHOT: ProgressSnapshot = {
  done: 117,
  failed: 3,
  skipped: 3,
  total: 1000,
  itemsPerSecond: 41.23,
  tokens: 10_233,
  costUsd: 0.0012,
};

/** A stream that records what is written, and a clock the test moves. */
function setup(tty: boolean) {
  const writes: string[] = [];
  let time = 0;
  const reporter = createProgressReporter({
    stream: { write: (text: string) => writes.push(text), isTTY: tty, columns: 200 },
    now: () => time,
  });
  return { writes, reporter, advance: (ms: number) => (time += ms) };
}

describe('progress lines without a terminal', () => {
  it('formats counts, failures, rate, tokens and cost on one line', () => {
    expect(plainLine(SNAPSHOT)).toBe(
      'progress: 120/1,000 done, 3 failed, 3 already done, 41.2 items/s, 10,233 tokens, $0.0012',
    );
    expect(plainLine({ ...SNAPSHOT, skipped: 0, total: undefined })).toBe(
      'progress: 117 done, 3 failed, 41.2 items/s, 10,233 tokens, $0.0012',
    );
  });

  it('prints a line every 2 seconds at most, and always the final one', () => {
    const { writes, reporter, advance } = setup(false);
    reporter.update(SNAPSHOT);
    advance(1000);
    reporter.update(SNAPSHOT);
    expect(writes).toEqual([]);
    advance(1000);
    reporter.update(SNAPSHOT);
    advance(500);
    reporter.update(SNAPSHOT);
    expect(writes).toHaveLength(1);
    reporter.finish(SNAPSHOT);
    reporter.finish(SNAPSHOT);
    expect(writes).toHaveLength(2);
    expect(writes.every((line) => line.startsWith('progress: ') && line.endsWith('\n'))).toBe(true);
  });
});

describe('the progress bar on a terminal', () => {
  it('shows the bar, share, failures, rate, tokens, cost and ETA', () => {
    const line = barLine(SNAPSHOT, 200);
    expect(line).toMatch(
      /^\[█{3}░{21}\] {2}120\/1,000 12% {2}3 failed {2}41\.2\/s {2}10,233 tok {2}\$0\.0012 {2}ETA 21s$/,
    );
  });

  it('redraws in place at most every 100 ms and ends with a newline', () => {
    const { writes, reporter, advance } = setup(true);
    reporter.update(SNAPSHOT);
    advance(50);
    reporter.update(SNAPSHOT);
    advance(60);
    reporter.update(SNAPSHOT);
    expect(writes).toHaveLength(2);
    expect(writes[0]?.startsWith('\r[')).toBe(true);
    expect(writes[0]?.endsWith('\u001b[K')).toBe(true);
    reporter.finish(SNAPSHOT);
    expect(writes.at(-1)).toBe('\n');
  });

  it('fits the line into narrow terminals', () => {
    expect(barLine(SNAPSHOT, 40).length).toBeLessThan(40);
  });
});
