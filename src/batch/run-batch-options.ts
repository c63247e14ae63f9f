import type { Clock, QwenClient } from '../client/types.js';
import type { ResultCache } from '../task/index.js';
import type { BatchApiRunOptions } from './batch-api/batch-api-run-options.js';
import type { BatchProgress } from './batch-types.js';

/** How {@link runBatch} sends the items. */
export type BatchMode = 'online' | 'batch-api';

/**
 * Options of {@link runBatch}; all optional. The options of {@link BatchApiRunOptions} apply to `mode: 'batch-api'`
 * only.
 */
export interface RunBatchOptions extends BatchApiRunOptions {
  /** Client to call; the default client (from the environment) otherwise. */
  client?: QwenClient;
  /**
   * Most calls in flight at once (1–1000). Lowered automatically under rate limits (halved on a 429, raised by one
   * after every 10 successes in a row), never above this value.
   * @defaultValue 8
   */
  concurrency?: number;
  /**
   * Path of a JSONL results file: every finished item is appended as one line as soon as it finishes, in the order of
   * completion. Without `resume`, the file must not exist yet (or be empty).
   */
  output?: string;
  /**
   * Continue the `output` file: ids already in it are skipped (a torn last line from a crash is cut off first). A run
   * killed at any moment and resumed ends with every id on exactly one line (the line of its final result).
   * @defaultValue false
   */
  resume?: boolean;
  /**
   * With `resume`: run the ids whose last line is a failure again and append their new line. A reader that takes
   * the last line per id (as {@link readBatchResults} consumers should) then sees every id once.
   * @defaultValue false
   */
  retryFailed?: boolean;
  /** Copy each record (`text` and extra fields, not `id`) into its result as `input`. @defaultValue false */
  includeInput?: boolean;
  /** Look results up before calling and store them after; hits count as `cached` and cost nothing. */
  cache?: ResultCache;
  /**
   * Online mode: stop taking new items once the cost spent plus the estimated cost of the items in flight would pass this many
   * USD (`stoppedBy.name` is then `BudgetExceeded`). The estimate is the mean cost of the items finished so far, so
   * the first item runs alone. Applies to this run only.
   */
  maxCostUsd?: number;
  /** Stops the run: no new items, in-flight calls are aborted (and not written), the summary says `aborted`. */
  signal?: AbortSignal;
  /** Called after finished items, at most every 100 ms, and once at the end. An exception stops the run. */
  onProgress?: (progress: BatchProgress) => void;
  /** `online` calls the chat API; `batch-api` submits the items to the provider's Batch API. @defaultValue 'online' */
  mode?: BatchMode;
  /** Online mode, label tasks: classify up to this many items (1–100) with one request (see `runPackedLabels`). */
  pack?: number;
  /** Repair turns per item (0–5). @defaultValue 1 */
  maxRepairs?: number;
  /** Per-attempt HTTP timeout; the client's otherwise. */
  timeoutMs?: number;
  /** Time source and sleep for backoff and progress. For tests only. @internal */
  clock?: Clock;
}
