import { countWords } from './count-words.js';
import { failure, type ParseOutcome } from './parse-outcome.js';
import { readReplyText } from './read-reply-text.js';
import type { RepairName } from './repair-name.js';

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
/** A first line that only introduces what follows (`Summary:`, `Here is the summary:`). */
const INTRODUCTION = /^[^\n]{0,60}:$/;

/**
 * Reads a free-text reply: reasoning stripped, trimmed, a reply that is one code fence unwrapped, quotes around
 * the whole text removed (a JSON string literal is decoded), and a short introductory line ending in a colon
 * dropped. More than `maxWords` words is an issue (never silently cut); Chinese, Japanese and Korean characters
 * count as one word each (`countWords`). An empty reply is an issue.
 *
 * @example
 * parseTextReply('"Revenue rose 12%."', { maxWords: 80 }); // { ok: true, value: 'Revenue rose 12%.', repairs: ['text-quotes'] }
 */
export function parseTextReply(text: string, options: { maxWords?: number } = {}): ParseOutcome<string> {
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
