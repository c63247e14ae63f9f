import { describe, expect, it } from 'vitest';
import { trimTruncatedJson } from './truncation.js';

describe('trimTruncatedJson', () => {
  it.each([
    ['closes open brackets', '{"a": [1, 2', '{"a": [1, 2]}'],
    ['drops a trailing comma', '[1, 2,', '[1, 2]'],
    ['drops a key without a value', '{"a": 1, "b":', '{"a": 1}'],
    ['drops a key without a colon', '{"a": 1, "b"', '{"a": 1}'],
    ['drops a half-written key', '{"a": 1, "b', '{"a": 1}'],
    ['drops a lone key in a new object', '{"a": {"b":', '{"a": {}}'],
    ['keeps a started string value', '{"a": "', '{"a": ""}'],
    ['ends a cut-off string', '{"a": "hel', '{"a": "hel"}'],
    ['drops a half-written unicode escape', '{"a": "x\\u12', '{"a": "x"}'],
    ['drops a lone backslash', '{"a": "x\\', '{"a": "x"}'],
    ['keeps an escaped backslash', '{"a": "x\\\\', '{"a": "x\\\\"}'],
    ['reads a closing bracket right after the text as the bracket', '{"a": "b }', '{"a": "b"}'],
    ['keeps brackets that do not close the open levels', '{"a": "b[', '{"a": "b["}'],
    ['drops a cut-off comment', '{"a": 1 /* note', '{"a": 1 }'],
    ['leaves a text that is not cut off alone', '{"a": 1}', '{"a": 1}'],
    ['keeps a last member that is more than a key', '{x": "y', '{x": "y}'],
  ])('%s', (_name, input, output) => {
    expect(trimTruncatedJson(input)).toBe(output);
  });
});
