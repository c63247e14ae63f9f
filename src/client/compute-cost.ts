import { CACHED_INPUT_PRICE_SHARE } from './prices.js';
import type { PriceTier, Usage } from './types.js';

const TOKENS_PER_MILLION = 1_000_000;

/**
 * Estimated cost in USD of one call: the tier is chosen by the request's input tokens (the last tier when the input
 * is larger than every tier); cached input tokens are billed at the tier's cache price.
 * @internal
 */
export function computeCostUsd(usage: Usage, prices: readonly PriceTier[]): number {
  const tier = prices.find((candidate) => usage.promptTokens <= candidate.maxInputTokens) ?? prices.at(-1);
  if (tier === undefined) return 0;
  const cachedTokens = Math.min(usage.cachedTokens, usage.promptTokens);
  const cachedPrice = tier.cachedInputPerMillion ?? tier.inputPerMillion * CACHED_INPUT_PRICE_SHARE;
  const inputCost = (usage.promptTokens - cachedTokens) * tier.inputPerMillion + cachedTokens * cachedPrice;
  return (inputCost + usage.completionTokens * tier.outputPerMillion) / TOKENS_PER_MILLION;
}
