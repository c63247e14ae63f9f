/**
 * What every reply parser shares: the answer part of a reply (reasoning stripped, a fence unwrapped), and what it
 * returns, a value with the local repairs that produced it or the issues that keep it from being valid.
 * `REPAIR_NAMES` lists every repair by name. See `docs/output-repair.md#local-repairs`.
 * @module
 */
import type { OutputIssue } from '../errors.js';
import type { Citations } from './citations.js';

/**
 * Every local repair the output pipeline can apply, by name. A successful parse lists the ones it used, in the
 * order they were applied, so callers can tell a clean reply from a mended one.
 */
export const REPAIR_NAMES = [
  /** Reasoning text (`<think>…</think>`) removed before parsing. */
  'think',
  /** The value was taken out of a Markdown code fence. */
  'fence',
  /** The value was taken out of surrounding prose. */
  'prose',
  /** Syntax mended by the `jsonrepair` package (quotes, commas, brackets, comments, ellipses …). */
  'jsonrepair',
  /** Python literals turned into JSON: `True`, `False`, `None` (in any case), single- and triple-quoted strings. */
  'python-literals',
  /** A `__proto__`, `constructor` or `prototype` key dropped. */
  'unsafe-key',
  /** A cut-off reply: the incomplete last member dropped and open brackets closed. */
  'truncation',
  /**
   * Several top-level values read as one: gathered into an array (values separated only by commas or whitespace,
   * or every value that fits an array schema's items), or identical copies of one value read once.
   */
  'multiple-values',
  /** Doubled outer braces removed (`{{"a": 1}}` → `{"a": 1}`). */
  'doubled-braces',
  /** Closing brackets mended: stray ones dropped, a wrong kind replaced, missing ones written in, an early one removed. */
  'brackets',
  /** A string value missing its opening quote, or with it typed twice, mended (`"a": word"` → `"a": "word"`). */
  'bare-values',
  /** Double quotes inside a string value escaped (`"say "hi" now"` → `"say \\"hi\\" now"`). */
  'inner-quotes',
  /** A backslash that starts no JSON escape kept as text (`"\json"` → `"\\json"`). */
  'stray-backslash',
  /** A comma repeated outside strings collapsed to one. */
  'repeated-comma',
  /** A string turned into the number the schema asks for (`"42"` → `42`). */
  'coerce-number',
  /** A string or number turned into the boolean the schema asks for (`"true"` → `true`). */
  'coerce-boolean',
  /** A value matched to an enum member ignoring case, spacing and punctuation. */
  'coerce-enum',
  /** An ISO 8601 string turned into a `Date` where the schema says `"x-coerce": "date"`. */
  'coerce-date',
  /** A number or boolean turned into the string the schema asks for. */
  'coerce-string',
  /** A `"null"`, `"none"` or empty string turned into `null` where the schema allows `null` but no string. */
  'coerce-null',
  /** A string holding JSON turned into the object or array the schema asks for. */
  'coerce-json-string',
  /** A property name matched to the schema's spelling (`First Name` → `firstName`). */
  'coerce-key',
  /** A one-element array unwrapped where the schema expects a single value. */
  'unwrap-array',
  /** A single value wrapped in an array where the schema expects an array. */
  'wrap-array',
  /** A missing nullable property set to `null`. */
  'null-default',
  /** A label read from a `{"label": …}` object. */
  'label-key',
  /** A label matched ignoring case, spacing or separators. */
  'label-case',
  /** Quotes around a label removed. */
  'label-quote',
  /** A `Label:` prefix removed. */
  'label-prefix',
  /** Punctuation around a label removed. */
  'label-punctuation',
  /** A list read from a JSON array, a comma list or bullets instead of one label per line. */
  'label-list',
  /** Full-width (CJK) punctuation read as its ASCII form. */
  'full-width',
  /** An introductory line ("Here are the key points:") dropped from a list. */
  'lines-preamble',
  /** Bullet or number markers removed from list items. */
  'lines-markers',
  /** A closing remark after a list ("Let me know if …") dropped. */
  'lines-outro',
  /** A list read from a JSON array of strings. */
  'lines-json',
  /** An introductory line ("Summary:") dropped from a text reply. */
  'text-preamble',
  /** Quotes wrapping the whole text removed. */
  'text-quotes',
] as const;

/** Name of one local repair; see `REPAIR_NAMES`. */
export type RepairName = (typeof REPAIR_NAMES)[number];

/**
 * Result of parsing or validating a reply: a value with the local repairs that produced it, or the issues that
 * keep it from being valid (with the repairs tried so far).
 */
export type ParseOutcome<T> =
  | { ok: true; value: T; repairs: RepairName[]; citations?: Citations }
  | { ok: false; issues: OutputIssue[]; repairs: RepairName[] };

/** Builds a failed outcome with one issue at the root. */
export function failure(
  message: string,
  repairs: RepairName[] = [],
): { ok: false; issues: OutputIssue[]; repairs: RepairName[] } {
  return { ok: false, issues: [{ path: [], message }], repairs };
}

/** Appends a repair name unless it is already listed. */
export function addRepair(repairs: RepairName[], repair: RepairName): void {
  if (!repairs.includes(repair)) {
    repairs.push(repair);
  }
}

/** A reply that is one code fence, with an optional language tag. */
const WHOLE_FENCE = /^`{3,}[\w+#.-]*[ \t]*\n?([\s\S]*?)\n?[ \t]*`{3,}$/;
/** Tag names that models use for the reasoning they write before an answer. */
const TAG_NAMES = '(?:think|thinking|reasoning|reflection)';
/** Any reasoning tag; a cheap pre-check so replies without one cost a single scan. */
const ANY_TAG = new RegExp(`</?${TAG_NAMES}>`, 'i');
/** An opening tag at the start of the text (after whitespace). */
const LEADING_OPENING_TAG = new RegExp(`^\\s*<${TAG_NAMES}>`, 'i');
const CLOSING_TAG = new RegExp(`</${TAG_NAMES}>`, 'i');
/** The first reasoning tag, opening or closing. */
const FIRST_TAG = new RegExp(`<(/?)${TAG_NAMES}>`, 'i');

/**
 * The part of a reply that holds the answer, for the text-based formats: reasoning stripped, trimmed, and a reply
 * that is one code fence unwrapped. Repairs made are appended to `repairs`.
 */
export function readReplyText(text: string, repairs: RepairName[]): string {
  const thinking = stripThinking(text);
  if (thinking.stripped) {
    repairs.push('think');
  }
  let reply = thinking.text.trim();
  const fenced = stripCodeFence(reply);
  if (fenced !== undefined) {
    repairs.push('fence');
    reply = fenced;
  }
  return reply;
}

/**
 * The content of a reply that is a single Markdown code fence (trimmed), or `undefined` when it is not one. An
 * opening fence whose closing fence was cut off counts too.
 */
function stripCodeFence(text: string): string | undefined {
  const whole = WHOLE_FENCE.exec(text);
  if (whole !== null) {
    return (whole[1] ?? '').trim();
  }
  const opened = /^`{3,}[\w+#.-]*[ \t]*\n([\s\S]*)$/.exec(text);
  return opened !== null && !opened[1]?.includes('```') ? (opened[1] ?? '').trim() : undefined;
}

/**
 * Removes reasoning from a reply: leading `<think>…</think>` blocks (also `thinking`, `reasoning`, `reflection`), a
 * leading block never closed (the text becomes empty), and everything up to a `</think>` whose opening tag was in
 * the prompt (Qwen3 chat templates add it).
 */
export function stripThinking(text: string): { text: string; stripped: boolean } {
  if (!text.includes('<') || !ANY_TAG.test(text)) {
    return { text, stripped: false };
  }
  let rest = text;
  const first = FIRST_TAG.exec(rest);
  if (first !== null && first[1] === '/') {
    rest = rest.slice(first.index + first[0].length);
  }
  for (let opening = LEADING_OPENING_TAG.exec(rest); opening !== null; opening = LEADING_OPENING_TAG.exec(rest)) {
    const afterOpening = rest.slice(opening[0].length);
    const closing = CLOSING_TAG.exec(afterOpening);
    if (closing === null) {
      return { text: '', stripped: true };
    }
    rest = afterOpening.slice(closing.index + closing[0].length);
  }
  return rest === text ? { text, stripped: false } : { text: rest.trimStart(), stripped: true };
}
