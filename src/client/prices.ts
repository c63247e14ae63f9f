import type { PriceTier } from './types.js';

/**
 * International qwen-flash prices in USD per million tokens, one tier per input size of a request.
 * Cached input tokens cost 20% of the input price (see `cachedInputPerMillion`).
 * Source: the public LiteLLM price map, as collected in the project's wire contract.
 */
export const QWEN_FLASH_PRICES: readonly PriceTier[] = Object.freeze([
  Object.freeze({ maxInputTokens: 256_000, inputPerMillion: 0.05, outputPerMillion: 0.4 }),
  Object.freeze({ maxInputTokens: 1_000_000, inputPerMillion: 0.25, outputPerMillion: 2.0 }),
]);

/** Share of the input price charged for cached input tokens, when a tier does not say. */
export const CACHED_INPUT_PRICE_SHARE = 0.2;
