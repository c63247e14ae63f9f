import { CLIENT_DEFAULTS } from './resolve-client-config.js';

/** Extra time the default timeout gives per block of input tokens. */
const EXTRA_MS_PER_BLOCK = 1_000;
const TOKENS_PER_BLOCK = 10_000;

/**
 * The per-attempt timeout when none is configured: 60 s plus 1 s per 10,000 estimated input tokens, so a
 * 900k-token input gets 150 s.
 * @internal
 */
export function defaultTimeoutMs(estimatedInputTokens: number): number {
  return CLIENT_DEFAULTS.timeoutMs + Math.floor(estimatedInputTokens / TOKENS_PER_BLOCK) * EXTRA_MS_PER_BLOCK;
}
