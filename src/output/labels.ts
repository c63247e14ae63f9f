/**
 * Reading labels from a reply: `createLabelMatcher` prepares a label set's lookups once, `parseLabelReply` reads the
 * one label a reply names and `parseLabelsReply` every label of a multi-label reply, peeling quotes, lead-ins,
 * punctuation and full-width forms, and rejecting negated or ambiguous answers. See `docs/output-repair.md#labels`.
 * @module
 */
import { isRecord } from '../json.js';
import { parseJsonReply } from './json-reply.js';
import { addRepair, failure, type ParseOutcome, type RepairName, readReplyText } from './outcome.js';

/** Quote (and emphasis) pairs a model may wrap a label in. */
const WRAPPERS: readonly (readonly [string, string])[] = [
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
  ['**', '**'],
  ['*', '*'],
  ['__', '__'],
  ['[', ']'],
  ['(', ')'],
  ['<', '>'],
];
/** A short lead-in before a colon: `Label:`, `Sentiment:`, `Answer -`, `标签:` (after full-width folding). */
const PREFIX = /^[\p{L}][\p{L}\p{N} _-]{0,30}\s*(?::|=|-\s)\s*/u;
const EDGE_PUNCTUATION = /^[\s.,;:!?。，；：！？…-]+|[\s.,;:!?。，；：！？…]+$/gu;
/** CJK punctuation that Unicode compatibility folding leaves alone, with its ASCII counterpart. */
const CJK_PUNCTUATION: Readonly<Record<string, string>> = {
  '。': '.',
  '、': ',',
  '“': '"',
  '”': '"',
  '„': '"',
  '‘': "'",
  '’': "'",
  '「': '"',
  '」': '"',
  '『': '"',
  '』': '"',
  '【': '[',
  '】': ']',
  '《': '"',
  '》': '"',
  '〈': '"',
  '〉': '"',
  '…': '...',
};
const CJK_PUNCTUATION_PATTERN = new RegExp(`[${Object.keys(CJK_PUNCTUATION).join('')}]`, 'g');
/** Keys under which a JSON reply may hold its label. */
const LABEL_KEYS: ReadonlySet<string> = new Set(['label', 'labels', 'category', 'class', 'answer', 'result']);
/** Keys under which a JSON reply may hold its labels. */
const LABELS_KEYS: ReadonlySet<string> = new Set(['labels', 'label', 'categories', 'classes', 'tags']);
/** Replies that mean "no label applies". */
const NONE = /^(?:none|no labels?|no label applies|nothing|n\/a|null|\[\s*\]|-|无|没有|空)$/i;
/** A bullet or number in front of a list item. */
const ITEM_MARKER = /^(?:[-*•·‣◦+]|\d{1,3}[.)]|\(\d{1,3}\))\s+/;

/** One place a reply names a label. */
export interface LabelMention {
  /** The label named. */
  label: string;
  /** Whether a negation comes right before it (`not positive`, `isn't spam`, `不是 spam`). */
  negated: boolean;
}

/** Label lookups prepared once per label set (see `createLabelMatcher`). */
export interface LabelMatcher {
  /** The labels, in their given order and spelling. */
  readonly labels: readonly string[];
  /**
   * The label a piece of text is, exactly or in another case or spelling (`Feature request` →
   * `feature-request`); `undefined` when it is none (or several labels share that spelling).
   */
  match(text: string): { label: string; exact: boolean } | undefined;
  /** Every label named in free text, in order, with whether it is negated. */
  findMentions(text: string): LabelMention[];
}

/** Negations that may come before a label (with one softening word between: `not really positive`). */
const NEGATION_BEFORE =
  /(?:\b(?:not|no|never|neither|nor|non|without|isn't|aren't|wasn't|doesn't|don't)|n't)[\s-]+(?:(?:very|really|quite|exactly|so|too|at all|entirely|particularly)\s+)?$|(?:不是|不|非|没有|並非|并非|无)\s*$/i;

/**
 * Prepares the lookups for a label set: exact names, each label's spelling with case and separators ignored
 * (`Feature Request` → `feature-request`), and one pattern that finds any label in free text. A task builds its
 * matcher once, when it is compiled, and hands it to every parse.
 */
export function createLabelMatcher(labels: readonly string[]): LabelMatcher {
  const exact = new Set(labels);
  const byNormalized = new Map<string, string | null>();
  for (const label of labels) {
    const normalized = labelKey(label);
    const existing = byNormalized.get(normalized);
    byNormalized.set(normalized, existing === undefined || existing === label ? label : null);
  }
  const mentionPattern = buildMentionPattern(labels);
  const matcher: LabelMatcher = {
    labels: [...labels],
    match(text) {
      if (exact.has(text)) {
        return { label: text, exact: true };
      }
      const label = byNormalized.get(labelKey(text));
      return label === undefined || label === null ? undefined : { label, exact: false };
    },
    findMentions(text) {
      if (mentionPattern === undefined) {
        return [];
      }
      const mentions: LabelMention[] = [];
      for (const found of text.matchAll(mentionPattern)) {
        const label = byNormalized.get(labelKey(found[0]));
        if (label !== undefined && label !== null) {
          const before = text.slice(Math.max(0, found.index - 40), found.index);
          mentions.push({ label, negated: NEGATION_BEFORE.test(before) });
        }
      }
      return mentions;
    },
  };
  return matcher;
}

/**
 * The spelling two ways of writing a label share: folded, lower-cased, runs of spaces, underscores, hyphens, dots
 * and slashes read as one hyphen. Quotes and other punctuation are kept, to be peeled (and reported) by the caller.
 */
function labelKey(text: string): string {
  return spellLabel(text.normalize('NFKC').toLowerCase().trim());
}

/**
 * {@link labelKey} without the trim: a piece of text spelled as labels are compared, so that the beginning of a
 * label can be read (`feature ` → `feature-`, a prefix of `feature-request`; the label confidence reads tokens so).
 */
export function spellLabel(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-./]+/g, '-');
}

/** One case-insensitive pattern for all labels, longest first, separators between words loose. */
function buildMentionPattern(labels: readonly string[]): RegExp | undefined {
  const alternatives = [...new Set(labels)]
    .map((label) => label.normalize('NFKC').trim())
    .filter((label) => /[\p{L}\p{N}]/u.test(label))
    .sort((left, right) => right.length - left.length)
    .map((label) =>
      label
        .split(/[\s_\-./]+/)
        .filter((part) => part !== '')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[\\s_\\-./]+'),
    );
  if (alternatives.length === 0) {
    return undefined;
  }
  return new RegExp(`(?<![A-Za-z0-9])(?:${alternatives.join('|')})(?![A-Za-z0-9])`, 'giu');
}

/** The matcher for `labels`: the matcher itself, or one built (once per array) from a label list. */
export function labelMatcherOf(labels: readonly string[] | LabelMatcher): LabelMatcher {
  return 'match' in labels ? labels : createLabelMatcher(labels);
}

/**
 * Reads the one label a reply names: bare, in `{"label": …}`, quoted, after `Label:`, in another case or spelling,
 * with full-width punctuation, or named once in a sentence. Several labels, a negated one or none is a failure.
 */
export function parseLabelReply(text: string, labels: readonly string[] | LabelMatcher): ParseOutcome<string> {
  const matcher = labelMatcherOf(labels);
  // The common reply is one label and nothing else. Without a `<` or a backtick there is no reasoning tag or fence for
  // `readReplyText` to take off, and a label has no surrounding spaces, so the text is read as it is.
  const exact = text.includes('<') || text.includes('`') ? undefined : matcher.match(text);
  if (exact?.exact === true) {
    return accept(exact, [], []);
  }
  const repairs: RepairName[] = [];
  const reply = readReplyText(text, repairs);
  if (reply === '') {
    return failure(`The reply is empty; expected one of: ${matcher.labels.join(', ')}.`, repairs);
  }
  const direct = matcher.match(reply);
  if (direct?.exact === true) {
    return accept(direct, [], repairs);
  }
  const fromJson = readJsonLabel(reply, repairs);
  if (fromJson !== undefined && typeof fromJson !== 'string') {
    return fromJson;
  }
  return readTextLabel(fromJson ?? reply, matcher, repairs);
}

/** Matches cleaned text to a label, or reads the labels a sentence names. */
function readTextLabel(text: string, matcher: LabelMatcher, repairs: RepairName[]): ParseOutcome<string> {
  let candidate = text;
  const folded = foldFullWidth(text);
  if (folded !== text) {
    addRepair(repairs, 'full-width');
    candidate = folded;
  }
  const { cleaned, match, cleaningRepairs } = cleanAndMatch(candidate, matcher);
  if (match !== undefined) {
    return accept(match, cleaningRepairs, repairs);
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
  const shortened = cleaned.length > 60 ? `${cleaned.slice(0, 57)}...` : cleaned;
  return failure(`"${shortened}" is not one of the labels: ${matcher.labels.join(', ')}.`, repairs);
}

/** A label string from a JSON reply, an outcome when the JSON settles it, or `undefined` when it is not JSON. */
function readJsonLabel(reply: string, repairs: RepairName[]): string | ParseOutcome<string> | undefined {
  const json = readJsonValue(reply, LABEL_KEYS, 'label', repairs);
  if (json === undefined || !json.ok) {
    return json;
  }
  let { value } = json;
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

/**
 * Reads every label a multi-label reply names: a JSON array (or `{"labels": […]}`), a comma, semicolon or line
 * list, bullets; each item read like `parseLabelReply` reads one. `none` and `[]` give `[]`; duplicates are dropped.
 */
export function parseLabelsReply(text: string, labels: readonly string[] | LabelMatcher): ParseOutcome<string[]> {
  const matcher = labelMatcherOf(labels);
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
  const { cleaned, match, cleaningRepairs } = cleanAndMatch(item, matcher);
  const negated = matcher.findMentions(item).find((mention) => mention.negated);
  if (negated !== undefined) {
    return failure(`The reply negates the label "${negated.label}"; list only the labels that apply.`, repairs);
  }
  if (match === undefined) {
    return NONE.test(cleaned)
      ? { ok: true, value: undefined }
      : failure(`"${cleaned}" is not one of the labels: ${matcher.labels.join(', ')}.`, repairs);
  }
  accept(match, cleaningRepairs, repairs);
  return { ok: true, value: match.label };
}

/** Items of a JSON reply (array, `{"labels": …}`, or a string), or `undefined` when the reply is not JSON. */
function readJsonItems(reply: string, repairs: RepairName[]): unknown[] | ParseOutcome<string[]> | undefined {
  if (NONE.test(reply)) {
    return [];
  }
  const json = readJsonValue(reply, LABELS_KEYS, 'labels', repairs);
  if (json === undefined || !json.ok) {
    return json;
  }
  if (json.value === null) {
    return [];
  }
  return Array.isArray(json.value) ? json.value : [json.value];
}

/**
 * The value of a JSON reply, unwrapped from an object by one of `keys` (or, for `label`, its only property); a
 * failure for an object without one; `undefined` when the reply is not JSON.
 */
function readJsonValue(
  reply: string,
  keys: ReadonlySet<string>,
  name: 'label' | 'labels',
  repairs: RepairName[],
): { ok: true; value: unknown } | ReturnType<typeof failure> | undefined {
  if (!/^[{["]/.test(reply)) {
    return undefined;
  }
  const parsed = parseJsonReply(reply);
  if (!parsed.ok) {
    return undefined;
  }
  if (!isRecord(parsed.value)) {
    return { ok: true, value: parsed.value };
  }
  const entries = Object.entries(parsed.value);
  const keyed =
    entries.find(([key]) => keys.has(key.toLowerCase())) ??
    (name === 'label' && entries.length === 1 ? entries[0] : undefined);
  if (keyed === undefined) {
    return failure(`The reply is a JSON object without a "${name}" property.`, repairs);
  }
  addRepair(repairs, 'label-key');
  return { ok: true, value: keyed[1] };
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
      const isLabel = cleanAndMatch(part, matcher).match !== undefined;
      items.push(...(isLabel ? [part] : part.split(/\s+(?:and|&)\s+/)).filter((item) => item.trim() !== ''));
    }
  }
  if (items.length > 1 || lines.length > 1) {
    addRepair(repairs, 'label-list');
  }
  return items;
}

/** Cleans text (`cleanLabelText`, stopping at a known label) and matches it; the cleaning repairs are returned. */
function cleanAndMatch(
  text: string,
  matcher: LabelMatcher,
): { cleaned: string; match: { label: string; exact: boolean } | undefined; cleaningRepairs: RepairName[] } {
  const cleaningRepairs: RepairName[] = [];
  const cleaned = cleanLabelText(text, (value) => matcher.match(value) !== undefined, cleaningRepairs);
  return { cleaned, match: matcher.match(cleaned), cleaningRepairs };
}

/** Accepts a match: the cleaning repairs that led to it, then `label-case` when it was not exact. */
function accept(
  match: { label: string; exact: boolean },
  cleaningRepairs: readonly RepairName[],
  repairs: RepairName[],
): ParseOutcome<string> {
  for (const repair of cleaningRepairs) {
    addRepair(repairs, repair);
  }
  if (!match.exact) {
    addRepair(repairs, 'label-case');
  }
  return { ok: true, value: match.label, repairs };
}

/**
 * Peels what models wrap around a bare label, one layer at a time: quotes and emphasis, a lead-in (`Label:`),
 * punctuation at either end. `isKnown` stops the peeling as soon as the text is a label.
 */
function cleanLabelText(text: string, isKnown: (candidate: string) => boolean, repairs: RepairName[]): string {
  let current = text.trim();
  for (let round = 0; round < 8 && !isKnown(current); round++) {
    const next = peelOnce(current, repairs);
    if (next === current || next === '') {
      break;
    }
    current = next;
  }
  return current;
}

function peelOnce(text: string, repairs: RepairName[]): string {
  for (const [open, close] of WRAPPERS) {
    if (text.length > open.length + close.length && text.startsWith(open) && text.endsWith(close)) {
      const inner = text.slice(open.length, text.length - close.length).trim();
      if (!inner.includes(close) || open === close) {
        addRepair(repairs, 'label-quote');
        return inner;
      }
    }
  }
  const withoutPunctuation = text.replace(EDGE_PUNCTUATION, '');
  if (withoutPunctuation !== text && withoutPunctuation !== '') {
    addRepair(repairs, 'label-punctuation');
    return withoutPunctuation;
  }
  const prefix = PREFIX.exec(text);
  if (prefix !== null && prefix[0].length < text.length) {
    addRepair(repairs, 'label-prefix');
    return text.slice(prefix[0].length).trim();
  }
  return text;
}

/** Reads full-width and CJK punctuation as ASCII (`标签：“positive”。` → `标签:"positive".`); letters are kept. */
function foldFullWidth(text: string): string {
  return text
    .normalize('NFKC')
    .replace(CJK_PUNCTUATION_PATTERN, (character) => CJK_PUNCTUATION[character] ?? character);
}
