import type { LabelInstructionOptions } from './label-instruction.js';
import { renderLabelList } from './render-label-list.js';

/**
 * The format part of a system message that classifies several short texts in one request (see
 * {@link buildPackedUserMessage} for the user message, where each text is led by its letter code, and the threat
 * model). The reply is one `ID: label` line per text (`A: positive`; multi: `A: ["a","b"]`, `[]` if none): about
 * three tokens an item, as cheap as a JSON object and more robust, since a cut-off reply still holds its complete
 * lines and each answer names its item. The number of items is not part of it, so the system message stays the
 * same (and cacheable) for every pack.
 *
 * @example
 * ```ts
 * packedLabelInstruction({ labels: ['positive', 'negative', 'neutral'] });
 * // 'Classify each text as "positive", "negative" or "neutral". Reply with one "ID: label" line per text.'
 * ```
 */
export function packedLabelInstruction(options: LabelInstructionOptions): string {
  const multi = options.multi === true;
  const list = renderLabelList(options);
  if (multi) {
    const reply = 'Reply with one "ID: JSON array" line per text, [] if none.';
    return list.inline
      ? `Classify each text with every label that applies: ${list.text}. ${reply}`
      : `Classify each text with every label that applies:\n${list.text}\n${reply}`;
  }
  const reply = 'Reply with one "ID: label" line per text.';
  return list.inline
    ? `Classify each text as ${list.text}. ${reply}`
    : `Classify each text as one of:\n${list.text}\n${reply}`;
}
