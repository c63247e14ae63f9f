import type { Provider, RateLimit } from './types.js';

/** qwen-flash's published limits (qwen-api.md): per account and model, DashScope's also enforced per second. */
const SINGAPORE: RateLimit = Object.freeze({ requestsPerMinute: 600, tokensPerMinute: 5_000_000, perSecond: true });
const BEIJING: RateLimit = Object.freeze({ requestsPerMinute: 30_000, tokensPerMinute: 10_000_000, perSecond: true });
/** Segmind's Pro plan (the free plan allows 5 a minute). */
const SEGMIND: RateLimit = Object.freeze({ requestsPerMinute: 50 });

/**
 * The client-side rate limit of a client whose options set none and whose base URL is on its provider's own hosts
 * (any other server, such as a proxy, a gateway or a local one, has limits of its own and gets none): qwen-flash's
 * published limits. Beijing (`dashscope.aliyuncs.com`, workspace domains in `cn-beijing`) gets Beijing's; every other
 * DashScope host (Singapore, US, Hong Kong, other workspace domains) gets Singapore's, the lowest published, since
 * none is published for the US and Hong Kong. Segmind gets its Pro plan's 50 requests a minute. @internal
 */
export function defaultRateLimit(provider: Provider, host: string): RateLimit | undefined {
  if (provider === 'segmind') return SEGMIND;
  if (provider !== 'dashscope') return undefined;
  if (host === 'dashscope.aliyuncs.com' || host.endsWith('.cn-beijing.maas.aliyuncs.com')) return BEIJING;
  return SINGAPORE;
}
