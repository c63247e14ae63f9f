/**
 * The free-form formats: `parseLinesReply` reads a list reply into its items, `parseTextReply` a text reply into
 * its text, with reasoning, fences, markers, lead-ins and wrapping quotes removed. See
 * `docs/output-repair.md#lists-and-texts`.
 * @module
 */
import { isRecord } from '../json.js';
import { parseJsonReply } from './json-reply.js';
import { addRepair, failure, type ParseOutcome, type RepairName, readReplyText } from './outcome.js';

/** A bullet (`-`, `*`, `•`, `·`, …) or a number (`1.`, `1)`, `(1)`) in front of a list item. */
export const ITEM_MARKER = /^(?:[-*•·‣◦+–—]|\d{1,3}[.)、]|\(\d{1,3}\))\s*/;
/** Markers that need a space after them to count (so `-5%` or `*emphasis*` is not taken for a bullet). */
export const MARKER_NEEDS_SPACE = /^[-*+–—]\S/;
/** Quote pairs that may wrap a whole reply. */
const WRAPPING_QUOTES: readonly (readonly [string, string])[] = [
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
  ['「', '」'],
  ['『', '』'],
  ['«', '»'],
];
/** Keys under which a JSON answer holds its list (compared in lower case). */
const LIST_KEYS: ReadonlySet<string> = new Set([
  'bullets',
  'bullet_points',
  'points',
  'key_points',
  'keypoints',
  'items',
  'lines',
  'list',
  'summary',
]);
/** A first line that only introduces what follows (`Summary:`, `Here is the summary:`). */
const INTRODUCTION = /^[^\n]{0,60}:$/;
/** Characters of scripts written without spaces; each counts as one word. */
const UNSPACED_CHARACTER = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;

/**
 * Reads a list reply into its items: markers, a lead-in line and a closing remark removed, wrapped lines joined; a
 * JSON array of strings is read as is. An empty list, or more than `maxItems` items, is an issue (never cut).
 */
export function parseLinesReply(text: string, options: { maxItems?: number | undefined } = {}): ParseOutcome<string[]> {
  const repairs: RepairName[] = [];
  const reply = readReplyText(text, repairs);
  const items = readJsonList(reply, repairs) ?? readLines(reply, repairs);
  if (items.length === 0) {
    return failure('The reply holds no list items.', repairs);
  }
  const { maxItems } = options;
  if (maxItems !== undefined && items.length > maxItems) {
    return failure(`The list has ${items.length} items; at most ${maxItems} are allowed.`, repairs);
  }
  return { ok: true, value: items, repairs };
}

function readJsonList(reply: string, repairs: RepairName[]): string[] | undefined {
  if (!reply.startsWith('[') && !reply.startsWith('{')) {
    return undefined;
  }
  const parsed = parseJsonReply(reply);
  const list = parsed.ok ? listIn(parsed.value) : undefined;
  if (list === undefined) {
    return undefined;
  }
  addRepair(repairs, 'lines-json');
  return list.map((item) => item.trim()).filter((item) => item !== '');
}

/**
 * The list a JSON answer holds: an array of strings, or an object's list of strings under a usual key (`bullets`,
 * `points`, `items`, …) or under its only key.
 */
function listIn(value: unknown): string[] | undefined {
  const isList = (candidate: unknown): candidate is string[] =>
    Array.isArray(candidate) && candidate.every((item) => typeof item === 'string');
  if (isList(value)) {
    return value;
  }
  if (!isRecord(value)) {
    return undefined;
  }
  const keys = Object.keys(value);
  const key = keys.length === 1 ? keys[0] : keys.find((name) => LIST_KEYS.has(name.toLowerCase()));
  const list = key === undefined ? undefined : value[key];
  return isList(list) ? list : undefined;
}

function readLines(reply: string, repairs: RepairName[]): string[] {
  const rawLines = reply.split(/\r?\n/);
  const lines = rawLines.map((line) => line.trim());
  const marked = lines.map((line) => line !== '' && ITEM_MARKER.test(line) && !MARKER_NEEDS_SPACE.test(line));
  const firstMarked = marked.indexOf(true);
  if (firstMarked < 0) {
    return readUnmarkedLines(lines, repairs);
  }
  const lastMarked = marked.lastIndexOf(true);
  if (lines.slice(0, firstMarked).some((line) => line !== '')) {
    addRepair(repairs, 'lines-preamble');
  }
  const items: string[] = [];
  for (let index = firstMarked; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (marked[index] === true) {
      addRepair(repairs, 'lines-markers');
      items.push(line.replace(ITEM_MARKER, '').trim());
      continue;
    }
    if (line === '') {
      continue;
    }
    // After the last item, only an indented line right below it continues it; anything else closes the list.
    const continues = index < lastMarked || (/^\s/.test(rawLines[index] ?? '') && lines[index - 1] !== '');
    if (!continues) {
      addRepair(repairs, 'lines-outro');
      break;
    }
    items[items.length - 1] = `${items.at(-1) ?? ''} ${line}`.trim();
  }
  return items.filter((item) => item !== '');
}

function readUnmarkedLines(lines: readonly string[], repairs: RepairName[]): string[] {
  const nonEmpty = lines.filter((line) => line !== '');
  if (nonEmpty[0]?.endsWith(':') === true) {
    addRepair(repairs, 'lines-preamble');
    return nonEmpty.slice(1);
  }
  return nonEmpty;
}

/**
 * Reads a free-text reply: fence, wrapping quotes (a JSON string literal is decoded) and a short `Summary:` lead-in
 * removed. An empty reply, or more than `maxWords` words (`countWords`), is an issue (never cut).
 */
export function parseTextReply(text: string, options: { maxWords?: number | undefined } = {}): ParseOutcome<string> {
  const repairs: RepairName[] = [];
  let reply = readReplyText(text, repairs);
  const lines = reply.split(/\r?\n/);
  if (lines.length > 1 && INTRODUCTION.test(lines[0]?.trim() ?? '')) {
    repairs.push('text-preamble');
    reply = lines.slice(1).join('\n').trim();
  }
  const unquoted = unquote(reply);
  if (unquoted !== reply) {
    repairs.push('text-quotes');
    reply = unquoted;
  }
  if (reply === '') {
    return failure('The reply is empty.', repairs);
  }
  const { maxWords } = options;
  const words = maxWords === undefined ? 0 : countWords(reply);
  if (maxWords !== undefined && words > maxWords) {
    return failure(`The text has ${words} words; at most ${maxWords} are allowed.`, repairs);
  }
  return { ok: true, value: reply, repairs };
}

/** The text without quotes that wrap all of it (and only it); a JSON string literal is decoded. */
function unquote(text: string): string {
  if (/^"(?:[^"\\]|\\.)*"$/s.test(text)) {
    try {
      const decoded: unknown = JSON.parse(text);
      if (typeof decoded === 'string') {
        return decoded.trim();
      }
    } catch {
      // not a JSON string literal: fall through to plain quotes
    }
  }
  for (const [open, close] of WRAPPING_QUOTES) {
    if (text.length >= open.length + close.length && text.startsWith(open) && text.endsWith(close)) {
      const inner = text.slice(open.length, text.length - close.length);
      if (!inner.includes(close) && !inner.includes(open)) {
        return inner.trim();
      }
    }
  }
  return text;
}

/**
 * Counts words as a reader would: runs of letters or digits between spaces, each Chinese, Japanese, Korean or Thai
 * character a word of its own (`收入增长了` is 5).
 */
export function countWords(text: string): number {
  let count = 0;
  const rest = text.replace(UNSPACED_CHARACTER, () => {
    count++;
    return ' ';
  });
  for (const token of rest.split(/\s+/)) {
    if (/[\p{L}\p{N}]/u.test(token)) {
      count++;
    }
  }
  return count;
}
