import { createHash } from 'node:crypto';
import type { Task } from '../types.js';

/** Changes when the meaning of a cache entry changes, so old entries simply stop matching. */
const KEY_VERSION = 'qwen-tasks-result-cache-1';

/**
 * The cache key of one call: SHA-256 (hex) of the task definition's hash, the model, the sampling settings
 * (temperature, thinking, output-token limit) and the input text. Anything that can change the answer is in it; how
 * the call is made (client, retries, timeouts, repair turns) is not.
 *
 * @example
 * ```ts
 * cacheKey(sentiment, 'qwen-flash', 'Great battery, awful screen.'); // '3f1c…' (64 hex characters)
 * ```
 */
export function cacheKey(task: Task<unknown>, model: string, text: string): string {
  const { settings } = task;
  const parts = [
    KEY_VERSION,
    task.hash,
    model,
    settings.temperature,
    settings.thinking,
    settings.maxTokens ?? null,
    text,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
