import { describe, expect, it } from 'vitest';
import { quoteBareValues } from './quote-bare-values.js';

describe('quoteBareValues', () => {
  it.each([
    ['adds a missing opening quote', '{"a": some words", "b": 1}', '{"a": "some words", "b": 1}'],
    ['drops a stray quote after a number', '{"n": 12345"}', '{"n": 12345}'],
    ['collapses a doubled opening quote', '{"a": ""word"}', '{"a": "word"}'],
    ['mends array items', '[abc", "d"]', '["abc", "d"]'],
    ['leaves bare words without a quote alone', '{"a": word}', '{"a": word}'],
    ['leaves an empty string alone', '{"a": "", "b": 1}', '{"a": "", "b": 1}'],
  ])('%s', (_name, input, output) => {
    expect(quoteBareValues(input)).toBe(output);
  });
});
