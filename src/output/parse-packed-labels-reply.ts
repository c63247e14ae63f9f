import { InputError } from '../errors.js';
import { createLabelMatcher, type LabelMatcher } from './create-label-matcher.js';
import { packedItemIndex } from './packed-item-index.js';
import { parseJsonReply } from './parse-json-reply.js';
import { parseLabelReply } from './parse-label-reply.js';
import { parseLabelsReply } from './parse-labels-reply.js';
import type { ParseOutcome } from './parse-outcome.js';
import type { RepairName } from './repair-name.js';
import { stripCodeFence } from './strip-code-fence.js';
import { stripThinking } from './strip-thinking.js';

/** Options of {@link parsePackedLabelsReply}. */
export interface PackedLabelsReplyOptions {
  /**
   * Each answer is a list of labels (read with `parseLabelsReply`) instead of one (`parseLabelReply`).
   * @defaultValue false
   */
  multi?: boolean;
  /**
   * The reply was cut off (`finish_reason: "length"`): its last line, when no line break ends it, is dropped (and
   * the last member of a JSON object), since it may hold half an answer. @defaultValue false
   */
  truncated?: boolean;
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

/**
 * Reads the reply to a packed classification request (see the prompt module's `packedLabelInstruction` and
 * `buildPackedUserMessage`): one `ID: label` line per item, the ID being the item's letter code (`A` for the first
 * item, `Z`, then `AA`, `AB` …; see {@link packedItemIndex}). Accepted line forms: `A: positive`, `A. positive`,
 * `A) positive`, `(A) positive`, `[A] positive`, `A - positive`, `**A.** positive`, `- A: positive`,
 * `Text A: positive`, `Item A: positive`, full-width colons and letters (`Ａ：positive`); also a JSON object
 * `{"A": "positive", "B": "negative"}`. Reasoning is stripped first and a reply that is one code fence unwrapped.
 * A code must be followed by a separator, so lines of any other form (a preamble such as "A few notes:", a closing
 * remark, a numbered `1: positive` line) are ignored.
 *
 * Each answer then goes through the single-item pipeline, `parseLabelReply` (or `parseLabelsReply` with `multi`),
 * so it is accepted or rejected exactly as a one-item reply would be: negations, several labels where one is
 * asked, and no label at all are failures. Whatever else the reply holds, an answer can only be one of `labels`
 * and can only land on one of the `count` items; a code beyond them is ignored and a code given twice leaves its
 * item without an answer (`undefined`), since the reply cannot say which line was meant.
 * The caller retries every item whose answer is `undefined` or failed on its own.
 *
 * @example
 * ```ts
 * parsePackedLabelsReply('Here you go:\nA: positive\nB. Negative\nD: positive', ['positive', 'negative'], 3);
 * // answers: [{ ok: true, value: 'positive', … }, { ok: true, value: 'negative', repairs: ['label-case'] },
 * //           undefined]
 * ```
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
  const matcher = 'match' in labels ? labels : createLabelMatcher(labels);
  const truncated = options.truncated === true;
  const replyRepairs: RepairName[] = [];
  const thinking = stripThinking(text);
  if (thinking.stripped) {
    replyRepairs.push('think');
  }
  let reply = thinking.text.trim();
  const fenced = stripCodeFence(reply);
  if (fenced !== undefined) {
    replyRepairs.push('fence');
    reply = fenced;
  }
  const cutLine = truncated && !/[\n\v\f\r\u0085\u2028\u2029]\s*$/.test(thinking.text);
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
 * Answer texts from a JSON object keyed by item code, or `undefined` when the reply is no such object. Values that
 * are not strings are passed on as JSON (a multi-label array). When truncated, the last member is dropped.
 */
function readJsonAnswers(reply: string, count: number, truncated: boolean): (string | undefined)[] | undefined {
  const parsed = parseJsonReply(reply);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
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
  return texts;
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
