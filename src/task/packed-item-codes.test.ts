import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { packedItemIndex } from '../output/index.js';
import { packedItemCode } from '../prompt/index.js';

describe('packed item letter codes (the prompt writes them, the output parser reads them back)', () => {
  it.each<[number, string]>([
    [0, 'A'],
    [8, 'I'],
    [25, 'Z'],
    [26, 'AA'],
    [51, 'AZ'],
    [52, 'BA'],
    [99, 'CV'],
    [701, 'ZZ'],
    [702, 'AAA'],
  ])('gives item index %i the code %s and reads it back', (index, code) => {
    expect(packedItemCode(index)).toBe(code);
    expect(packedItemIndex(code)).toBe(index);
  });

  it('round-trips every index of the largest pack, each code distinct', () => {
    const codes = Array.from({ length: 5000 }, (_, index) => packedItemCode(index));
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.map((code) => packedItemIndex(code))).toEqual(codes.map((_, index) => index));
  });

  it.each(['', 'a', 'Ab', '1', 'A1', ' A', 'A:', 'Ａ', 'ABCDEFG'])('reads %j as no code', (code) => {
    expect(packedItemIndex(code)).toBeUndefined();
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses the index %s', (index) => {
    expect(() => packedItemCode(index)).toThrow(InputError);
  });
});
