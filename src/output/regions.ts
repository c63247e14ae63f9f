/**
 * Where the JSON values lie in a reply: every top-level `{…}` or `[…]` (its brackets read by `OpenBrackets`, code
 * fences tracked), then grouped into regions by what follows each closed value. See
 * `docs/output-repair.md#the-json-pipeline`.
 * @module
 */
import type { RepairName } from './outcome.js';
import { JsonScanner, OpenBrackets } from './scan.js';

/** A code fence marker with its language tag. */
const FENCE_MARKER = /`{3,}[\w+#.-]*/g;
/** Bare words that may appear in JSON (or its common mistakes) without being prose. */
const LITERAL_WORDS: ReadonlySet<string> = new Set([
  'true',
  'false',
  'null',
  'True',
  'False',
  'None',
  'undefined',
  'NaN',
]);

/** A stretch of reply text that holds one JSON-like value. */
interface JsonSpan {
  /** Index of the opening bracket. */
  start: number;
  /** Index just after the closing bracket, or where the text or its code fence ended first. */
  end: number;
  /** Whether the brackets balanced (`false`: the value was cut off). */
  closed: boolean;
  /** Number of the code fence the span lies in (1, 2, …), or 0 outside fences. */
  fence: number;
}

/** What `scanJsonSpans` found. */
interface ScannedText {
  spans: JsonSpan[];
  /** Index ranges of the fence markers (```` ```json ````) met outside spans. */
  fenceMarkers: [number, number][];
}

/** A part of a reply that holds one JSON value (or several written one after another). */
export interface JsonRegion {
  /** Text of the value, or of each value when several values follow each other with only commas between. */
  texts: string[];
  /** Index of the region's first character in the reply. */
  start: number;
  /** Index just after the region. */
  end: number;
  /** Number of the code fence the region lies in (1, 2, …), or 0. */
  fence: number;
  /** Whether the last value was cut off. */
  truncated: boolean;
  /** Repairs already made by choosing the region's bounds. */
  repairs: RepairName[];
}

/** What follows a closed value up to the next prose word or fence marker. */
interface JsonTail {
  /** Index just after the last token read. */
  end: number;
  /** Further values (spans) read. */
  spans: JsonSpan[];
  /** Whether strings, colons, numbers or literals were read outside those spans. */
  sawMembers: boolean;
  /** Whether closing brackets were read outside those spans. */
  sawClosers: boolean;
  /** Whether the last token read was a closing bracket. */
  endsWithCloser: boolean;
}

/**
 * Finds every top-level JSON-like value in a reply: each `{` or `[` outside a value starts one, which ends where
 * its brackets balance or, when cut off, at a code fence marker or the end of the text. Linear in the text length.
 */
function scanJsonSpans(text: string): ScannedText {
  const spans: JsonSpan[] = [];
  const fenceMarkers: [number, number][] = [];
  let fence = 0;
  let fenceCount = 0;
  let index = 0;
  while (index < text.length) {
    const character = text[index];
    if (character === '`' && text.startsWith('```', index)) {
      const markerStart = index;
      while (text[index] === '`') {
        index++;
      }
      if (fence === 0) {
        fenceCount++;
        fence = fenceCount;
        while (index < text.length && /[\w+#.-]/.test(text[index] ?? '')) {
          index++;
        }
      } else {
        fence = 0;
      }
      fenceMarkers.push([markerStart, index]);
    } else if (character === '{' || character === '[') {
      const { end, closed } = scanValue(text, index);
      spans.push({ start: index, end, closed, fence });
      index = end;
    } else {
      index++;
    }
  }
  return { spans, fenceMarkers };
}

/** Scans one value from its opening bracket; it ends where its brackets balance, at a fence marker or at the end. */
export function scanValue(text: string, start: number): { end: number; closed: boolean } {
  const brackets = new OpenBrackets();
  const scanner = new JsonScanner(text, { from: start });
  while (scanner.next()) {
    const { character, start: index } = scanner;
    if (scanner.kind !== 'character') {
      continue;
    }
    if (character === '`' && text.startsWith('```', index)) {
      return { end: index, closed: false };
    }
    if (character === '{' || character === '[') {
      brackets.open.push(character);
    } else if (character === '}' || character === ']') {
      brackets.close(text, index);
      if (brackets.open.length === 0) {
        return { end: index + 1, closed: true };
      }
    }
  }
  return { end: text.length, closed: false };
}

/**
 * Splits a reply into JSON regions, in order. What follows a closed value before any prose decides its bounds:
 * more values with only commas between make one region of several values; members or values ending in a closing
 * bracket (`{"a": 1}, "b": 2}`) mean it was closed too early, so its closer is dropped and the rest joined; closing
 * brackets alone are stray and ignored.
 */
export function findJsonRegions(text: string): JsonRegion[] {
  const { spans, fenceMarkers } = scanJsonSpans(text);
  const regions: JsonRegion[] = [];
  let spanIndex = 0;
  while (spanIndex < spans.length) {
    const first = spans[spanIndex]!;
    spanIndex++;
    const single: JsonRegion = {
      texts: [text.slice(first.start, first.end)],
      start: first.start,
      end: first.end,
      fence: first.fence,
      truncated: !first.closed,
      repairs: [],
    };
    if (!first.closed) {
      regions.push(single);
      continue;
    }
    const limit = fenceMarkers.find(([markerStart]) => markerStart >= first.end)?.[0] ?? text.length;
    const tail = readJsonTail(text, first.end, limit, spans, spanIndex);
    spanIndex += tail.spans.length;
    if (tail.spans.length > 0 && !tail.sawMembers && !tail.sawClosers) {
      const last = tail.spans.at(-1)!;
      regions.push({
        ...single,
        texts: [single.texts[0]!, ...tail.spans.map((span) => text.slice(span.start, span.end))],
        end: last.end,
        truncated: !last.closed,
        repairs: ['multiple-values'],
      });
    } else if ((tail.sawMembers || tail.spans.length > 0) && tail.endsWithCloser) {
      const early = text.slice(first.start, first.end - 1) + text.slice(first.end, tail.end);
      regions.push({ ...single, texts: [early], end: tail.end, repairs: ['brackets'] });
    } else if (tail.sawClosers && !tail.sawMembers && tail.spans.length === 0) {
      regions.push({ ...single, end: tail.end, repairs: ['brackets'] });
    } else {
      spanIndex -= tail.spans.length;
      regions.push(single);
    }
  }
  return regions;
}

/**
 * Reads JSON-like tokens after a closed value until prose, a fence marker or `limit`; `spans[nextSpan]` is the next
 * value. Commas, semicolons, whitespace and comments are skipped.
 */
function readJsonTail(
  text: string,
  from: number,
  limit: number,
  spans: readonly JsonSpan[],
  nextSpan: number,
): JsonTail {
  const tail: JsonTail = { end: from, spans: [], sawMembers: false, sawClosers: false, endsWithCloser: false };
  const scanner = new JsonScanner(text, { from });
  while (scanner.index < limit && scanner.next()) {
    const { kind, character, start: index } = scanner;
    if (
      kind === 'comment' ||
      (kind === 'character' && (/\s/.test(character) || character === ',' || character === ';'))
    ) {
      continue;
    }
    const span = spans[nextSpan + tail.spans.length];
    if (span !== undefined && span.start === index) {
      tail.spans.push(span);
      tail.endsWithCloser = false;
      scanner.index = span.end;
    } else if (character === '}' || character === ']') {
      tail.sawClosers = true;
      tail.endsWithCloser = true;
    } else if (kind === 'string' || character === ':') {
      tail.sawMembers = true;
      tail.endsWithCloser = false;
    } else {
      const wordEnd = readLiteral(text, index);
      if (wordEnd === undefined) {
        break;
      }
      tail.sawMembers = true;
      tail.endsWithCloser = false;
      scanner.index = wordEnd;
    }
    tail.end = scanner.index;
  }
  return tail;
}

/** End of a number or JSON literal at `index`; `undefined` for anything else (prose). */
function readLiteral(text: string, index: number): number | undefined {
  const word = /^(?:-?\d[\d.eE+-]*|[A-Za-z]+)/.exec(text.slice(index, index + 32));
  if (word === null) {
    return undefined;
  }
  return /^[A-Za-z]/.test(word[0]) && !LITERAL_WORDS.has(word[0]) ? undefined : index + word[0].length;
}

/** `fence` and `prose` when the value was taken out of a code fence or from between other text. */
export function locatedRepairs(reply: string, regions: readonly JsonRegion[]): RepairName[] {
  const located: RepairName[] = [];
  if (regions.some((region) => region.fence > 0)) {
    located.push('fence');
  }
  let outside = '';
  let from = 0;
  for (const region of [...regions].sort((left, right) => left.start - right.start)) {
    outside += reply.slice(from, region.start);
    from = region.end;
  }
  outside += reply.slice(from);
  if (outside.replace(FENCE_MARKER, '').trim() !== '') {
    located.push('prose');
  }
  return located;
}
