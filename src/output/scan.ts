/**
 * Reading JSON-ish text (broken JSON as models write it). `JsonScanner` is the one scanner under the repair steps:
 * it reads a token at a time (a quoted string, a comment, or any other character), so each step holds only its own
 * decisions. Beside it: the bracket bookkeeping shared by span finding and closer repair (`chooseCloserFix`,
 * `OpenBrackets`), and the two guards, nesting depth and prototype-safe `JSON.parse`.
 * See `docs/output-repair.md#local-repairs`.
 * @module
 */

/** Deepest nesting the pipeline accepts; coercion and validation recurse, so deeper replies are an issue. */
export const MAX_JSON_DEPTH = 512;

/** Characters after which a single quote opens a string (rather than being an apostrophe in a bare word). */
const SINGLE_QUOTE_OPENERS = new Set(['{', '[', ',', ':']);
/** Mismatched closers read with a lookahead per value; beyond this many they simply close a level. */
const MAX_LOOKAHEADS = 8;
const CLOSER_OF: Readonly<Record<string, string>> = { '{': '}', '[': ']' };
const OPENER_OF: Readonly<Record<string, string>> = { '}': '{', ']': '[' };
/** Keys that could reach an object's prototype if a value were ever merged or assigned key by key. */
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const MAY_HOLD_UNSAFE_KEY = /__proto__|constructor|prototype/;

/** What the scanner read last: a quoted string, a comment, or one other character. */
export type JsonTokenKind = 'string' | 'comment' | 'character';

/**
 * Reads JSON-ish text one token at a time: `next()` moves past a quoted string (`scanQuotedString`), a comment
 * (`skipComment`) or one character, and describes it. A step may set `index` to go on from elsewhere.
 */
export class JsonScanner {
  readonly text: string;
  /** Where the next token starts. */
  index: number;
  kind: JsonTokenKind = 'character';
  /** Index of the last token's first character. */
  start = 0;
  /** Index just after the last token. */
  end = 0;
  /** For a string: whether its closing quote was found. */
  closed = true;
  /** The last token's first character. */
  character = '';
  readonly #comments: boolean;

  /** `from`: where to start (0); `comments`: whether comments are tokens of their own (true). */
  constructor(text: string, options: { from?: number | undefined; comments?: boolean | undefined } = {}) {
    this.text = text;
    this.index = options.from ?? 0;
    this.#comments = options.comments ?? true;
  }

  /** Reads the next token; `false` at the end of the text. */
  next(): boolean {
    const { text } = this;
    const start = this.index;
    if (start >= text.length) {
      return false;
    }
    const character = text[start] ?? '';
    this.start = start;
    this.character = character;
    this.kind = 'character';
    this.end = start + 1;
    if (character === '"' || character === "'") {
      const quoted = scanQuotedString(text, start);
      if (quoted !== undefined) {
        this.kind = 'string';
        this.end = quoted.end;
        this.closed = quoted.closed;
      }
    } else if (character === '/' && this.#comments) {
      const afterComment = skipComment(text, start);
      if (afterComment !== undefined) {
        this.kind = 'comment';
        this.end = afterComment;
      }
    }
    this.index = this.end;
    return true;
  }
}

/** Where a quoted string ends, and whether its closing quote was found. */
export interface QuotedStringEnd {
  /** Index just after the string (`text.length` when it never ends). */
  end: number;
  closed: boolean;
}

/**
 * Where the quoted string starting at `index` ends (`"…"`, `"""…"""`, or `'…'` in a key or value position);
 * `undefined` when no string starts there. Works on broken JSON: it only keeps brackets inside strings from counting.
 */
export function scanQuotedString(text: string, index: number): QuotedStringEnd | undefined {
  const quote = text[index];
  if (quote !== '"' && (quote !== "'" || !opensSingleQuoted(text, index))) {
    return undefined;
  }
  const triple = quote.repeat(3);
  if (text.startsWith(triple, index)) {
    const close = text.indexOf(triple, index + 3);
    return close < 0 ? { end: text.length, closed: false } : { end: close + 3, closed: true };
  }
  return quote === '"' ? scanDoubleQuoted(text, index + 1) : scanSingleQuoted(text, index + 1);
}

function scanDoubleQuoted(text: string, from: number): QuotedStringEnd {
  for (let index = from; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') {
      index++;
    } else if (character === '"') {
      return { end: index + 1, closed: true };
    }
  }
  return { end: text.length, closed: false };
}

/**
 * A single-quoted string ends at a quote followed (after spaces and a block comment) by `,` `:` `}` `]`, a line
 * break or the end of the text, so apostrophes inside it (`'it's'`) do not end it.
 */
function scanSingleQuoted(text: string, from: number): QuotedStringEnd {
  for (let index = from; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') {
      index++;
    } else if (character === "'") {
      let next = index + 1;
      while (text[next] === ' ' || text[next] === '\t') {
        next++;
      }
      if (text.startsWith('/*', next)) {
        const commentEnd = text.indexOf('*/', next + 2);
        next = commentEnd < 0 ? text.length : commentEnd + 2;
        while (text[next] === ' ' || text[next] === '\t') {
          next++;
        }
      }
      const after = text[next];
      if (after === undefined || ',:}]\r\n'.includes(after)) {
        return { end: index + 1, closed: true };
      }
    } else if (character === '\n') {
      return { end: index, closed: false };
    }
  }
  return { end: text.length, closed: false };
}

function opensSingleQuoted(text: string, index: number): boolean {
  let previous = index - 1;
  while (previous >= 0 && /\s/.test(text[previous] ?? '')) {
    previous--;
  }
  return previous < 0 || SINGLE_QUOTE_OPENERS.has(text[previous] ?? '');
}

/**
 * The index just after a `/* … *\/` or `// …` comment starting at `index` (a line comment ends before its line
 * break), or `undefined`. `//` only counts after whitespace or punctuation, so `https://…` is not a comment.
 */
export function skipComment(text: string, index: number): number | undefined {
  if (text[index] !== '/') {
    return undefined;
  }
  const next = text[index + 1];
  if (next === '*') {
    const close = text.indexOf('*/', index + 2);
    return close < 0 ? text.length : close + 2;
  }
  if (next === '/') {
    const previous = text[index - 1];
    if (previous !== undefined && !/[\s,{[]/.test(previous)) {
      return undefined;
    }
    const lineEnd = text.indexOf('\n', index + 2);
    return lineEnd < 0 ? text.length : lineEnd;
  }
  return undefined;
}

/** Whether brackets outside strings nest deeper than `maxDepth`. One linear scan, no recursion. */
export function exceedsJsonDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  const scanner = new JsonScanner(text, { comments: false });
  while (scanner.next()) {
    const { character } = scanner;
    if (scanner.kind !== 'character') {
      continue;
    }
    if (character === '{' || character === '[') {
      depth++;
      if (depth > maxDepth) {
        return true;
      }
    } else if ((character === '}' || character === ']') && depth > 0) {
      depth--;
    }
  }
  return false;
}

/**
 * `JSON.parse` that drops every `__proto__`, `constructor` and `prototype` key (at any depth). The reviver only runs
 * when the text mentions one of them, so clean replies pay nothing. Throws `SyntaxError` like `JSON.parse`.
 */
export function parseJsonSafely(text: string): { value: unknown; droppedUnsafeKey: boolean } {
  if (!MAY_HOLD_UNSAFE_KEY.test(text)) {
    return { value: JSON.parse(text), droppedUnsafeKey: false };
  }
  let droppedUnsafeKey = false;
  const value: unknown = JSON.parse(text, (key: string, child: unknown) => {
    if (UNSAFE_KEYS.has(key)) {
      droppedUnsafeKey = true;
      return undefined;
    }
    return child;
  });
  return { value, droppedUnsafeKey };
}

/** Whether a key must never be copied into a value. */
export function isUnsafeKey(key: string): boolean {
  return UNSAFE_KEYS.has(key);
}

/** The closing brackets for `openers` (outermost first), innermost first. */
export function closersFor(openers: readonly string[]): string {
  let closers = '';
  for (let index = openers.length - 1; index >= 0; index--) {
    closers += CLOSER_OF[openers[index] ?? ''] ?? '';
  }
  return closers;
}

/**
 * What a closing bracket means: it closes the innermost open bracket (`match`), it is the wrong kind for it and
 * stands for the right one (`substitute`), closers are missing before it (`insert`), or it closes nothing (`drop`).
 */
export type CloserFix = 'match' | 'substitute' | 'insert' | 'drop';

/** How far a reading of the text gets: where it stops, and why. */
interface Reading {
  fix: CloserFix;
  position: number;
  /** 2: the brackets balance; 1: the text ends with brackets open; 0: a closer of the wrong kind. */
  rank: number;
}

/**
 * What the closing bracket at `index` means, given the brackets open before it (outermost first). Each possible
 * reading is tried; the one that carries the value furthest without another mismatch wins (ties: balanced before
 * cut off, then `insert`, `drop`, `substitute`). Linear per mismatch.
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

/** Reads on from `from` with `open` brackets open, strictly (any mismatch stops the reading). */
function readFrom(text: string, from: number, open: string[]): { position: number; rank: number } {
  if (open.length === 0) {
    return { position: from, rank: 2 };
  }
  const scanner = new JsonScanner(text, { from });
  while (scanner.next()) {
    const { character, start: index } = scanner;
    if (scanner.kind !== 'character') {
      continue;
    }
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
  }
  return { position: text.length, rank: 1 };
}

/** The brackets open while a value is read, with each closer read as `chooseCloserFix` decides. */
export class OpenBrackets {
  /** Openers still open, outermost first. */
  readonly open: string[] = [];
  #lookaheads = 0;

  /**
   * Reads the closer at `index`: `undefined` when it closes the innermost bracket, otherwise the closers it stands
   * for (`''`: it closes nothing and is dropped). After `MAX_LOOKAHEADS` mismatches a closer just closes a level.
   */
  close(text: string, index: number): string | undefined {
    const { open } = this;
    const fix = this.#lookaheads < MAX_LOOKAHEADS ? chooseCloserFix(text, index, open) : 'match';
    if (fix === 'match') {
      open.pop();
      return undefined;
    }
    this.#lookaheads++;
    const opener = text[index] === '}' ? '{' : '[';
    const kept = fix === 'insert' ? open.lastIndexOf(opener) : fix === 'substitute' ? open.length - 1 : open.length;
    const closers = fix === 'drop' ? '' : closersFor(open.slice(kept));
    open.length = kept;
    return closers;
  }
}
