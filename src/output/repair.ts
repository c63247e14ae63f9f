/**
 * The local syntax repairs tried on a JSON candidate before `jsonrepair`, in the order `PRE_PASSES` applies them.
 * Each reads the text with the one `JsonScanner`, mends one kind of defect and returns its input when it finds
 * none. See `docs/output-repair.md#local-repairs`.
 * @module
 */
import type { RepairName } from './outcome.js';
import { scanValue } from './regions.js';
import { JsonScanner, OpenBrackets, scanQuotedString, skipComment } from './scan.js';

/** Bare words that stand for JSON literals in a value position, whatever their case. */
const LITERALS: Readonly<Record<string, string>> = { true: 'true', false: 'false', null: 'null', none: 'null' };
const JSON_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Local pre-passes, in order, with the repair each counts as. */
export const PRE_PASSES: readonly [RepairName, (text: string) => string][] = [
  ['doubled-braces', unwrapDoubledBraces],
  ['python-literals', replacePythonLiterals],
  ['bare-values', quoteBareValues],
  ['inner-quotes', escapeInnerQuotes],
  ['stray-backslash', escapeStrayBackslashes],
  ['repeated-comma', collapseRepeatedCommas],
  ['brackets', balanceClosers],
];

/**
 * Removes doubled outer braces (`{{"name": "f", "arguments": {}}}` → `{"name": "f", "arguments": {}}`), a Qwen
 * habit (its prompt templates escape braces by doubling them). `{{` never opens valid JSON, and only a pair that
 * wraps the whole text is removed, as often as it is doubled.
 */
export function unwrapDoubledBraces(text: string): string {
  let result = text;
  for (let opening = /^\s*\{\s*\{/.exec(result); opening !== null; opening = /^\s*\{\s*\{/.exec(result)) {
    const innerStart = opening[0].length - 1;
    const inner = scanValue(result, innerStart);
    if (!inner.closed || !/^\s*\}\s*$/.test(result.slice(inner.end))) {
      break;
    }
    result = result.slice(innerStart, inner.end);
  }
  return result;
}

/**
 * Rewrites Python (and other near-JSON) literals outside strings as JSON: `True`, `FALSE`, `None` in a value
 * position → `true`, `false`, `null`; single- and triple-quoted strings → JSON strings.
 */
export function replacePythonLiterals(text: string): string {
  if (!/true|false|none|null|'|"""/i.test(text)) {
    return text;
  }
  let result = '';
  let copiedUpTo = 0;
  const scanner = new JsonScanner(text, { comments: false });
  while (scanner.next()) {
    const { character, start: index } = scanner;
    if (scanner.kind === 'string') {
      const triple = text.startsWith(character.repeat(3), index);
      if (scanner.closed && (triple || character === "'")) {
        const quoteLength = triple ? 3 : 1;
        result +=
          text.slice(copiedUpTo, index) + toJsonString(text.slice(index + quoteLength, scanner.end - quoteLength));
        copiedUpTo = scanner.end;
      }
      continue;
    }
    const word = /^[A-Za-z_]\w*/.exec(text.slice(index, index + 8));
    if (word !== null && !/[\w$]/.test(text[index - 1] ?? '')) {
      const end = index + word[0].length;
      const literal = LITERALS[word[0].toLowerCase()];
      if (literal !== undefined && literal !== word[0] && isValuePosition(text, index, end)) {
        result += text.slice(copiedUpTo, index) + literal;
        copiedUpTo = end;
      }
      scanner.index = end;
    }
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/** Whether a bare word stands alone as a value: after `:`, `[`, `,` (or nothing), before `,` `}` `]` (or nothing). */
function isValuePosition(text: string, start: number, end: number): boolean {
  const before = /\S?\s*$/.exec(text.slice(Math.max(0, start - 64), start))?.[0].trim() ?? '';
  const after = /^\s*\S?/.exec(text.slice(end, end + 64))?.[0].trim() ?? '';
  return (before === '' || ':[,'.includes(before)) && (after === '' || ',}]'.includes(after));
}

/** A JSON string literal with the given Python string body (`\'` unescaped, `"` and control characters escaped). */
function toJsonString(body: string): string {
  let json = '"';
  for (let index = 0; index < body.length; index++) {
    const character = body[index] ?? '';
    if (character === '\\') {
      const next = body[index + 1] ?? '';
      index++;
      if (next === "'") {
        json += "'";
      } else if (next !== '' && '"\\/bfnrtu'.includes(next)) {
        json += `\\${next}`;
      } else {
        json += next === '\n' ? '' : `\\\\${JSON.stringify(next).slice(1, -1)}`;
      }
    } else {
      json += JSON.stringify(character).slice(1, -1);
    }
  }
  return `${json}"`;
}

/**
 * Mends a value that lost its opening quote (`"a": some words",` → `"a": "some words",`; a number keeps its type)
 * or has it typed twice (`"a": ""word"`). Only a run on one line without quotes, colons or brackets counts.
 */
export function quoteBareValues(text: string): string {
  const open: string[] = [];
  let expectsValue = false;
  let result = '';
  let copiedUpTo = 0;
  const scanner = new JsonScanner(text);
  while (scanner.next()) {
    const { character, start: index } = scanner;
    if (expectsValue && !/\s/.test(character)) {
      expectsValue = false;
      const doubled = character === '"' && text[index + 1] === '"' ? 2 : 0;
      const mended = mendValue(text, index + doubled, doubled > 0);
      if (mended !== undefined) {
        result += text.slice(copiedUpTo, index) + mended.replacement;
        copiedUpTo = mended.end;
        scanner.index = mended.end;
        continue;
      }
    }
    if (scanner.kind !== 'character') {
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

interface OpenLevel {
  opener: string;
  /** Whether the next string in this object is a key. */
  expectsKey: boolean;
}

/**
 * Escapes double quotes the model forgot to escape inside string values (`"say "hi" now"`). A quote ends a value
 * when what follows can continue the JSON (`canEndValue`); keys, and texts that seem to miss a closing quote instead,
 * are left alone.
 */
export function escapeInnerQuotes(text: string): string {
  const levels: OpenLevel[] = [];
  const innerQuotes: number[] = [];
  const scanner = new JsonScanner(text);
  while (scanner.next()) {
    const { character, start: index } = scanner;
    const level = levels.at(-1);
    if (scanner.kind === 'string') {
      if (character === '"' && !text.startsWith('"""', index) && !(level?.opener === '{' && level.expectsKey)) {
        const valueEnd = findValueEnd(text, index, levels);
        if (valueEnd === 'missing-quote') {
          return text;
        }
        if (valueEnd !== undefined) {
          innerQuotes.push(...valueEnd.innerQuotes);
          scanner.index = valueEnd.end;
        }
      }
      continue;
    }
    if (scanner.kind === 'comment') {
      continue;
    }
    if (character === '{' || character === '[') {
      levels.push({ opener: character, expectsKey: character === '{' });
    } else if (character === '}' || character === ']') {
      levels.pop();
    } else if (level?.opener === '{' && (character === ',' || character === ':')) {
      level.expectsKey = character === ',';
    }
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
 * quote can end it; `missing-quote` when a quote inside looks like the start of the next member after a missing
 * closing quote (the text is then left to `jsonrepair` as a whole).
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
 * bracket that is not followed by prose, or a comma that is followed by a key or value. A colon cannot follow a value.
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

/** Doubles backslashes inside double-quoted strings that start no valid JSON escape (`"\json"` → `"\\json"`). */
export function escapeStrayBackslashes(text: string): string {
  if (!text.includes('\\')) {
    return text;
  }
  let result = '';
  let copiedUpTo = 0;
  let quote = text.indexOf('"');
  while (quote >= 0) {
    const end = scanQuotedString(text, quote)?.end ?? text.length;
    for (let inner = quote + 1; inner < end; inner++) {
      if (text[inner] !== '\\') {
        continue;
      }
      const next = text[inner + 1] ?? '';
      const validEscape =
        '"\\/bfnrt'.includes(next) || (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(inner + 2, inner + 6)));
      if (next !== '' && !validEscape && inner + 1 < end) {
        result += `${text.slice(copiedUpTo, inner)}\\`;
        copiedUpTo = inner;
      } else {
        inner++;
      }
    }
    quote = text.indexOf('"', end);
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/** Collapses commas repeated outside strings (`"a": 1, , "b": 2` → `"a": 1, "b": 2`). */
export function collapseRepeatedCommas(text: string): string {
  if (!/,\s*,/.test(text)) {
    return text;
  }
  let result = '';
  let copiedUpTo = 0;
  let afterComma = false;
  const scanner = new JsonScanner(text);
  while (scanner.next()) {
    const { character, start: index } = scanner;
    if (scanner.kind !== 'character') {
      afterComma = false;
    } else if (character === ',') {
      if (afterComma) {
        result += text.slice(copiedUpTo, index);
        copiedUpTo = index + 1;
      }
      afterComma = true;
    } else if (!/\s/.test(character)) {
      afterComma = false;
    }
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/**
 * Mends closing brackets as `chooseCloserFix` reads them: a wrong kind replaced (`["a"}` → `["a"]`), one that
 * closes nothing dropped (`[{"a": 1}}]`), missing ones written in (`[{"a": 1]` → `[{"a": 1}]`).
 */
export function balanceClosers(text: string): string {
  const brackets = new OpenBrackets();
  let result = '';
  let copiedUpTo = 0;
  const scanner = new JsonScanner(text);
  while (scanner.next()) {
    const { character, start: index } = scanner;
    if (scanner.kind !== 'character') {
      continue;
    }
    if (character === '{' || character === '[') {
      brackets.open.push(character);
    } else if (character === '}' || character === ']') {
      const closers = brackets.close(text, index);
      if (closers !== undefined) {
        result += text.slice(copiedUpTo, index) + closers;
        copiedUpTo = index + 1;
      }
    }
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}
