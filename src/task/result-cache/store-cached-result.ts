import type { TaskResult } from '../task-result.js';
import type { ResultCache } from './result-cache.js';

/**
 * Stores a fresh result under `key`. The value is passed through JSON (a `Date` becomes its ISO string), as every
 * store must be able to keep it. A value JSON cannot carry, or a store that fails, leaves the result uncached: the
 * call already succeeded and is not failed for it. @internal
 */
export async function storeCachedResult(cache: ResultCache, key: string, result: TaskResult<unknown>): Promise<void> {
  try {
    const json = JSON.stringify(result.value);
    await cache.set(key, {
      value: json === undefined ? null : JSON.parse(json),
      raw: result.raw,
      finishReason: result.finishReason,
      createdAt: new Date().toISOString(),
    });
  } catch {
    // A cache can save calls, never fail one.
  }
}
