import { describe, expect, it } from 'vitest';
import { valuesEqual } from './values-equal.js';

describe('valuesEqual', () => {
  it.each([
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [[1, 2], [2, 1], false],
    [' Paris ', 'Paris', true],
    [{ a: null }, {}, true],
    [{ a: 0 }, {}, false],
    [new Date('2025-03-01T00:00:00.000Z'), '2025-03-01T00:00:00.000Z', true],
    [42, '42', false],
    [[{ x: 'a' }], [{ x: 'a' }], true],
    [null, null, true],
  ])('compares %j and %j as %s', (left, right, equal) => {
    expect(valuesEqual(left, right)).toBe(equal);
    expect(valuesEqual(right, left)).toBe(equal);
  });
});
