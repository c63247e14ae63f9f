import { describe, expect, it } from 'vitest';
import { balanceClosers } from './balance-closers.js';
import { chooseCloserFix } from './choose-closer-fix.js';

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
