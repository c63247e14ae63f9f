/**
 * Label confidence from token log-probabilities: `readLabelConfidence` reads how probable each label of a label task
 * was at the place the reply names its label, from the tokens and alternatives an OpenAI-compatible server returns
 * (`choices[0].logprobs.content`). No tokenizer is needed: only the token strings are compared with the labels. See
 * `docs/prompting.md#label-confidence`.
 * @module
 */
import { spellLabel } from './labels.js';
import { stripThinking } from './outcome.js';

/** One generated token with its alternatives, as the client reads them from the reply. */
export interface TokenLogprob {
  /** The token's text; the reply's content is the concatenation of the tokens. */
  token: string;
  /** Natural log of the token's probability, given the tokens before it. */
  logprob: number;
  /** The most probable tokens at this position (the chosen one usually among them), given the tokens before it. */
  top: readonly { token: string; logprob: number }[];
}

/** The probabilities of the labels: `scores` sums to 1 over the labels; `confidence` is the chosen label's. */
export interface LabelConfidence {
  /** The label the parser chose. */
  label: string;
  /** `scores[label]`. */
  confidence: number;
  /** Every label's probability, given that the reply names one of the labels; labels never seen get 0. */
  scores: Record<string, number>;
}

/** Leading characters a label may be wrapped in or preceded by: spaces, quotes, `*`, brackets, `:` … */
const LEADING_NON_WORD = /^[^\p{L}\p{N}]+/u;
/** A character that continues a word, so a label followed by it is not the label (as the label parser's pattern). */
const ASCII_WORD = /[A-Za-z0-9]/;

/** What a piece of text reads as: one label, several still possible (`ambiguous`), or none (`undefined`). */
type Reading = { label: string } | 'ambiguous' | undefined;

interface LabelKey {
  label: string;
  key: string;
}

/**
 * Reads spelled text against the labels: it identifies a label when it is the beginning of exactly one label's
 * spelling, or when it runs past the end of labels at a word boundary (`positive.`, `positive\nB`) and is the
 * beginning of none (the longest such label, as the parser's longest-first mention pattern). `ended`: no text
 * follows, so text that is a whole label (`spam` with `spam` and `spam-high`) reads as that label.
 */
function identify(spelled: string, keys: readonly LabelKey[], ended: boolean): Reading {
  if (spelled === '') return undefined;
  const beginnings = keys.filter(({ key }) => key.startsWith(spelled));
  const passed = keys.filter(
    ({ key }) => spelled.length > key.length && spelled.startsWith(key) && !ASCII_WORD.test(spelled.charAt(key.length)),
  );
  if (beginnings.length === 1 && passed.length === 0) return { label: beginnings[0]!.label };
  if (beginnings.length === 0 && passed.length === 0) return undefined;
  const complete = beginnings.length === 0 || ended ? [...passed, ...keys.filter(({ key }) => key === spelled)] : [];
  const longest = Math.max(-1, ...complete.map(({ key }) => key.length));
  const winners = complete.filter(({ key }) => key.length === longest);
  return winners.length === 1 ? { label: winners[0]!.label } : 'ambiguous';
}

/** The listed alternatives at a position other than the chosen token (taken out of `top` once). */
function alternativesAt(entry: TokenLogprob): { token: string; logprob: number }[] {
  const others = [...entry.top];
  const own = others.findIndex((alternative) => alternative.token === entry.token);
  if (own >= 0) others.splice(own, 1);
  return others;
}

/** log(Σ exp(terms)), without underflow; -Infinity for no terms. */
function logSumExp(terms: readonly number[]): number {
  const max = Math.max(-Infinity, ...terms);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(terms.reduce((sum, term) => sum + Math.exp(term - max), 0));
}

/**
 * The first position, from `first`, whose token (its part from `begin`, leading quotes, spaces and the like skipped)
 * begins spelling the label and from which `content` (the tokens joined, each at its offset in `offsets`) goes on to
 * spell it whole, up to a word boundary; -1 if none.
 */
function labelPosition(
  tokens: readonly TokenLogprob[],
  content: string,
  offsets: readonly number[],
  begin: number,
  first: number,
  label: LabelKey,
): number {
  if (label.key === '') return -1;
  for (let position = first; position < tokens.length; position++) {
    const cut = Math.max(0, begin - offsets[position]!);
    const part = tokens[position]!.token.slice(cut);
    const word = part.replace(LEADING_NON_WORD, '');
    if (word === '' || identify(spellLabel(word), [label], false) === undefined) continue;
    const from = offsets[position]! + cut + part.length - word.length;
    // A label spelled out may be longer than its key (separator runs) or shorter (ligatures): a generous window.
    const rest = spellLabel(content.slice(from, from + 4 * label.key.length + 64));
    if (rest.startsWith(label.key) && !ASCII_WORD.test(rest.charAt(label.key.length))) return position;
  }
  return -1;
}

/**
 * Reads the labels probabilities for the label the parser chose, whose text starts at character `start` of the
 * reply content (the content is the concatenation of the tokens; `start` lets a packed reply's item line be read).
 * Without `start`, the search starts after any leading reasoning (`<think>…</think>`). Returns `{ reason }` instead
 * of a number whenever a sound probability cannot be read: no tokens, the chosen label not found, no alternatives at
 * its token, or more probability on alternatives that cannot be told apart than on those that can.
 *
 * The label's position is the first token that begins spelling the chosen label (after leading quotes, spaces and
 * similar) from which the content goes on to spell it whole. Every alternative at that position, and at each token of
 * the lead-in before it (weighted by the lead-in's probability so far), counts for the label it begins; an ambiguous
 * chosen token (`pos` for `positive`/`postal`) is split by the alternatives at the next token.
 */
export function readLabelConfidence(
  tokens: readonly TokenLogprob[],
  labels: readonly string[],
  chosen: string,
  start?: number,
): LabelConfidence | { reason: string } {
  if (tokens.length === 0) return { reason: 'The reply carries no token log-probabilities.' };
  if (!labels.includes(chosen)) return { reason: `"${chosen}" is not one of the labels.` };
  if (tokens.some((entry) => Number.isNaN(entry.logprob) || entry.top.some((top) => Number.isNaN(top.logprob)))) {
    return { reason: 'The reply carries a log-probability that is not a number.' };
  }
  const spelledLabels = [...new Set(labels)].map((label) => ({
    label,
    key: spellLabel(label.trim()).replace(LEADING_NON_WORD, ''),
  }));
  const chosenKey = spelledLabels.find((entry) => entry.label === chosen)!.key;
  // A label with no letter or digit (`???`) is never named by a token.
  const keys: LabelKey[] = spelledLabels.filter(({ key }) => key !== '');
  const content = tokens.map((entry) => entry.token).join('');
  const offsets: number[] = [];
  let end = 0;
  for (const entry of tokens) {
    offsets.push(end);
    end += entry.token.length;
  }
  const begin = start ?? content.length - stripThinking(content).text.length;

  const first = offsets.findIndex((offset, position) => offset + tokens[position]!.token.length > begin);
  const k = first < 0 ? -1 : labelPosition(tokens, content, offsets, begin, first, { label: chosen, key: chosenKey });
  if (k < 0) {
    return {
      reason: `The label "${chosen}" is not spelled out in the reply's tokens${start ? ` after ${start}` : ''}.`,
    };
  }

  /** The text of an alternative at `position` that can be compared with the labels: its part from `begin`. */
  const compared = (position: number, alternative: string): string | undefined => {
    const before = tokens[position]!.token.slice(0, Math.max(0, begin - offsets[position]!));
    if (before === '' || alternative.startsWith(before)) return alternative.slice(before.length);
    // The alternative also replaces text before `begin`: comparable only when that text is a lead-in (`: `, ` `).
    return LEADING_NON_WORD.exec(before)?.[0] === before ? alternative : undefined;
  };
  const mass = new Map<string, number[]>(labels.map((label) => [label, []]));
  const unresolved: number[] = [];
  const count = (reading: Reading, logWeight: number): void => {
    if (reading === 'ambiguous') unresolved.push(logWeight);
    else if (reading !== undefined) mass.get(reading.label)!.push(logWeight);
  };
  /** Counts what the listed alternatives leave unlisted at a label position: it may be any label. */
  const countUnlisted = (logWeight: number, entry: TokenLogprob): void => {
    const listed = [entry.logprob, ...alternativesAt(entry).map((top) => top.logprob)];
    const rest = 1 - listed.reduce((sum, logprob) => sum + Math.exp(logprob), 0);
    if (rest > 0) unresolved.push(logWeight + Math.log(rest));
  };

  // The lead-in and the label's first token: the model could have begun a label at any of them.
  let logPath = 0;
  for (let position = first; position <= k; position++) {
    for (const alternative of alternativesAt(tokens[position]!)) {
      const text = compared(position, alternative.token);
      if (text !== undefined)
        count(identify(spellLabel(text.replace(LEADING_NON_WORD, '')), keys, false), logPath + alternative.logprob);
    }
    if (position < k) logPath += tokens[position]!.logprob;
  }
  if (alternativesAt(tokens[k]!).length === 0) {
    return { reason: `The reply lists no alternatives at the label's token; ask for top_logprobs (5 is enough).` };
  }
  countUnlisted(logPath, tokens[k]!);

  // The chosen path from the label's first token: while it could still be several labels, the alternatives at the
  // next token (given the chosen one) split its probability; an ambiguous alternative not taken cannot be split.
  const cut = Math.max(0, begin - offsets[k]!);
  let spelled = tokens[k]!.token.slice(cut).replace(LEADING_NON_WORD, '');
  let logWeight = logPath + tokens[k]!.logprob;
  let endsAmbiguous = false;
  for (let position = k; ; position++) {
    const next = tokens[position + 1];
    const reading = identify(spellLabel(spelled), keys, next === undefined);
    if (reading !== 'ambiguous' || next === undefined) {
      count(reading, logWeight);
      endsAmbiguous = reading === 'ambiguous';
      break;
    }
    for (const alternative of alternativesAt(next)) {
      count(identify(spellLabel(spelled + alternative.token), keys, false), logWeight + alternative.logprob);
    }
    countUnlisted(logWeight, next);
    spelled += next.token;
    logWeight += next.logprob;
  }

  const logMass = new Map([...mass].map(([label, terms]) => [label, logSumExp(terms)]));
  const logResolved = logSumExp([...logMass.values()]);
  const logUnresolved = logSumExp(unresolved);
  if (logMass.get(chosen) === -Infinity) {
    const why = endsAmbiguous ? 'its tokens could still be another label where the reply ends' : 'no token reads as it';
    return { reason: `No probability reads as the label "${chosen}": ${why}.` };
  }
  if (logUnresolved > logResolved) {
    const share = Math.round(100 / (1 + Math.exp(logResolved - logUnresolved)));
    return {
      reason: `${share}% of the probability is on tokens that begin several labels (or are not listed), more than on tokens that name one label.`,
    };
  }
  const scores: Record<string, number> = {};
  for (const label of labels) scores[label] = Math.exp(logMass.get(label)! - logResolved);
  return { label: chosen, confidence: scores[chosen]!, scores };
}
