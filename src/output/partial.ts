/**
 * Partial values for streaming UIs: `createPartialReader` reads a reply delta by delta and hands out what it holds so
 * far (the JSON value parsed so far, the list items confirmed, the text). Partials are best effort and
 * only ever grow; the final value is still read and validated by the reply parsers. Each delta costs time in its own
 * length only (plus copying the containers on the path to a change), never a new pass over the whole reply.
 * @module
 */
import { ITEM_MARKER, MARKER_NEEDS_SPACE } from './text-reply.js';

/** The kind of partial a reply gives. */
export type PartialKind = 'json' | 'lines' | 'text' | 'none';

/** Reads a reply delta by delta. */
export interface PartialReader {
  /** Takes the next delta of the reply; returns the new partial value when it changed, else undefined. */
  push(delta: string): unknown | undefined;
  /** The latest partial value (undefined before the first). */
  readonly value: unknown;
}

/**
 * A reader for a reply of the given kind. Every partial it returns is a new value that is never changed afterwards
 * (unchanged parts are shared between partials), and each one only adds to the one before. Leading whitespace and a
 * leading reasoning block (`<think>…</think>`) are withheld.
 * - `json`: the value parsed so far, from the first `{` or `[` on. A string shows once closed, a number once a
 *   delimiter ends it, a key once its value starts; a repeated key keeps its first value; doubled outer braces read
 *   as one. Text after the value is ignored; text that cannot be JSON ends the partials.
 * - `lines`: the bulleted items confirmed so far (`string[]`), each once the next item's line begins, read as
 *   `parseLinesReply` reads them.
 * - `text`: the text so far.
 * - `none`: no partials.
 */
export function createPartialReader(kind: PartialKind): PartialReader {
  switch (kind) {
    case 'json':
      return new JsonReader();
    case 'lines':
      return new LinesReader();
    case 'text':
      return new TextReader();
    default:
      return { push: () => undefined, value: undefined };
  }
}

/**
 * Withholds leading whitespace and leading `<think>…</think>` blocks (a block never closed withholds the rest);
 * passes the rest of the reply through. Holds at most a tag's length between deltas.
 */
class ThinkFilter {
  #state: 'start' | 'inside' | 'passing' = 'start';
  /** The start of the reply while it may still be `<think>`, or the tail of a block that may start `</think>`. */
  #held = '';

  /** The part of `delta` that belongs to the answer. */
  take(delta: string): string {
    if (this.#state === 'passing') {
      return delta;
    }
    const text = this.#held + delta;
    this.#held = '';
    if (this.#state === 'inside') {
      const end = text.indexOf('</think>');
      if (end < 0) {
        this.#held = text.slice(-7);
        return '';
      }
      this.#state = 'start';
      return this.take(text.slice(end + 8));
    }
    const head = text.trimStart();
    if (head.startsWith('<think>')) {
      this.#state = 'inside';
      return this.take(head.slice(7));
    }
    if ('<think>'.startsWith(head)) {
      this.#held = head;
      return '';
    }
    this.#state = 'passing';
    return head;
  }
}

/** What every reader holds: the latest partial, and the filter that withholds reasoning. */
abstract class Reader<T> implements PartialReader {
  protected readonly think = new ThinkFilter();
  protected latest: T | undefined;

  get value(): T | undefined {
    return this.latest;
  }

  abstract push(delta: string): T | undefined;
}

/** The answer text so far. */
class TextReader extends Reader<string> {
  push(delta: string): string | undefined {
    const text = this.think.take(delta);
    if (text === '') {
      return undefined;
    }
    this.latest = (this.latest ?? '') + text;
    return this.latest;
  }
}

/**
 * The items confirmed so far of a bulleted list, read by the rules of `parseLinesReply`: lines before the first
 * marked line are a lead-in; a marked line starts an item; unmarked lines below it continue it (joined with a
 * space). An item is confirmed, and shown, once the next marked line begins: only then can nothing below change
 * it. The last item comes with the validated result. A reply without marks (or a JSON list) shows nothing.
 */
class LinesReader extends Reader<string[]> {
  /** The line not yet ended (only each delta is searched for a line break). */
  #line = '';
  /** The item being read (`undefined` before the first marked line). */
  #pending: string | undefined;
  /** Whether the unfinished line is known to be marked, which confirmed the pending item already. */
  #lineConfirmed = false;

  push(delta: string): string[] | undefined {
    const text = this.think.take(delta);
    const confirmed: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      this.#readLine(this.#line + text.slice(start, end), confirmed);
      this.#line = '';
      start = end + 1;
    }
    this.#line += text.slice(start);
    // A line that has begun with a mark confirms the item above it (a lone `-` may still become `-5%`).
    if (!this.#lineConfirmed && this.#line.length > 0) {
      const line = this.#line.trim();
      if (isMarked(line) && !LONE_DASH.test(line)) {
        this.#confirm(confirmed);
        this.#lineConfirmed = true;
      }
    }
    if (confirmed.length === 0) return undefined;
    this.latest = [...(this.latest ?? []), ...confirmed];
    return this.latest;
  }

  #readLine(rawLine: string, confirmed: string[]): void {
    const line = rawLine.trim();
    const lineConfirmed = this.#lineConfirmed;
    this.#lineConfirmed = false;
    if (line === '') return;
    if (isMarked(line)) {
      if (!lineConfirmed) this.#confirm(confirmed);
      this.#pending = line.replace(ITEM_MARKER, '').trim();
    } else if (this.#pending !== undefined) {
      this.#pending = `${this.#pending} ${line}`.trim();
    }
  }

  #confirm(confirmed: string[]): void {
    if (this.#pending !== undefined && this.#pending !== '') confirmed.push(this.#pending);
    this.#pending = undefined;
  }
}

/** A dash-like mark alone, which the next character may turn into text (`-5%`, `*emphasis*`). */
const LONE_DASH = /^[-*+–—]$/;

/** Whether a (trimmed) line starts with a list mark, as `parseLinesReply` decides it. */
function isMarked(line: string): boolean {
  return line !== '' && ITEM_MARKER.test(line) && !MARKER_NEEDS_SPACE.test(line);
}

type Container = Record<string, unknown> | unknown[];

/** An open object or array. */
interface Frame {
  isArray: boolean;
  /** The container built so far; `undefined` for one under a repeated key (read, then dropped). */
  value: Container | undefined;
  /** Whether `value` was handed out in a partial, so it must be copied before it changes. */
  shared: boolean;
  /** Where the container sits in its parent. */
  slot: string | number;
  /** For an object: the key whose value comes next. */
  key: string;
}

/** What may come next: a value or `]`, a value, a key or `}`, a colon, or a comma or closer. */
type Expect = 'item' | 'value' | 'key' | 'colon' | 'next';
/** The token being read: none, a string, an escape sequence in one, or a number or literal (`bare`). */
type Mode = 'none' | 'string' | 'escape' | 'bare';

const WHITESPACE = ' \t\n\r';
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const LITERALS: Readonly<Record<string, boolean | null>> = { true: true, false: false, null: null };
/** The characters after a backslash, and what each stands for (`\u` aside). */
const ESCAPE_NAMES = '"\\/bfnrt';
const ESCAPED = '"\\/\b\f\n\r\t';

/**
 * The JSON value parsed so far. State between deltas: the open containers, what comes next, and the unfinished
 * token. Containers are copied on write: one handed out in a partial is copied (with its ancestors) before it changes.
 */
class JsonReader extends Reader<unknown> {
  #phase: 'seek' | 'read' | 'done' | 'failed' = 'seek';
  readonly #stack: Frame[] = [];
  #root: Container | undefined;
  #expect: Expect = 'value';
  #mode: Mode = 'none';
  /** The unfinished string, number or literal. */
  #buffer = '';
  /** The digits of an unfinished `\u` escape. */
  #hex: string | undefined;
  /** Whether the root `{` was the last character read, so a second `{` is a doubled brace. */
  #maybeDoubled = false;
  #changed = false;

  push(delta: string): unknown | undefined {
    if (this.#phase === 'done' || this.#phase === 'failed') {
      return undefined;
    }
    let text = this.think.take(delta);
    if (this.#phase === 'seek') {
      const start = text.search(/[{[]/);
      if (start < 0) {
        return undefined;
      }
      this.#phase = 'read';
      text = text.slice(start);
    }
    this.#changed = false;
    this.#read(text);
    if (!this.#changed) {
      return undefined;
    }
    for (let depth = 0; depth < this.#stack.length && !this.#stack[depth]!.shared; depth++) {
      this.#stack[depth]!.shared = true;
    }
    this.latest = this.#root;
    return this.latest;
  }

  #read(text: string): void {
    let index = 0;
    while (index < text.length && this.#phase === 'read') {
      if (this.#mode === 'string') {
        index = this.#readString(text, index);
        continue;
      }
      const character = text[index++]!;
      if (this.#mode === 'escape') {
        this.#readEscape(character);
      } else if (this.#mode === 'bare' && /[\w.+-]/.test(character)) {
        this.#buffer += character;
        if (Object.hasOwn(LITERALS, this.#buffer)) {
          this.#mode = 'none';
          this.#addValue(LITERALS[this.#buffer]);
        }
      } else if (this.#mode === 'none' || this.#endNumber(character)) {
        this.#readStructure(character);
      }
    }
  }

  /** Reads string characters up to a quote or backslash; returns where reading goes on. */
  #readString(text: string, from: number): number {
    let end = from;
    while (end < text.length && text[end] !== '"' && text[end] !== '\\') {
      end++;
    }
    this.#buffer += text.slice(from, end);
    if (text[end] === '\\') {
      this.#mode = 'escape';
    } else if (end < text.length) {
      this.#mode = 'none';
      if (this.#expect === 'key') {
        this.#stack.at(-1)!.key = this.#buffer;
        this.#expect = 'colon';
      } else {
        this.#addValue(this.#buffer);
      }
    }
    return end + 1;
  }

  /** Reads a character of an escape sequence; `\uXXXX` gives a UTF-16 code unit (a pair gives its character). */
  #readEscape(character: string): void {
    this.#mode = 'string';
    if (this.#hex === undefined) {
      const name = ESCAPE_NAMES.indexOf(character);
      if (character === 'u') {
        this.#hex = '';
        this.#mode = 'escape';
      } else if (name >= 0) {
        this.#buffer += ESCAPED[name];
      } else {
        this.#phase = 'failed';
      }
    } else if (!/[\da-f]/i.test(character)) {
      this.#phase = 'failed';
    } else if (this.#hex.length < 3) {
      this.#hex += character;
      this.#mode = 'escape';
    } else {
      this.#hex += character;
      this.#buffer += String.fromCharCode(Number.parseInt(this.#hex, 16));
      this.#hex = undefined;
    }
  }

  /** Ends a number at `delimiter`; false (reading stops) when it is no number or the delimiter cannot follow one. */
  #endNumber(delimiter: string): boolean {
    this.#mode = 'none';
    if (!NUMBER.test(this.#buffer) || !`${WHITESPACE},}]`.includes(delimiter)) {
      this.#phase = 'failed';
      return false;
    }
    this.#addValue(Number(this.#buffer));
    return true;
  }

  /** Reads a character outside any token: whitespace, punctuation or the start of a value. */
  #readStructure(character: string): void {
    const expect = this.#expect;
    const doubled = this.#maybeDoubled && character === '{';
    this.#maybeDoubled &&= WHITESPACE.includes(character);
    if (doubled || WHITESPACE.includes(character)) {
      return;
    }
    if (expect === 'colon') {
      this.#expect = 'value';
      this.#phase = character === ':' ? 'read' : 'failed';
    } else if (expect === 'next' && character === ',') {
      this.#expect = this.#stack.at(-1)!.isArray ? 'item' : 'key';
    } else if (
      expect === 'next' ||
      (expect === 'key' && character !== '"') ||
      (expect === 'item' && character === ']')
    ) {
      this.#close(character);
    } else if (character === '{' || character === '[') {
      this.#open(character === '[');
    } else {
      // A key, or a value that is a string, a number or a literal.
      this.#mode = character === '"' ? 'string' : /[-\dtfn]/.test(character) ? 'bare' : 'none';
      this.#buffer = this.#mode === 'bare' ? character : '';
      this.#phase = this.#mode === 'none' ? 'failed' : 'read';
    }
  }

  #open(isArray: boolean): void {
    const container: Container = isArray ? [] : {};
    let slot: string | number | undefined = 0;
    if (this.#stack.length === 0) {
      this.#root = container;
      this.#changed = true;
      this.#maybeDoubled = !isArray;
    } else {
      slot = this.#addValue(container);
    }
    const value = slot === undefined ? undefined : container;
    this.#stack.push({ isArray, value, shared: false, slot: slot ?? 0, key: '' });
    this.#expect = isArray ? 'item' : 'key';
  }

  #close(character: string): void {
    const frame = this.#stack.pop();
    this.#expect = 'next';
    if (frame === undefined || character !== (frame.isArray ? ']' : '}')) {
      this.#phase = 'failed';
    } else if (this.#stack.length === 0) {
      this.#phase = 'done';
    }
  }

  /** Puts a value into the innermost container; returns its slot, or `undefined` when it is dropped. */
  #addValue(value: unknown): string | number | undefined {
    this.#expect = 'next';
    const depth = this.#stack.length - 1;
    const container = this.#stack[depth]!.value;
    const slot = Array.isArray(container) ? container.length : this.#stack[depth]!.key;
    if (container === undefined || (typeof slot === 'string' && Object.hasOwn(container, slot))) {
      return undefined;
    }
    setSlot(this.#writable(depth), slot, value);
    this.#changed = true;
    return slot;
  }

  /** The container at `depth`, copied first (with its handed-out ancestors) if it was handed out. */
  #writable(depth: number): Container {
    let top = depth;
    while (top >= 0 && this.#stack[top]!.shared) {
      top--;
    }
    for (let level = top + 1; level <= depth; level++) {
      const frame = this.#stack[level]!;
      const copy = Array.isArray(frame.value) ? frame.value.slice() : { ...frame.value };
      frame.value = copy;
      frame.shared = false;
      if (level === 0) {
        this.#root = copy;
      } else {
        setSlot(this.#stack[level - 1]!.value!, frame.slot, copy);
      }
    }
    return this.#stack[depth]!.value!;
  }
}

/** Sets a slot of a container; `__proto__` becomes a plain own key, as `JSON.parse` makes it. */
function setSlot(container: Container, slot: string | number, value: unknown): void {
  if (slot === '__proto__') {
    Object.defineProperty(container, slot, { value, writable: true, enumerable: true, configurable: true });
  } else {
    (container as Record<string | number, unknown>)[slot] = value;
  }
}
