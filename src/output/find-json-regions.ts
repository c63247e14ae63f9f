import type { RepairName } from './repair-name.js';
import { type JsonSpan, scanJsonSpans } from './scan-json-spans.js';
import { skipComment } from './skip-comment.js';
import { skipQuotedString } from './skip-quoted-string.js';

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

/** A part of a reply that holds one JSON value (or several written one after another). @internal */
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
 * Splits a reply into JSON regions, in order. What follows a closed value before any prose decides its bounds:
 * more values with only commas or whitespace between make one region of several values; members or values
 * ending in a closing bracket (`{"a": 1}, "b": 2}`) mean the value was closed too early, so its closing bracket
 * is dropped and the rest joined; closing brackets alone are stray and ignored. @internal
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

/** Reads JSON-like tokens after a closed value until prose, a fence marker or `limit`; `spans[nextSpan]` is the next value. */
function readJsonTail(
  text: string,
  from: number,
  limit: number,
  spans: readonly JsonSpan[],
  nextSpan: number,
): JsonTail {
  const tail: JsonTail = { end: from, spans: [], sawMembers: false, sawClosers: false, endsWithCloser: false };
  let index = from;
  while (index < limit) {
    const character = text[index] ?? '';
    if (/\s/.test(character) || character === ',' || character === ';') {
      index++;
      continue;
    }
    const afterComment = skipComment(text, index);
    if (afterComment !== undefined) {
      index = afterComment;
      continue;
    }
    const span = spans[nextSpan + tail.spans.length];
    let tokenEnd: number | undefined;
    if (span !== undefined && span.start === index) {
      tail.spans.push(span);
      tokenEnd = span.end;
      tail.endsWithCloser = false;
    } else if (character === '}' || character === ']') {
      tail.sawClosers = true;
      tail.endsWithCloser = true;
      tokenEnd = index + 1;
    } else {
      tokenEnd = readMemberToken(text, index);
      if (tokenEnd === undefined) {
        break;
      }
      tail.sawMembers = true;
      tail.endsWithCloser = false;
    }
    tail.end = tokenEnd;
    index = tokenEnd;
  }
  return tail;
}

/** End of a string, colon, number or JSON literal at `index`; `undefined` for anything else (prose). */
function readMemberToken(text: string, index: number): number | undefined {
  const character = text[index] ?? '';
  if (character === ':') {
    return index + 1;
  }
  const afterString = skipQuotedString(text, index);
  if (afterString !== undefined) {
    return afterString;
  }
  const word = /^(?:-?\d[\d.eE+-]*|[A-Za-z]+)/.exec(text.slice(index, index + 32));
  if (word === null) {
    return undefined;
  }
  return /^[A-Za-z]/.test(word[0]) && !LITERAL_WORDS.has(word[0]) ? undefined : index + word[0].length;
}
