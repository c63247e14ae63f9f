import { skipComment } from './skip-comment.js';
import { skipQuotedString } from './skip-quoted-string.js';

/**
 * What a closing bracket means: it closes the innermost open bracket (`match`), it is the wrong kind for it and
 * stands for the right one (`substitute`), closers are missing before it (`insert`), or it closes nothing (`drop`).
 * @internal
 */
export type CloserFix = 'match' | 'substitute' | 'insert' | 'drop';

/** How far a reading of the text gets: where it stops, and why. */
interface Reading {
  fix: CloserFix;
  position: number;
  /** 2: the brackets balance; 1: the text ends with brackets open; 0: a closer of the wrong kind. */
  rank: number;
}

const CLOSER_OF: Readonly<Record<string, string>> = { '{': '}', '[': ']' };
const OPENER_OF: Readonly<Record<string, string>> = { '}': '{', ']': '[' };

/**
 * Decides what the closing bracket at `index` means, given the brackets open before it (outermost first). A
 * mismatched closer is read each possible way, and the reading that carries the rest of the value furthest
 * without another mismatch wins (ties: balanced before cut off; then `insert`, `drop`, `substitute`). So
 * `["a", "b"}, "c": 1}` reads the `}` as `]`, and `[{"a": 1], "b": 2}` as a missing `}`. Linear per mismatch.
 * @internal
 */
export function chooseCloserFix(text: string, index: number, open: readonly string[]): CloserFix {
  const closer = text[index] ?? '';
  const innermost = open.at(-1);
  if (innermost !== undefined && CLOSER_OF[innermost] === closer) {
    return 'match';
  }
  const readings: Reading[] = [];
  const openerIndex = open.lastIndexOf(OPENER_OF[closer] ?? '');
  if (openerIndex >= 0) {
    readings.push({ fix: 'insert', ...readFrom(text, index + 1, open.slice(0, openerIndex)) });
  }
  readings.push({ fix: 'drop', ...readFrom(text, index + 1, [...open]) });
  if (innermost !== undefined) {
    readings.push({ fix: 'substitute', ...readFrom(text, index + 1, open.slice(0, -1)) });
  }
  let best = readings[0]!;
  for (const reading of readings.slice(1)) {
    if (reading.position > best.position || (reading.position === best.position && reading.rank > best.rank)) {
      best = reading;
    }
  }
  return best.fix;
}

/** Reads on from `index` with `open` brackets open, strictly (any mismatch stops the reading). */
function readFrom(text: string, from: number, open: string[]): { position: number; rank: number } {
  if (open.length === 0) {
    return { position: from, rank: 2 };
  }
  let index = from;
  while (index < text.length) {
    const afterToken = skipQuotedString(text, index) ?? skipComment(text, index);
    if (afterToken !== undefined) {
      index = afterToken;
      continue;
    }
    const character = text[index] ?? '';
    if (character === '`' && text.startsWith('```', index)) {
      return { position: index, rank: 1 };
    }
    if (character === '{' || character === '[') {
      open.push(character);
    } else if (character === '}' || character === ']') {
      if (CLOSER_OF[open.at(-1) ?? ''] !== character) {
        return { position: index, rank: 0 };
      }
      open.pop();
      if (open.length === 0) {
        return { position: index + 1, rank: 2 };
      }
    }
    index++;
  }
  return { position: text.length, rank: 1 };
}
