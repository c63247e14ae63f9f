import { describe, expect, it } from 'vitest';
import { replacePythonLiterals } from './replace-python-literals.js';

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
