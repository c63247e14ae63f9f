import { jsonrepair } from 'jsonrepair';
import { balanceClosers } from './balance-closers.js';
import { collapseRepeatedCommas } from './collapse-repeated-commas.js';
import { escapeInnerQuotes } from './escape-inner-quotes.js';
import { escapeStrayBackslashes } from './escape-stray-backslashes.js';
import { parseJsonSafely } from './parse-json-safely.js';
import { quoteBareValues } from './quote-bare-values.js';
import type { RepairName } from './repair-name.js';
import { replacePythonLiterals } from './replace-python-literals.js';
import { trimTruncatedJson } from './trim-truncated-json.js';

/** A candidate text parsed, with how much mending it took. @internal */
export type CandidateOutcome =
  | { ok: true; value: unknown; repairs: RepairName[]; strict: boolean }
  | { ok: false; message: string };

/** Local pre-passes, in order: each mends one kind of defect and returns its input when it finds none. */
const PRE_PASSES: readonly [RepairName, (text: string) => string][] = [
  ['python-literals', replacePythonLiterals],
  ['bare-values', quoteBareValues],
  ['inner-quotes', escapeInnerQuotes],
  ['stray-backslash', escapeStrayBackslashes],
  ['repeated-comma', collapseRepeatedCommas],
  ['brackets', balanceClosers],
];

/**
 * Parses one candidate JSON text, mending only as much as needed: `JSON.parse` as is; then after the local
 * pre-passes (`PRE_PASSES`); then through `jsonrepair`; finally `jsonrepair` on the text as it came, in case
 * a pre-pass misread it. A text whose scan ran
 * to the end (`truncated`) is first completed (`trimTruncatedJson`) when its brackets, counted without
 * regard to quotes, are still open; when they balance, a stray quote is the likelier defect and the text is read
 * as complete first. Unsafe keys are dropped at every step. @internal
 */
export function parseJsonCandidate(text: string, truncated: boolean): CandidateOutcome {
  if (!truncated) {
    return parseComplete(text, []);
  }
  const cutOffFirst = bracketsStayOpen(text);
  const first = cutOffFirst ? parseComplete(trimTruncatedJson(text), ['truncation']) : parseComplete(text, []);
  if (first.ok) {
    return first;
  }
  const second = cutOffFirst ? parseComplete(text, []) : parseComplete(trimTruncatedJson(text), ['truncation']);
  return second.ok ? second : first;
}

function parseComplete(text: string, repairsSoFar: readonly RepairName[]): CandidateOutcome {
  const strict = tryParse(text, [...repairsSoFar]);
  if (strict !== undefined) {
    return { ...strict, strict: repairsSoFar.length === 0 };
  }
  const repairs = [...repairsSoFar];
  let work = text;
  for (const [name, prePass] of PRE_PASSES) {
    const mended = prePass(work);
    if (mended !== work) {
      work = mended;
      repairs.push(name);
    }
  }
  if (work !== text) {
    const parsed = tryParse(work, repairs);
    if (parsed !== undefined) {
      return { ...parsed, strict: false };
    }
  }
  const repaired = tryRepair(work, [...repairs, 'jsonrepair']);
  if (repaired.ok || work === text) {
    return repaired;
  }
  const plain = tryRepair(text, [...repairsSoFar, 'jsonrepair']);
  return plain.ok ? plain : repaired;
}

/** Whether more brackets open than close, counting every bracket character (quotes ignored). */
function bracketsStayOpen(text: string): boolean {
  let depth = 0;
  for (const character of text) {
    if (character === '{' || character === '[') {
      depth++;
    } else if (character === '}' || character === ']') {
      depth--;
    }
  }
  return depth > 0;
}

function tryRepair(text: string, repairs: RepairName[]): CandidateOutcome {
  let repairedText: string;
  try {
    repairedText = jsonrepair(text);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const parsed = tryParse(repairedText, repairs);
  return parsed === undefined
    ? { ok: false, message: 'jsonrepair produced text that is not JSON' }
    : { ...parsed, strict: false };
}

function tryParse(
  text: string,
  repairs: RepairName[],
): { ok: true; value: unknown; repairs: RepairName[] } | undefined {
  try {
    const { value, droppedUnsafeKey } = parseJsonSafely(text);
    return { ok: true, value, repairs: droppedUnsafeKey ? [...repairs, 'unsafe-key'] : repairs };
  } catch {
    return undefined;
  }
}
