import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatUsd } from './format-number.js';

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
