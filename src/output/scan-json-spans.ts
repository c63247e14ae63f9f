import { chooseCloserFix } from './choose-closer-fix.js';
import { skipComment } from './skip-comment.js';
import { skipQuotedString } from './skip-quoted-string.js';

/** Mismatched closers read with a lookahead per value; beyond this many they simply close a level. */
const MAX_LOOKAHEADS = 8;

/** A stretch of reply text that holds one JSON-like value. @internal */
export interface JsonSpan {
  /** Index of the opening bracket. */
  start: number;
  /** Index just after the closing bracket, or where the text or its code fence ended first. */
  end: number;
  /** Whether the brackets balanced (`false`: the value was cut off). */
  closed: boolean;
  /** Number of the code fence the span lies in (1, 2, …), or 0 outside fences. */
  fence: number;
}

/** What `scanJsonSpans` found. @internal */
export interface ScannedText {
  spans: JsonSpan[];
  /** Index ranges of the fence markers (```` ```json ````) met outside spans. */
  fenceMarkers: [number, number][];
}

/**
 * Finds every top-level JSON-like value in a reply: each `{` or `[` outside a value starts one, which ends where
 * its brackets balance (strings and comments skipped) or, when cut off, at a code fence marker or the end of the
 * text. Code fences are tracked so a span knows which fence it is in. Linear in the text length. @internal
 */
export function scanJsonSpans(text: string): ScannedText {
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

/** Scans one value from its opening bracket; a mismatched closer is read as `chooseCloserFix` decides. */
function scanValue(text: string, start: number): { end: number; closed: boolean } {
  const open: string[] = [];
  let lookaheads = 0;
  let index = start;
  while (index < text.length) {
    const afterToken = skipQuotedString(text, index) ?? skipComment(text, index);
    if (afterToken !== undefined) {
      index = afterToken;
      continue;
    }
    const character = text[index];
    if (character === '`' && text.startsWith('```', index)) {
      return { end: index, closed: false };
    }
    if (character === '{' || character === '[') {
      open.push(character);
    } else if (character === '}' || character === ']') {
      const fix = lookaheads < MAX_LOOKAHEADS ? chooseCloserFix(text, index, open) : 'match';
      if (fix !== 'match') {
        lookaheads++;
      }
      if (fix === 'match' || fix === 'substitute') {
        open.pop();
      } else if (fix === 'insert') {
        open.length = open.lastIndexOf(character === '}' ? '{' : '[');
      }
      if (open.length === 0) {
        return { end: index + 1, closed: true };
      }
    }
    index++;
  }
  return { end: text.length, closed: false };
}
