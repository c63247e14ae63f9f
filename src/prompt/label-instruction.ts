import { renderLabelList } from './render-label-list.js';

/** Options of {@link labelInstruction}. */
export interface LabelInstructionOptions {
  /** The label names, in the order shown to the model. */
  labels: readonly string[];
  /** Optional label → description; each described label gets its own line. */
  descriptions?: Readonly<Record<string, string>>;
  /** Ask for every label that applies (a JSON array) instead of exactly one. @defaultValue false */
  multi?: boolean;
}

/**
 * The whole format part of a classify system message. Labels are quoted, so a text cannot add to the set.
 *
 * - one label: `Classify the text. Reply only with "a", "b" or "c".`
 * - with descriptions: `Classify the text. Reply with one label only:` and one `"label": description` line each;
 * - multi: every label that applies, as a JSON array, `[]` if none. A JSON array costs the same prompt tokens as a
 *   comma list and two more reply tokens (the brackets), and buys an explicit empty answer and labels that may
 *   contain commas or spaces.
 *
 * @example
 * ```ts
 * labelInstruction({ labels: ['positive', 'negative', 'neutral'] });
 * // 'Classify the text. Reply only with "positive", "negative" or "neutral".'
 * ```
 */
export function labelInstruction(options: LabelInstructionOptions): string {
  const multi = options.multi === true;
  const list = renderLabelList(options);
  if (multi) {
    const reply = 'Reply with a JSON array, [] if none.';
    return list.inline
      ? `Classify the text with every label that applies: ${list.text}. ${reply}`
      : `Classify the text with every label that applies:\n${list.text}\n${reply}`;
  }
  return list.inline
    ? `Classify the text. Reply only with ${list.text}.`
    : `Classify the text. Reply with one label only:\n${list.text}`;
}
