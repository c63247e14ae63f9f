import { checkPositiveInteger } from './check-positive-integer.js';

/** Options of {@link linesInstruction}. */
export interface LinesInstructionOptions {
  /** Most bullet points the reply may have. */
  maxItems?: number;
}

/**
 * The format part of a system message for a bullet list: `Reply with at most 5 bullet points, one per line.`
 *
 * @example
 * ```ts
 * linesInstruction({ maxItems: 5 }); // 'Reply with at most 5 bullet points, one per line.'
 * ```
 */
export function linesInstruction(options: LinesInstructionOptions = {}): string {
  checkPositiveInteger(options.maxItems, 'maxItems');
  if (options.maxItems === undefined) return 'Reply with bullet points, one per line.';
  if (options.maxItems === 1) return 'Reply with one bullet point.';
  return `Reply with at most ${options.maxItems} bullet points, one per line.`;
}
