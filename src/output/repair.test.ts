import { describe, expect, it } from 'vitest';
import { balanceClosers, escapeInnerQuotes, quoteBareValues, replacePythonLiterals } from './repair.js';
import { chooseCloserFix } from './scan.js';

describe('balanceClosers', () => {
  it.each([
    ['leaves balanced text alone', '{"a": [1, {"b": 2}]}', '{"a": [1, {"b": 2}]}'],
    ['replaces a closer that stands for the other kind', '{"a": ["x", "y"}, "b": 1}', '{"a": ["x", "y"], "b": 1}'],
    ['drops a closer that closes nothing', '[{"a": 1}}, {"a": 2}]', '[{"a": 1}, {"a": 2}]'],
    ['writes in missing closers', '{"a": [{"b": 1], "c": 2}', '{"a": [{"b": 1}], "c": 2}'],
    ['drops closers after the value', '{"a": 1}}]', '{"a": 1}'],
    ['ignores brackets in strings', '{"a": "]}"}', '{"a": "]}"}'],
  ])('%s', (_name, input, output) => {
    expect(balanceClosers(input)).toBe(output);
  });
});

describe('chooseCloserFix', () => {
  it.each([
    ['a matching closer', '[1]', 2, ['['], 'match'],
    ['a closer with nothing open', '}', 0, [], 'drop'],
    ['a wrong kind whose reading as the right kind carries on', '["a"}, "b": 1}', 4, ['{', '['], 'substitute'],
    ['a wrong kind that closes an outer level', '{"a": [{"b": 1], "c": 2}', 14, ['{', '[', '{'], 'insert'],
  ] as const)('reads %s', (_name, text, index, open, fix) => {
    expect(chooseCloserFix(text, index, open)).toBe(fix);
  });
});

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

describe('replacePythonLiterals', () => {
  it.each([
    ['rewrites Python constants', '{"a": True, "b": False, "c": None}', '{"a": true, "b": false, "c": null}'],
    ['rewrites literals in another case', '[TRUE, Null]', '[true, null]'],
    ['rewrites single-quoted strings, apostrophes kept', "{'a': 'it's'}", `{"a": "it's"}`],
    ['rewrites triple-quoted strings', '{"a": """x\n"y\'"""}', '{"a": "x\\n\\"y\'"}'],
    ['leaves strings alone', '{"a": "True or None"}', '{"a": "True or None"}'],
    ['leaves words that only contain a literal alone', '{"a": Truth, "b": Nonesuch}', '{"a": Truth, "b": Nonesuch}'],
    ['leaves literals outside value positions alone', '{"a": None of them}', '{"a": None of them}'],
  ])('%s', (_name, input, output) => {
    expect(replacePythonLiterals(input)).toBe(output);
  });
});
