import { checkPositiveInteger } from './check-positive-integer.js';

/** Options of {@link textInstruction}. */
export interface TextInstructionOptions {
  /** Most words the reply may have. */
  maxWords?: number;
}

/**
 * The format part of a system message for plain text: `Reply with plain text, at most 80 words.`
 *
 * @example
 * ```ts
 * textInstruction({ maxWords: 80 }); // 'Reply with plain text, at most 80 words.'
 * ```
 */
export function textInstruction(options: TextInstructionOptions = {}): string {
  checkPositiveInteger(options.maxWords, 'maxWords');
  if (options.maxWords === undefined) return 'Reply with plain text.';
  return `Reply with plain text, at most ${options.maxWords} ${options.maxWords === 1 ? 'word' : 'words'}.`;
}
