/**
 * One stored result: enough to rebuild the value without a call. `value` is informational (it must survive
 * `JSON.stringify`); on a hit the library re-parses `raw` with the task's own parser and validator, so a zod task
 * gets its `Date`s and transforms back, and an entry that no longer parses counts as a miss.
 */
export interface CachedEntry {
  /** The value as JSON would carry it. */
  value: unknown;
  /** Raw reply text the value came from (for a packed item, its answer text). */
  raw: string;
  /** `finish_reason` of the reply the value came from. */
  finishReason: string;
  /** When the entry was stored, ISO 8601. */
  createdAt: string;
}

/**
 * Where results are kept between calls: the built-in {@link createFileCache} and {@link createMemoryCache}, or any
 * store with these two methods (Redis, a database…). Keys come from {@link cacheKey}: 64 hex characters.
 *
 * A `get` that throws or rejects counts as a miss, and a `set` that throws is ignored: a cache can save calls, never
 * fail one.
 *
 * Caching assumes the task is deterministic enough that one valid answer is as good as another. The key includes
 * the temperature, so a task at temperature 0.7 gets its own entries, but an entry is then reused as is rather than
 * sampled again.
 *
 * @example
 * ```ts
 * const cache = createFileCache('.qwen-cache');
 * await runTask(sentiment, review, { cache }); // calls the model and stores the result
 * await runTask(sentiment, review, { cache }); // { cached: true, calls: 0, costUsd: 0, … }, no request
 * ```
 */
export interface ResultCache {
  /** The entry stored under `key`, or `undefined`. */
  get(key: string): Promise<CachedEntry | undefined> | CachedEntry | undefined;
  /** Stores `entry` under `key`, replacing any entry there. */
  set(key: string, entry: CachedEntry): Promise<void> | void;
}
