import type { Dispatcher } from 'undici';
import type { Clock, PriceTier, Provider } from '../types.js';

/** What every Batch API call needs from its client. @internal */
export interface BatchApiContext {
  provider: Provider;
  /** The client's base URL, without a trailing slash. */
  baseURL: string;
  /** The client's headers (authentication included) without `content-type`, which each call sets. */
  headers: Record<string, string>;
  dispatcher: Dispatcher;
  /** Longest wait for the response headers, and longest silence while a body is arriving. */
  timeoutMs: number;
  maxRetries: number;
  /** Largest JSON reply accepted; file downloads are streamed and not bounded by it. */
  maxResponseBytes: number;
  /** The client's price table (online prices). */
  prices: readonly PriceTier[];
  clock: Clock;
  random: () => number;
}
