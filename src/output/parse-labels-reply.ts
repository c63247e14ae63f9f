import { addRepair } from './add-repair.js';
import { cleanLabelText } from './clean-label-text.js';
import { createLabelMatcher, type LabelMatcher } from './create-label-matcher.js';
import { foldFullWidth } from './fold-full-width.js';
import { parseJsonReply } from './parse-json-reply.js';
import { failure, type ParseOutcome } from './parse-outcome.js';
import { readReplyText } from './read-reply-text.js';
import type { RepairName } from './repair-name.js';

/** Replies that mean "no label applies". */
const NONE = /^(?:none|no labels?|no label applies|nothing|n\/a|null|\[\s*\]|-|无|没有|空)$/i;
/** A bullet or number in front of a list item. */
const ITEM_MARKER = /^(?:[-*•·‣◦+]|\d{1,3}[.)]|\(\d{1,3}\))\s+/;
/** Keys under which a JSON reply may hold its labels. */
const LABELS_KEYS: ReadonlySet<string> = new Set(['labels', 'label', 'categories', 'classes', 'tags']);

/**
 * Reads every label a reply names, for multi-label tasks: a JSON array (or `{"labels": […]}`), a comma,
 * semicolon or newline list, bullets or numbers, with each item read like `parseLabelReply` reads a label
 * (quotes, case, separators, punctuation, full-width forms). `[]`, `none` and the like give `[]`. Rejected: an
 * item that is no label, or a negated one (`not billing`). Duplicates are dropped; the reply's order is kept.
 *
 * @example
 * parseLabelsReply('Billing, bug', ['billing', 'bug', 'feature-request']);
 * // { ok: true, value: ['billing', 'bug'], repairs: ['label-list', 'label-case'] }
 */
export function parseLabelsReply(text: string, labels: readonly string[] | LabelMatcher): ParseOutcome<string[]> {
  const matcher = 'match' in labels ? labels : createLabelMatcher(labels);
  const repairs: RepairName[] = [];
  let reply = readReplyText(text, repairs);
  if (reply === '') {
    return failure(`The reply is empty; expected a list of labels from: ${matcher.labels.join(', ')}.`, repairs);
  }
  const folded = foldFullWidth(reply);
  if (folded !== reply) {
    repairs.push('full-width');
    reply = folded;
  }
  const items = readJsonItems(reply, repairs) ?? readListItems(reply, matcher, repairs);
  if (!Array.isArray(items)) {
    return items;
  }
  const found: string[] = [];
  for (const item of items) {
    const outcome = readItem(item, matcher, repairs);
    if (!outcome.ok) {
      return outcome;
    }
    if (outcome.value !== undefined && !found.includes(outcome.value)) {
      found.push(outcome.value);
    }
  }
  return { ok: true, value: found, repairs };
}

function readItem(
  item: unknown,
  matcher: LabelMatcher,
  repairs: RepairName[],
): { ok: true; value: string | undefined } | ReturnType<typeof failure> {
  if (typeof item !== 'string') {
    return failure(`A listed label is a ${item === null ? 'null' : typeof item}, not a string.`, repairs);
  }
  const cleaningRepairs: RepairName[] = [];
  const cleaned = cleanLabelText(item, (value) => matcher.match(value) !== undefined, cleaningRepairs);
  const match = matcher.match(cleaned);
  const negated = matcher.findMentions(item).find((mention) => mention.negated);
  if (negated !== undefined) {
    return failure(`The reply negates the label "${negated.label}"; list only the labels that apply.`, repairs);
  }
  if (match === undefined) {
    return NONE.test(cleaned)
      ? { ok: true, value: undefined }
      : failure(`"${cleaned}" is not one of the labels: ${matcher.labels.join(', ')}.`, repairs);
  }
  for (const repair of cleaningRepairs) {
    addRepair(repairs, repair);
  }
  if (!match.exact) {
    addRepair(repairs, 'label-case');
  }
  return { ok: true, value: match.label };
}

/** Items of a JSON reply (array, `{"labels": …}`, or a string), or `undefined` when the reply is not JSON. */
function readJsonItems(reply: string, repairs: RepairName[]): unknown[] | ParseOutcome<string[]> | undefined {
  if (NONE.test(reply)) {
    return [];
  }
  if (!/^[{["]/.test(reply)) {
    return undefined;
  }
  const parsed = parseJsonReply(reply);
  if (!parsed.ok) {
    return undefined;
  }
  let value = parsed.value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entry = Object.entries(value).find(([key]) => LABELS_KEYS.has(key.toLowerCase()));
    if (entry === undefined) {
      return failure('The reply is a JSON object without a "labels" property.', repairs);
    }
    addRepair(repairs, 'label-key');
    value = entry[1];
  }
  if (value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/** Items of a plain-text list: lines, or (on one line) comma/semicolon separated; a lead-in line is dropped. */
function readListItems(reply: string, matcher: LabelMatcher, repairs: RepairName[]): string[] {
  if (NONE.test(cleanLabelText(reply, () => false, []))) {
    return [];
  }
  let lines = reply
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const first = lines[0] ?? '';
  if (lines.length > 1 && first.endsWith(':') && matcher.match(first.slice(0, -1).trim()) === undefined) {
    addRepair(repairs, 'lines-preamble');
    lines = lines.slice(1);
  }
  const items: string[] = [];
  for (const line of lines) {
    const unmarked = line.replace(ITEM_MARKER, '');
    if (unmarked !== line) {
      addRepair(repairs, 'lines-markers');
    }
    if (matcher.match(unmarked) !== undefined) {
      items.push(unmarked);
      continue;
    }
    const withoutPrefix = unmarked.replace(/^[\p{L}][\p{L} _-]{0,30}:\s*/u, (prefix) =>
      matcher.match(prefix.replace(/:\s*$/, '')) === undefined ? '' : prefix,
    );
    if (withoutPrefix !== unmarked) {
      addRepair(repairs, 'label-prefix');
    }
    for (const part of withoutPrefix.split(/\s*[,;]\s*/)) {
      const isLabel =
        matcher.match(cleanLabelText(part, (value) => matcher.match(value) !== undefined, [])) !== undefined;
      items.push(...(isLabel ? [part] : part.split(/\s+(?:and|&)\s+/)).filter((item) => item.trim() !== ''));
    }
  }
  if (items.length > 1 || lines.length > 1) {
    addRepair(repairs, 'label-list');
  }
  return items;
}
