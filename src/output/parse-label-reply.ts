import { addRepair } from './add-repair.js';
import { cleanLabelText } from './clean-label-text.js';
import { createLabelMatcher, type LabelMatcher } from './create-label-matcher.js';
import { foldFullWidth } from './fold-full-width.js';
import { parseJsonReply } from './parse-json-reply.js';
import { failure, type ParseOutcome } from './parse-outcome.js';
import { readReplyText } from './read-reply-text.js';
import type { RepairName } from './repair-name.js';

/** Keys under which a JSON reply may hold its label. */
const LABEL_KEYS: ReadonlySet<string> = new Set(['label', 'labels', 'category', 'class', 'answer', 'result']);

/**
 * Reads the one label a reply names. Accepted: the bare label, `{"label": …}` (or another single string
 * property), a quoted or emphasized label, `Label: x`, trailing punctuation, another case or separator
 * (`Feature request` → `feature-request`), full-width and CJK punctuation (`标签：“positive”。`), and a sentence
 * that names exactly one label. Rejected rather than guessed: a reply that names several labels, negates one
 * (`not negative`), or names none. Pass the same `labels` array each time (or a `LabelMatcher`) so the
 * lookup tables are built once.
 *
 * @example
 * parseLabelReply('Label: "Positive".', ['positive', 'negative']);
 * // { ok: true, value: 'positive', repairs: ['label-punctuation', 'label-prefix', 'label-quote', 'label-case'] }
 */
export function parseLabelReply(text: string, labels: readonly string[] | LabelMatcher): ParseOutcome<string> {
  const matcher = 'match' in labels ? labels : createLabelMatcher(labels);
  const repairs: RepairName[] = [];
  const reply = readReplyText(text, repairs);
  if (reply === '') {
    return failure(`The reply is empty; expected one of: ${matcher.labels.join(', ')}.`, repairs);
  }
  const direct = matcher.match(reply);
  if (direct?.exact === true) {
    return accept(direct, repairs);
  }
  const fromJson = readJsonLabel(reply, repairs);
  if (fromJson !== undefined && typeof fromJson !== 'string') {
    return fromJson;
  }
  return readTextLabel(fromJson ?? reply, matcher, repairs);
}

/** Matches cleaned text to a label, or reads the labels a sentence names. @internal */
export function readTextLabel(text: string, matcher: LabelMatcher, repairs: RepairName[]): ParseOutcome<string> {
  let candidate = text;
  const folded = foldFullWidth(text);
  if (folded !== text) {
    addRepair(repairs, 'full-width');
    candidate = folded;
  }
  const cleaningRepairs: RepairName[] = [];
  const cleaned = cleanLabelText(candidate, (value) => matcher.match(value) !== undefined, cleaningRepairs);
  const match = matcher.match(cleaned);
  if (match !== undefined) {
    for (const repair of cleaningRepairs) {
      addRepair(repairs, repair);
    }
    return accept(match, repairs);
  }
  const mentions = matcher.findMentions(candidate);
  const negated = mentions.find((mention) => mention.negated);
  if (negated !== undefined) {
    return failure(`The reply negates the label "${negated.label}" instead of naming the label that applies.`, repairs);
  }
  const named = [...new Set(mentions.map((mention) => mention.label))];
  if (named.length > 1) {
    return failure(`The reply names several labels (${named.join(', ')}); name exactly one.`, repairs);
  }
  if (named.length === 1) {
    addRepair(repairs, 'prose');
    return { ok: true, value: named[0]!, repairs };
  }
  return failure(`"${shorten(cleaned)}" is not one of the labels: ${matcher.labels.join(', ')}.`, repairs);
}

/** A label string from a JSON reply, an outcome when the JSON settles it, or `undefined` when it is not JSON. */
function readJsonLabel(reply: string, repairs: RepairName[]): string | ParseOutcome<string> | undefined {
  if (!/^[{["]/.test(reply)) {
    return undefined;
  }
  const parsed = parseJsonReply(reply);
  if (!parsed.ok) {
    return undefined;
  }
  let value = parsed.value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const keyed =
      entries.find(([key]) => LABEL_KEYS.has(key.toLowerCase())) ?? (entries.length === 1 ? entries[0] : undefined);
    if (keyed === undefined) {
      return failure('The reply is a JSON object without a "label" property.', repairs);
    }
    addRepair(repairs, 'label-key');
    value = keyed[1];
  }
  if (Array.isArray(value)) {
    if (value.length !== 1) {
      return failure(
        value.length === 0 ? 'The reply names no label.' : 'The reply names several labels; name exactly one.',
        repairs,
      );
    }
    addRepair(repairs, 'label-list');
    value = value[0];
  }
  if (typeof value !== 'string') {
    return failure(`The reply's label is a ${value === null ? 'null' : typeof value}, not a string.`, repairs);
  }
  if (!reply.startsWith('{')) {
    addRepair(repairs, 'label-quote');
  }
  return value;
}

function accept(match: { label: string; exact: boolean }, repairs: RepairName[]): ParseOutcome<string> {
  if (!match.exact) {
    addRepair(repairs, 'label-case');
  }
  return { ok: true, value: match.label, repairs };
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
