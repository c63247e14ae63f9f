import { describe, expect, it } from 'vitest';
import { findJsonRegions } from './regions.js';

describe('findJsonRegions', () => {
  it('finds each value in prose and fences, in order', () => {
    const regions = findJsonRegions('a {"x": 1} b\n```json\n[2]\n```\nc');
    expect(regions.map(({ texts, fence, truncated }) => ({ texts, fence, truncated }))).toEqual([
      { texts: ['{"x": 1}'], fence: 0, truncated: false },
      { texts: ['[2]'], fence: 1, truncated: false },
    ]);
  });

  it('keeps brackets inside strings and comments from counting', () => {
    expect(findJsonRegions('{"a": "}", /* ] */ "b": 1} tail')[0]?.texts).toEqual(['{"a": "}", /* ] */ "b": 1}']);
  });

  it('gathers values separated only by commas or whitespace', () => {
    expect(findJsonRegions('{"a": 1},\n{"a": 2} {"a": 3}')[0]).toMatchObject({
      texts: ['{"a": 1}', '{"a": 2}', '{"a": 3}'],
      repairs: ['multiple-values'],
    });
  });

  it('keeps values separated by prose apart', () => {
    expect(findJsonRegions('{"a": 1} and {"a": 2}').map((region) => region.texts)).toEqual([
      ['{"a": 1}'],
      ['{"a": 2}'],
    ]);
  });

  it('marks a value cut off by the end of the text or of its fence', () => {
    expect(findJsonRegions('```json\n{"a": [1\n```\nmore').map((region) => region.truncated)).toEqual([true]);
  });

  it('joins members after an early closing bracket', () => {
    expect(findJsonRegions('{"a": 1}, "b": 2}')[0]).toMatchObject({
      texts: ['{"a": 1, "b": 2}'],
      repairs: ['brackets'],
    });
  });
});
