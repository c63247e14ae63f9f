import { InputError } from '../errors.js';
import type { LabelInstructionOptions } from './label-instruction.js';

/**
 * The labels of a classify prompt, quoted (JSON string syntax) so that no label text can blend into the
 * instruction around it. Without descriptions: an inline list, `"a", "b" or "c"` (multi: `"a", "b", "c"`, since
 * several may apply). With descriptions: one line per label, `"bug": something broken` (a label without a
 * description stands alone on its line).
 * Throws an {@link InputError} for an empty list, an empty or duplicate label, or a label with a line break.
 * @internal
 */
export function renderLabelList(options: LabelInstructionOptions): { inline: boolean; text: string } {
  const { labels, descriptions, multi } = options;
  checkLabels(labels);
  const described = descriptions !== undefined && labels.some((label) => oneLine(descriptions[label] ?? '') !== '');
  if (described) {
    const lines = labels.map((label) => {
      const description = oneLine(Object.hasOwn(descriptions, label) ? (descriptions[label] ?? '') : '');
      return description === '' ? JSON.stringify(label) : `${JSON.stringify(label)}: ${description}`;
    });
    return { inline: false, text: lines.join('\n') };
  }
  const quoted = labels.map((label) => JSON.stringify(label));
  const last = quoted.pop() ?? '';
  if (quoted.length === 0) return { inline: true, text: last };
  return {
    inline: true,
    text: multi === true ? [...quoted, last].join(', ') : `${quoted.join(', ')} or ${last}`,
  };
}

function checkLabels(labels: readonly string[]): void {
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new InputError('Labels must be a non-empty list of strings', { path: 'labels' });
  }
  const seen = new Set<string>();
  labels.forEach((label, index) => {
    const path = `labels[${index}]`;
    if (typeof label !== 'string' || label.trim() === '')
      throw new InputError('A label must be a non-empty string', { path });
    if (/[\r\n\u2028\u2029]/.test(label)) throw new InputError('A label must not contain a line break', { path });
    if (seen.has(label)) throw new InputError(`Duplicate label ${JSON.stringify(label)}`, { path });
    seen.add(label);
  });
}

/** Collapses whitespace (line breaks included) so that a description stays on its label's line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
