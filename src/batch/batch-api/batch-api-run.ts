import type { BatchApi, BatchJob } from '../../client/batch-api/batch-api-types.js';
import type { Clock, QwenClient } from '../../client/types.js';
import type { CompiledTask } from '../../task/compile-task.js';
import type { Task } from '../../task/types.js';
import type { BatchApiEmit } from './batch-api-run-options.js';
import type { BatchState, BatchStateEntry } from './batch-state-file.js';
import type { ItemSpool } from './create-item-spool.js';

/** A batch the run waits for. @internal */
export interface TrackedBatch {
  /** Its line in the state file (shared with `run.state.batches`). */
  entry: BatchStateEntry;
  /** Ids of the items of this run waiting for a result from this batch. */
  pending: Set<string>;
  /** The batch as last polled. */
  job?: BatchJob;
}

/** Settings of a run, defaults applied. @internal */
export interface BatchApiSettings {
  repairOnline: boolean;
  maxRepairs: number | undefined;
  timeoutMs: number | undefined;
  completionWindow: string;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  maxLinesPerFile: number;
  maxBytesPerFile: number;
  maxBytesPerLine: number;
  concurrency: number;
}

/** Everything the parts of a Batch API run share. @internal */
export interface BatchApiRun {
  task: Task<unknown>;
  compiled: CompiledTask;
  client: QwenClient;
  api: BatchApi;
  settings: BatchApiSettings;
  emit: BatchApiEmit;
  spool: ItemSpool;
  signal: AbortSignal | undefined;
  clock: Clock;
  /** What the state file holds (kept up to date even without a file). */
  state: BatchState;
  /** Writes `state` to the sidecar file, when the run has an output file. */
  saveState(): Promise<void>;
  batches: TrackedBatch[];
}
