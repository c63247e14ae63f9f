import { skipComment } from './skip-comment.js';
import { scanQuotedString } from './skip-quoted-string.js';

interface OpenLevel {
  opener: string;
  /** Whether the next string in this object is a key. */
  expectsKey: boolean;
}

/**
 * Escapes double quotes inside string values that the model forgot to escape (`"say "hi" now"` →
 * `"say \"hi\" now"`). A quote ends a value when what follows can continue the JSON (see `canEndValue`); the
 * others inside it are escaped. A value with no such quote is left alone; a text where a closing quote seems to be
 * missing instead is left to `jsonrepair` as a whole; keys are left alone. Returns the input when nothing changed.
 * @internal
 */
export function escapeInnerQuotes(text: string): string {
  const levels: OpenLevel[] = [];
  const innerQuotes: number[] = [];
  let index = 0;
  while (index < text.length) {
    const character = text[index] ?? '';
    const level = levels.at(-1);
    if (character === '"' && !text.startsWith('"""', index) && !(level?.opener === '{' && level.expectsKey)) {
      const valueEnd = findValueEnd(text, index, levels);
      if (valueEnd === 'missing-quote') {
        return text;
      }
      if (valueEnd !== undefined) {
        innerQuotes.push(...valueEnd.innerQuotes);
        index = valueEnd.end;
        continue;
      }
    }
    const afterToken = scanQuotedString(text, index)?.end ?? skipComment(text, index);
    if (afterToken !== undefined) {
      index = afterToken;
      continue;
    }
    if (character === '{' || character === '[') {
      levels.push({ opener: character, expectsKey: character === '{' });
    } else if (character === '}' || character === ']') {
      levels.pop();
    } else if (level?.opener === '{' && (character === ',' || character === ':')) {
      level.expectsKey = character === ',';
    }
    index++;
  }
  if (innerQuotes.length === 0) {
    return text;
  }
  let result = '';
  let copiedUpTo = 0;
  for (const quote of innerQuotes) {
    result += `${text.slice(copiedUpTo, quote)}\\"`;
    copiedUpTo = quote + 1;
  }
  return result + text.slice(copiedUpTo);
}

/**
 * Finds the quote that ends the string value opening at `start`, and the quotes inside it; `undefined` when no
 * quote can end it. Reports `missing-quote` when a quote that would count as inside looks like the start of the
 * next member after a missing closing quote instead: the text is then left to `jsonrepair` as a whole.
 */
function findValueEnd(
  text: string,
  start: number,
  levels: readonly OpenLevel[],
): { end: number; innerQuotes: number[] } | 'missing-quote' | undefined {
  const innerQuotes: number[] = [];
  for (let index = start + 1; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') {
      index++;
    } else if (character === '"') {
      if (canEndValue(text, index + 1, levels)) {
        return { end: index + 1, innerQuotes };
      }
      if (startsMissingQuotePattern(text, start, index)) {
        return 'missing-quote';
      }
      innerQuotes.push(index);
    }
  }
  return undefined;
}

/**
 * Whether the quote at `quote` more likely opens the next member after a missing closing quote: it follows a comma
 * or a line break directly (`["a,"b"]`), or follows a comma and starts a key (`"New York, "city": …`).
 */
function startsMissingQuotePattern(text: string, start: number, quote: number): boolean {
  const before = text.slice(Math.max(start + 1, quote - 16), quote);
  if (/(?:,|\n[ \t]*)$/.test(before)) {
    return true;
  }
  return /,\s*$/.test(before) && /^"[^"\n]{0,64}"\s*:/.test(text.slice(quote, quote + 80));
}

/**
 * Whether a quote followed by `from` can end a string value: followed by the end, another string, a closing
 * bracket that is not followed by prose, or a comma that is followed by a key or value (a bare word after a comma
 * in an object must be an unquoted key, with its colon). A colon cannot follow a value.
 */
function canEndValue(text: string, from: number, levels: readonly OpenLevel[]): boolean {
  const next = skipSpace(text, from);
  const character = text[next];
  if (character === undefined || character === '"') {
    return true;
  }
  if (character === '}' || character === ']') {
    const after = skipSpace(text, next + 1);
    const following = text[after];
    if (following === ',') {
      return levels.length > 1 && commaContinues(text, after, levels.slice(0, -1));
    }
    return following === undefined || '}]"`'.includes(following);
  }
  return character === ',' && commaContinues(text, next, levels);
}

/** Whether a key or value can follow the comma at `commaIndex` (a bare word in an object must be a key with its colon). */
function commaContinues(text: string, commaIndex: number, levels: readonly OpenLevel[]): boolean {
  const after = skipSpace(text, commaIndex + 1);
  const following = text.slice(after, after + 64);
  if (following === '' || /^["'{}[\],\d-]/.test(following)) {
    return true;
  }
  return levels.at(-1)?.opener === '[' || /^[\w$]+\s*:/.test(following);
}

/** Skips whitespace and comments. */
function skipSpace(text: string, from: number): number {
  let index = from;
  while (index < text.length) {
    if (/\s/.test(text[index] ?? '')) {
      index++;
      continue;
    }
    const afterComment = skipComment(text, index);
    if (afterComment === undefined) {
      return index;
    }
    index = afterComment;
  }
  return index;
}
