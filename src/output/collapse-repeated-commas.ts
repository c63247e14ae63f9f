import { skipComment } from './skip-comment.js';
import { skipQuotedString } from './skip-quoted-string.js';

/** Collapses commas repeated outside strings (`"a": 1, , "b": 2` → `"a": 1, "b": 2`). Returns the input when nothing changed. @internal */
export function collapseRepeatedCommas(text: string): string {
  if (!/,\s*,/.test(text)) {
    return text;
  }
  let result = '';
  let copiedUpTo = 0;
  let index = 0;
  let lastCommaEnd = -1;
  while (index < text.length) {
    const afterToken = skipQuotedString(text, index) ?? skipComment(text, index);
    if (afterToken !== undefined) {
      index = afterToken;
      lastCommaEnd = -1;
      continue;
    }
    const character = text[index] ?? '';
    if (character === ',') {
      if (lastCommaEnd >= 0) {
        result += text.slice(copiedUpTo, index);
        copiedUpTo = index + 1;
      }
      lastCommaEnd = index + 1;
    } else if (!/\s/.test(character)) {
      lastCommaEnd = -1;
    }
    index++;
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}
