import type { QwenClient } from '../../client/types.js';
import type { Task } from '../types.js';

/** The model the default client uses (and the model a task names none of runs on). */
const DEFAULT_MODEL = 'qwen-flash';

/**
 * The model part of a cache key: the task's model, else the given client's, else `qwen-flash` (the default
 * client's model). The default client is never created for it, so a fully cached run needs no API key. @internal
 */
export function cacheModel(task: Task<unknown>, client: Pick<QwenClient, 'model'> | undefined): string {
  return task.settings.model ?? client?.model ?? DEFAULT_MODEL;
}
