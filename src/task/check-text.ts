import { InputError } from '../errors/index.js';
import { estimateTokens } from '../prompt/index.js';

/** qwen-flash's largest input, in tokens. */
export const MAX_INPUT_TOKENS = 997_952;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks an input text before anything is sent: a non-blank string of valid UTF-16 that fits the model's input
 * limit together with `overheadTokens` (the system message). Returns the text's estimated tokens. @internal
 */
export function checkText(text: unknown, overheadTokens = 0, path = 'text'): number {
  if (typeof text !== 'string') throw new InputError(`${path} must be a string, got ${describe(text)}`, { path });
  if (text.trim() === '') throw new InputError(`${path} is empty or only whitespace`, { path });
  if (LONE_SURROGATE.test(text)) {
    throw new InputError(`${path} is not valid Unicode: it contains a lone surrogate (broken UTF-16)`, { path });
  }
  const tokens = estimateTokens(text);
  if (tokens + overheadTokens > MAX_INPUT_TOKENS) {
    throw new InputError(
      `${path} is too long: about ${tokens + overheadTokens} tokens, over qwen-flash's input limit of ${MAX_INPUT_TOKENS}`,
      { path },
    );
  }
  return tokens;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
