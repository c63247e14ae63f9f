import { skipComment } from './skip-comment.js';
import { scanQuotedString } from './skip-quoted-string.js';

const JSON_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Mends a value that has its closing quote but lost its opening one (`"a": some words",` → `"a": "some words",`;
 * a number keeps its type: `"n": 12345",` → `"n": 12345,`), and an opening quote typed twice (`"a": ""word"` →
 * `"a": "word"`). Only a run on one line, without quotes, colons or brackets, ending in a quote followed by a
 * comma, a closing bracket or the end of the line counts. Returns the input when nothing changed. @internal
 */
export function quoteBareValues(text: string): string {
  const open: string[] = [];
  let expectsValue = false;
  let result = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const character = text[index] ?? '';
    if (expectsValue && !/\s/.test(character)) {
      expectsValue = false;
      const doubled = character === '"' && text[index + 1] === '"' ? 2 : 0;
      const mended = mendValue(text, index + doubled, doubled > 0);
      if (mended !== undefined) {
        result += text.slice(copiedUpTo, index) + mended.replacement;
        copiedUpTo = mended.end;
        index = mended.end;
        continue;
      }
    }
    const afterToken = scanQuotedString(text, index)?.end ?? skipComment(text, index);
    if (afterToken !== undefined) {
      index = afterToken;
      continue;
    }
    if (character === '{' || character === '[') {
      open.push(character);
      expectsValue = character === '[';
    } else if (character === '}' || character === ']') {
      open.pop();
    } else if (character === ':' || (character === ',' && open.at(-1) === '[')) {
      expectsValue = true;
    }
    index++;
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/** The mended value starting at `start` and where it ends, or `undefined` when the pattern does not apply. */
function mendValue(
  text: string,
  start: number,
  doubledQuote: boolean,
): { replacement: string; end: number } | undefined {
  const lineEnd = text.indexOf('\n', start);
  const line = text.slice(start, lineEnd < 0 ? text.length : lineEnd);
  const match = /^([^"'{}[\]:\s][^"{}[\]:]*?)"(?=\s*(?:[,}\]]|$))/.exec(line);
  if (match === null) {
    return undefined;
  }
  const run = match[1] ?? '';
  const end = start + match[0].length;
  if (doubledQuote) {
    return { replacement: `"${run}"`, end };
  }
  return { replacement: JSON_NUMBER.test(run.trim()) ? run.trim() : `"${run}"`, end };
}
