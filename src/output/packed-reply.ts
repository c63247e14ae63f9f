/**
 * Packed classification replies: one answer per item, each after the item's letter code (`A`, `B`, … `AA`), read
 * line by line or from a JSON object, then through the single-item label pipeline.
 * @module
 */
import { InputError } from '../errors.js';
import { isRecord } from '../json.js';
import { parseJsonReply } from './json-reply.js';
import { type LabelMatcher, labelMatcherOf, parseLabelReply, parseLabelsReply } from './labels.js';
import { type ParseOutcome, type RepairName, readReplyText } from './outcome.js';
import { JsonScanner } from './scan.js';

/** An item's letter code as `packedItemIndex` reads it: 1 to 6 uppercase ASCII letters (`A`, … `Z`, `AA`, …). */
const CODE = /^[A-Z]{1,6}$/;
const LETTER_COUNT = 26;
const CODE_POINT_OF_A = 65;
/**
 * The start of an answer line: an optional bullet or bold marker, an optional `Text`/`Item` word, the item's letter
 * code (1 or 2 uppercase ASCII or full-width letters, optionally bracketed), then a separator: `:`, `.`, `)`, `]`,
 * their full-width forms, or a spaced dash. Whitespace alone is no separator, so prose such as "A few notes" or
 * "I think…" is never read as an answer; nor is a longer capitalised word (`OK:` is a code beyond any pack, `No:`
 * no code at all).
 */
const ANSWER_LINE =
  /^\s*(?:[-*•]\s+)?(?:\*\*|__)?(?:(?:text|item|Text|Item|TEXT|ITEM)\s+)?[([（【]?(?<code>[A-ZＡ-Ｚ]{1,2})(?:\*\*|__)?(?:\s*[:：.．)）\]】]|\s+[-–—]\s)(?:\*\*|__)?\s*(?<answer>.*)$/u;
/** A JSON object key that names an item: `A`, ` AB `. */
const ANSWER_KEY = /^\s*(?<code>[A-ZＡ-Ｚ]{1,2})\s*$/u;
const LINE_BREAK = /\r\n|[\n\v\f\r\u0085\u2028\u2029]/;

/** Options of {@link parsePackedLabelsReply}. */
export interface PackedLabelsReplyOptions {
  /**
   * Each answer is a list of labels (read with `parseLabelsReply`) instead of one (`parseLabelReply`).
   * @defaultValue false
   */
  multi?: boolean | undefined;
  /**
   * The reply was cut off (`finish_reason: "length"`): its last line, when no line break ends it, is dropped (and
   * the last member of a JSON object), since it may hold half an answer. @defaultValue false
   */
  truncated?: boolean | undefined;
}

/** What {@link parsePackedLabelsReply} read: one entry per item, index 0 for the first item (code `A`). */
export interface PackedLabelsReply {
  /**
   * The outcome of each item's answer: `undefined` when the reply has no usable answer for it (missing, cut off,
   * or its code given more than once), a failed outcome when the answer is no valid label (or list of labels).
   */
  answers: (ParseOutcome<string | string[]> | undefined)[];
  /** The text of each item's answer as the reply wrote it (after its code), for `raw` and caches. */
  answerTexts: (string | undefined)[];
}

/**
 * Reads the reply to a packed classification request: one `ID: label` line per item (`A: positive`, `(B) negative`,
 * `Ａ：positive` …) or a JSON object keyed by code, each answer read by `parseLabelReply` (`parseLabelsReply` with
 * `multi`). See `docs/running-at-scale.md#packing-short-label-items-pack`.
 */
export function parsePackedLabelsReply(
  text: string,
  labels: readonly string[] | LabelMatcher,
  count: number,
  options: PackedLabelsReplyOptions = {},
): PackedLabelsReply {
  if (!Number.isInteger(count) || count < 0) {
    throw new InputError(`count must be a whole number of items, got ${String(count)}`, { path: 'count' });
  }
  const matcher = labelMatcherOf(labels);
  const truncated = options.truncated === true;
  const replyRepairs: RepairName[] = [];
  const reply = readReplyText(text, replyRepairs);
  // The reply's last line was cut unless a line break ends it (reasoning stripped or not, its end is the same).
  const cutLine = truncated && !/[\n\v\f\r\u0085\u2028\u2029]\s*$/.test(text);
  const texts =
    (reply.startsWith('{') ? readJsonAnswers(reply, count, truncated) : undefined) ??
    readLineAnswers(reply, count, cutLine);
  const answers = texts.map((answer): ParseOutcome<string | string[]> | undefined => {
    if (answer === undefined) {
      return undefined;
    }
    const outcome = options.multi === true ? parseLabelsReply(answer, matcher) : parseLabelReply(answer, matcher);
    return replyRepairs.length === 0 ? outcome : { ...outcome, repairs: [...replyRepairs, ...outcome.repairs] };
  });
  return { answers, answerTexts: texts };
}

/**
 * Answer texts from `ID: answer` lines, without the last line when it was cut off; a code seen twice is dropped
 * for good.
 */
function readLineAnswers(reply: string, count: number, cutLine: boolean): (string | undefined)[] {
  const texts = new Array<string | undefined>(count).fill(undefined);
  const seen = new Set<number>();
  const lines = reply.split(LINE_BREAK);
  for (const line of cutLine ? lines.slice(0, -1) : lines) {
    const groups = ANSWER_LINE.exec(line)?.groups;
    if (groups === undefined) {
      continue;
    }
    record(texts, seen, readCode(groups.code), (groups.answer ?? '').trim());
  }
  return texts;
}

/**
 * Where the answer of item `index` begins in a packed reply's text (after `ID:` on its line, as
 * {@link parsePackedLabelsReply} reads the lines), or `undefined` when no line answers it. Label confidence reads
 * that item's tokens from there.
 */
export function packedAnswerOffset(text: string, index: number): number | undefined {
  const breaks = new RegExp(LINE_BREAK.source, 'g');
  let start = 0;
  for (;;) {
    const found = breaks.exec(text);
    const end = found === null ? text.length : found.index;
    const groups = ANSWER_LINE.exec(text.slice(start, end))?.groups;
    if (groups !== undefined && readCode(groups.code) === index) return end - (groups.answer ?? '').length;
    if (found === null) return undefined;
    start = found.index + found[0].length;
  }
}

/**
 * Answer texts from a JSON object keyed by item code, or `undefined` when the reply is no such object. Values that
 * are not strings are passed on as JSON (a multi-label array). When truncated, the last member is dropped.
 */
function readJsonAnswers(reply: string, count: number, truncated: boolean): (string | undefined)[] | undefined {
  const parsed = parseJsonReply(reply);
  if (!parsed.ok || !isRecord(parsed.value)) {
    return undefined;
  }
  const entries = Object.entries(parsed.value).filter(([key]) => ANSWER_KEY.test(key));
  if (entries.length === 0) {
    return undefined;
  }
  const texts = new Array<string | undefined>(count).fill(undefined);
  const seen = new Set<number>();
  for (const [key, value] of truncated ? entries.slice(0, -1) : entries) {
    const index = readCode(ANSWER_KEY.exec(key)?.groups?.code);
    record(texts, seen, index, typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  }
  // JSON.parse keeps the last of a repeated key: a code written twice is a twice-answered item, as in lines.
  for (const index of repeatedCodes(reply)) {
    if (index < texts.length) {
      texts[index] = undefined;
    }
  }
  return texts;
}

/** The item indexes whose code is a key more than once among the top-level keys of the object `reply` opens with. */
function repeatedCodes(reply: string): Set<number> {
  const seen = new Set<number>();
  const repeated = new Set<number>();
  let depth = 0;
  const scanner = new JsonScanner(reply);
  while (scanner.next()) {
    const { kind, character, start, end } = scanner;
    if (kind === 'string' && depth === 1 && /^\s*:/.test(reply.slice(end, end + 16))) {
      const index = readCode(ANSWER_KEY.exec(reply.slice(start + 1, end - 1))?.groups?.code);
      if (index !== undefined) {
        if (seen.has(index)) repeated.add(index);
        seen.add(index);
      }
    } else if (kind === 'character' && (character === '{' || character === '[')) {
      depth++;
    } else if (kind === 'character' && (character === '}' || character === ']') && --depth === 0) {
      break;
    }
  }
  return repeated;
}

/** Stores an answer for item `index` (0-based) unless it is out of range; a repeated index clears it. */
function record(texts: (string | undefined)[], seen: Set<number>, index: number | undefined, answer: string): void {
  if (index === undefined || index >= texts.length) {
    return;
  }
  texts[index] = seen.has(index) ? undefined : answer;
  seen.add(index);
}

/** The item index of a code as the reply wrote it, full-width letters folded. */
function readCode(code: string | undefined): number | undefined {
  return code === undefined ? undefined : packedItemIndex(code.normalize('NFKC'));
}

/**
 * The item index a packed-request letter code stands for, the inverse of the prompt's `packedItemCode`: `A` is 0,
 * `Z` 25, `AA` 26, `CV` 99. Only 1 to 6 uppercase ASCII letters are a code; anything else is `undefined`.
 */
export function packedItemIndex(code: string): number | undefined {
  if (!CODE.test(code)) {
    return undefined;
  }
  let position = 0;
  for (let offset = 0; offset < code.length; offset += 1) {
    position = position * LETTER_COUNT + (code.charCodeAt(offset) - CODE_POINT_OF_A + 1);
  }
  return position - 1;
}
