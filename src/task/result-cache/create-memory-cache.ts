import { InputError } from '../../errors.js';
import type { CachedEntry, ResultCache } from './result-cache.js';

/**
 * A {@link ResultCache} in memory, least recently used entries evicted beyond `maxEntries`. Entries are kept as
 * JSON text, so they behave exactly like entries read back from disk (and cannot be changed through a returned
 * object). For tests, and for one process that sees the same inputs again.
 *
 * @param maxEntries - Entries kept (a positive whole number). @defaultValue 10000
 * @example
 * ```ts
 * const cache = createMemoryCache(1_000);
 * await runTask(sentiment, review, { cache });
 * ```
 */
export function createMemoryCache(maxEntries = 10_000): ResultCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new InputError(`maxEntries must be a positive whole number, got ${String(maxEntries)}`, {
      path: 'maxEntries',
    });
  }
  const entries = new Map<string, string>();
  return {
    get(key) {
      const stored = entries.get(key);
      if (stored === undefined) return undefined;
      entries.delete(key);
      entries.set(key, stored);
      return JSON.parse(stored) as CachedEntry;
    },
    set(key, entry) {
      const { value, raw, finishReason, createdAt } = entry;
      const stored = JSON.stringify({ value, raw, finishReason, createdAt });
      entries.delete(key);
      entries.set(key, stored);
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
  };
}
