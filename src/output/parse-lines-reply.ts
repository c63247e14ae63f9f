import { addRepair } from './add-repair.js';
import { parseJsonReply } from './parse-json-reply.js';
import { failure, type ParseOutcome } from './parse-outcome.js';
import { readReplyText } from './read-reply-text.js';
import type { RepairName } from './repair-name.js';

/** A bullet (`-`, `*`, `•`, `·`, …) or a number (`1.`, `1)`, `(1)`) in front of a list item. */
const ITEM_MARKER = /^(?:[-*•·‣◦+–—]|\d{1,3}[.)、]|\(\d{1,3}\))\s*/;
/** Markers that need a space after them to count (so `-5%` or `*emphasis*` is not taken for a bullet). */
const MARKER_NEEDS_SPACE = /^[-*+–—]\S/;

/**
 * Reads a list reply into its items: bullets (`-`, `*`, `•`, `·`) and numbers (`1.`, `1)`) removed, an
 * introductory line (`Here are the key points:`) and a closing remark after the list dropped, an item's wrapped
 * continuation lines joined to it; a JSON array of strings is read as is. More than `maxItems` items is an issue
 * (never silently cut), and so is an empty list.
 *
 * @example
 * parseLinesReply('Key points:\n- Revenue up\n- Costs down', { maxItems: 5 });
 * // { ok: true, value: ['Revenue up', 'Costs down'], repairs: ['lines-preamble', 'lines-markers'] }
 */
export function parseLinesReply(text: string, options: { maxItems?: number } = {}): ParseOutcome<string[]> {
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
  if (!reply.startsWith('[')) {
    return undefined;
  }
  const parsed = parseJsonReply(reply);
  if (!parsed.ok || !Array.isArray(parsed.value) || !parsed.value.every((item) => typeof item === 'string')) {
    return undefined;
  }
  addRepair(repairs, 'lines-json');
  return parsed.value.map((item: string) => item.trim()).filter((item) => item !== '');
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
