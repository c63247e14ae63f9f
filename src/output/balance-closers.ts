import { chooseCloserFix } from './choose-closer-fix.js';
import { skipComment } from './skip-comment.js';
import { skipQuotedString } from './skip-quoted-string.js';

/** Mismatched closers read with a lookahead per text; later ones are left for `jsonrepair`. */
const MAX_LOOKAHEADS = 8;
const CLOSER_OF: Readonly<Record<string, string>> = { '{': '}', '[': ']' };

/**
 * Mends closing brackets as `chooseCloserFix` reads them: a closer of the wrong kind that stands for the
 * right one is replaced (`["a"}` → `["a"]`), one that closes nothing is dropped (`[{"a": 1}}]` → `[{"a": 1}]`),
 * and missing closers before one are written in (`[{"a": 1]` → `[{"a": 1}]`). Returns the input when nothing
 * changed. @internal
 */
export function balanceClosers(text: string): string {
  const open: string[] = [];
  let result = '';
  let copiedUpTo = 0;
  let lookaheads = 0;
  let index = 0;
  while (index < text.length) {
    const afterToken = skipQuotedString(text, index) ?? skipComment(text, index);
    if (afterToken !== undefined) {
      index = afterToken;
      continue;
    }
    const character = text[index] ?? '';
    if (character === '{' || character === '[') {
      open.push(character);
    } else if (character === '}' || character === ']') {
      const fix = lookaheads < MAX_LOOKAHEADS ? chooseCloserFix(text, index, open) : 'match';
      if (fix !== 'match') {
        lookaheads++;
        const opener = character === '}' ? '{' : '[';
        const kept = fix === 'insert' ? open.lastIndexOf(opener) : fix === 'substitute' ? open.length - 1 : open.length;
        const replacement = fix === 'drop' ? '' : closersFor(open.slice(kept));
        result += text.slice(copiedUpTo, index) + replacement;
        copiedUpTo = index + 1;
        open.length = kept;
      } else {
        open.pop();
      }
    }
    index++;
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

function closersFor(levels: readonly string[]): string {
  return levels
    .map((opener) => CLOSER_OF[opener] ?? '')
    .reverse()
    .join('');
}
