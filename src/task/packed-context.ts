import type { QwenClient } from '../client/types.js';
import type { CompiledTask } from './compile-task.js';
import type { ResultCache } from './result-cache/result-cache.js';
import type { RunTaskOptions } from './run-task.js';
import type { Task } from './types.js';

/** What the steps of {@link runPackedLabels} share. @internal */
export interface PackedContext {
  task: Task<unknown>;
  compiled: CompiledTask;
  client: QwenClient;
  /** Options for the one-item calls (`runTask`); not the cache: the packed runner looks up and stores results itself. */
  taskOptions: Pick<RunTaskOptions, 'signal' | 'maxRepairs' | 'timeoutMs' | 'onAttempt'>;
  cache: ResultCache | undefined;
  /** `performance.now()` when the run started; every item's `durationMs` counts from it. */
  startedMs: number;
}
