import { InputError } from '../errors.js';
import { estimateTokens } from '../prompt/index.js';

/** qwen-flash's largest input, in tokens. */
export const MAX_INPUT_TOKENS = 997_952;

/**
 * The most tokens {@link estimateTokens} gives one UTF-16 code unit (a non-ASCII symbol: 1.2), so a text of
 * `length × 1.2` tokens or fewer fits without estimating it.
 */
const MAX_TOKENS_PER_CODE_UNIT = 1.2;
const NOT_WHITESPACE = /\S/;

/**
 * Checks an input text before anything is sent: a non-blank string of valid UTF-16 that fits the model's input
 * limit together with `overheadTokens` (the system message). Short texts (the common case) fit by their length
 * alone and are not estimated. @internal
 */
export function checkText(text: unknown, overheadTokens = 0, path = 'text'): void {
  if (typeof text !== 'string') throw new InputError(`${path} must be a string, got ${describe(text)}`, { path });
  if (!NOT_WHITESPACE.test(text)) throw new InputError(`${path} is empty or only whitespace`, { path });
  if (!text.isWellFormed()) {
    throw new InputError(`${path} is not valid Unicode: it contains a lone surrogate (broken UTF-16)`, { path });
  }
  if (text.length * MAX_TOKENS_PER_CODE_UNIT + overheadTokens <= MAX_INPUT_TOKENS) return;
  const tokens = estimateTokens(text);
  if (tokens + overheadTokens > MAX_INPUT_TOKENS) {
    throw new InputError(
      `${path} is too long: about ${tokens + overheadTokens} tokens, over qwen-flash's input limit of ${MAX_INPUT_TOKENS}`,
      { path },
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
