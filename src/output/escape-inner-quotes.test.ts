import { describe, expect, it } from 'vitest';
import { escapeInnerQuotes } from './escape-inner-quotes.js';

describe('escapeInnerQuotes', () => {
  it.each([
    ['escapes quotes inside a value', '{"a": "say "hi" now"}', '{"a": "say \\"hi\\" now"}'],
    ['escapes an inch mark', '{"a": "a 65" TV"}', '{"a": "a 65\\" TV"}'],
    [
      'escapes a quote before a comma that is not followed by a member',
      '{"a": "about "x", y"}',
      '{"a": "about \\"x\\", y"}',
    ],
    ['escapes quoted JSON inside a value', '{"a": "is {"b": 1}, ok"}', '{"a": "is {\\"b\\": 1}, ok"}'],
    ['leaves valid JSON alone', '{"a": "b", "c": ["d", "e"]}', '{"a": "b", "c": ["d", "e"]}'],
    ['leaves a missing closing quote before a comma to jsonrepair', '["a,"b"]', '["a,"b"]'],
    ['leaves a missing closing quote before a key to jsonrepair', '{"a": "x, "b": "y"}', '{"a": "x, "b": "y"}'],
    ['leaves keys alone', '{"a"b": 1}', '{"a"b": 1}'],
  ])('%s', (_name, input, output) => {
    expect(escapeInnerQuotes(input)).toBe(output);
  });
});
