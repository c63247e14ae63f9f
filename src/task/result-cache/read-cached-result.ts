import type { CompiledTask } from '../compile-task.js';
import type { TaskResult } from '../task-result.js';
import type { ResultCache } from './result-cache.js';

/**
 * Looks `key` up and rebuilds the result from the entry's raw text with the task's own parser, so the value is
 * validated (and typed: dates, transforms) as if the reply had just arrived. A failing store, a missing entry or
 * one that no longer parses is a miss (`undefined`). A hit costs nothing: `calls: 0`, zero usage, `costUsd: 0`,
 * `cached: true`. @internal
 */
export async function readCachedResult(
  cache: ResultCache,
  key: string,
  compiled: Pick<CompiledTask, 'parse'>,
  startedMs: number,
): Promise<TaskResult<unknown> | undefined> {
  let entry: Awaited<ReturnType<ResultCache['get']>>;
  try {
    entry = await cache.get(key);
  } catch {
    return undefined;
  }
  if (entry === undefined || entry === null || typeof entry.raw !== 'string') return undefined;
  const outcome = compiled.parse(entry.raw);
  if (!outcome.ok) return undefined;
  return {
    value: outcome.value,
    raw: entry.raw,
    calls: 0,
    repairs: [...outcome.repairs],
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
    costUsd: 0,
    durationMs: performance.now() - startedMs,
    finishReason: typeof entry.finishReason === 'string' ? entry.finishReason : 'stop',
    cached: true,
  };
}
