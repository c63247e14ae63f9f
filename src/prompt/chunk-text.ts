/**
 * Splitting a long text into chunks of at most a number of estimated tokens, at paragraph, sentence or word
 * boundaries, for map-reduce summaries. See `docs/prompting.md`.
 * @module
 */
import { InputError } from '../errors.js';
import { estimateTokens } from '../tokens.js';

/** Options of {@link chunkText}. */
export interface ChunkTextOptions {
  /** Most tokens a chunk may have, by {@link estimateTokens}. */
  maxTokens: number;
}

/**
 * Boundaries tried in turn, coarsest first; each match stays with the part before it. Sentences end with
 * `.`, `!`, `?` or `…` before whitespace, or with `。`, `！`, `？` (no space needed), closing quotes included.
 */
const BOUNDARIES: readonly RegExp[] = [
  /\n[^\S\n]*\n\s*/g, // paragraphs: a blank line
  /\n\s*/g, // lines
  /[.!?…]+["'”’»)\]]*\s+|[。！？]+["'”’」』）)\]]*\s*/g, // sentences
  /[,;:，、；：]+\s*/g, // clauses
  /\s+/g, // words
];

/**
 * Splits a long text into chunks of at most `maxTokens` estimated tokens, for map-reduce work such as summarizing
 * a long report. It cuts at paragraphs first, then lines, sentences (CJK `。！？` included), clauses and words, and
 * only as a last resort inside a word (never inside a surrogate pair), and packs neighbouring parts together up to
 * the budget. No character is lost except whitespace where two chunks meet. A text within budget comes back whole;
 * an empty text gives no chunks.
 *
 * @example
 * ```ts
 * const chunks = chunkText(report, { maxTokens: 2_000 });
 * ```
 */
export function chunkText(text: string, options: ChunkTextOptions): string[] {
  return chunkSpans(text, options).map((span) => text.slice(span.start, span.end));
}

/** Where a chunk lies in the text it was cut from: `text.slice(start, end)`, UTF-16 offsets. */
export interface ChunkSpan {
  start: number;
  end: number;
}

/** Options of {@link chunkSpans}. */
export interface ChunkSpanOptions extends ChunkTextOptions {
  /**
   * Tokens of the text before a chunk repeated at its start (within `maxTokens`), so that what straddles a cut is
   * whole in one chunk: it starts at a sentence boundary in that stretch, else at a word boundary. @defaultValue 0
   */
  overlapTokens?: number;
}

/**
 * {@link chunkText} as offsets into the text, optionally overlapping: each chunk but the first also starts up to
 * `overlapTokens` before where the previous one ended (the chunks themselves cut at `maxTokens - overlapTokens`).
 */
export function chunkSpans(text: string, options: ChunkSpanOptions): ChunkSpan[] {
  const { maxTokens } = options;
  const overlapTokens = options.overlapTokens ?? 0;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) {
    throw new InputError(`maxTokens must be a positive integer, got ${String(maxTokens)}`, { path: 'maxTokens' });
  }
  if (!Number.isSafeInteger(overlapTokens) || overlapTokens < 0 || overlapTokens * 2 > maxTokens) {
    throw new InputError(
      `overlapTokens must be a whole number from 0 to half of maxTokens, got ${String(overlapTokens)}`,
      {
        path: 'overlapTokens',
      },
    );
  }
  if (text === '') return [];
  if (estimateTokens(text) <= maxTokens) return [{ start: 0, end: text.length }];
  const pieces: string[] = [];
  chunkAtLevel(text, 0, maxTokens - overlapTokens, pieces);
  // The pieces cover the text in order; trimming whitespace where two meet gives each chunk's span.
  const spans: ChunkSpan[] = [];
  let offset = 0;
  pieces.forEach((piece, index) => {
    let start = offset;
    let end = offset + piece.length;
    offset = end;
    if (index > 0) start += piece.length - piece.trimStart().length;
    if (index < pieces.length - 1) end -= piece.length - piece.trimEnd().length;
    if (end > start) spans.push({ start, end });
  });
  if (overlapTokens === 0) return spans;
  return spans.map((span, index) =>
    index === 0
      ? span
      : { start: overlapStart(text, span.start, overlapTokens, spans[index - 1]?.start ?? 0), end: span.end },
  );
}

/**
 * The start of the stretch repeated before a chunk starting at `start`: the longest one within `overlapTokens`
 * (not before the previous chunk), moved forward to the first sentence boundary in it, else the first word boundary.
 */
function overlapStart(text: string, start: number, overlapTokens: number, floor: number): number {
  let low = Math.max(floor, start - overlapTokens * 16);
  let high = start;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (estimateTokens(text.slice(middle, start)) <= overlapTokens) high = middle;
    else low = middle + 1;
  }
  const window = text.slice(low, start);
  const sentence = /[.!?…]+["'”’»)\]]*\s+|[。！？]+["'”’」』）)\]]*\s*|\n\s*/.exec(window);
  if (sentence !== null && sentence.index + sentence[0].length < window.length) {
    return low + sentence.index + sentence[0].length;
  }
  if (low === floor || /\s/.test(text[low - 1] ?? ' ')) return low;
  const word = /\s+/.exec(window);
  return word === null ? start : low + word.index + word[0].length;
}

function chunkAtLevel(text: string, level: number, maxTokens: number, chunks: string[]): void {
  if (estimateTokens(text) <= maxTokens) {
    chunks.push(text);
    return;
  }
  const boundary = BOUNDARIES[level];
  if (boundary === undefined) {
    splitHard(text, maxTokens, chunks);
    return;
  }
  const parts = splitAfter(text, boundary);
  if (parts.length < 2) {
    chunkAtLevel(text, level + 1, maxTokens, chunks);
    return;
  }
  let group: string[] = [];
  let groupTokens = 0;
  for (const part of parts) {
    const tokens = estimateTokens(part);
    if (tokens > maxTokens) {
      pack(group, maxTokens, chunks);
      group = [];
      groupTokens = 0;
      chunkAtLevel(part, level + 1, maxTokens, chunks);
      continue;
    }
    if (group.length > 0 && groupTokens + tokens > maxTokens) {
      pack(group, maxTokens, chunks);
      group = [];
      groupTokens = 0;
    }
    group.push(part);
    groupTokens += tokens;
  }
  pack(group, maxTokens, chunks);
}

/** Emits parts whose estimates fit in sum; re-checks the joined text, as a join can merge two pieces into a dearer one. */
function pack(parts: readonly string[], maxTokens: number, chunks: string[]): void {
  if (parts.length === 0) return;
  const joined = parts.join('');
  if (parts.length === 1 || estimateTokens(joined) <= maxTokens) {
    chunks.push(joined);
    return;
  }
  let current = '';
  for (const part of parts) {
    if (current !== '' && estimateTokens(current + part) > maxTokens) {
      chunks.push(current);
      current = '';
    }
    current += part;
  }
  if (current !== '') chunks.push(current);
}

/** Cuts after every match of `boundary`. */
function splitAfter(text: string, boundary: RegExp): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const match of text.matchAll(boundary)) {
    const end = match.index + match[0].length;
    if (end > start && end < text.length) {
      parts.push(text.slice(start, end));
      start = end;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Longest prefixes within budget, found by binary search; at least one code point each. */
function splitHard(text: string, maxTokens: number, chunks: string[]): void {
  let rest = text;
  while (rest !== '') {
    if (estimateTokens(rest) <= maxTokens) {
      chunks.push(rest);
      return;
    }
    let low = 1;
    let high = Math.min(rest.length, maxTokens * 16);
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (estimateTokens(rest.slice(0, middle)) <= maxTokens) low = middle;
      else high = middle - 1;
    }
    let end = low;
    if (isHighSurrogate(rest.charCodeAt(end - 1))) end += end === 1 ? 1 : -1;
    chunks.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
