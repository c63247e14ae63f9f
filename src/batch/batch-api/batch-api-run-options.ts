import type { BatchRequestCounts } from '../../client/batch-api/batch-api-types.js';
import type { BatchItem, BatchItemOutcome, BatchStopReason } from '../batch-types.js';
import type { RunBatchOptions } from '../run-batch-options.js';

/** Options of `mode: 'batch-api'` only; all optional. */
export interface BatchApiRunOptions {
  /**
   * Repair online the items whose batch reply is invalid even after local repair (repair turns, and a retry with a
   * larger output limit for a cut-off reply, are sent as ordinary chat calls at the online price). When false, such
   * items fail with an `OutputError`.
   * @defaultValue true
   */
  repairOnline?: boolean;
  /** How long the provider may take per batch, `24h` to `336h` (or `1d` to `14d`). @defaultValue '24h' */
  completionWindow?: string;
  /**
   * Batches of an earlier run to poll instead of submitting their items again (their request files say which items
   * they hold). The state file beside `output` does this on its own with `resume: true`.
   */
  batchIds?: readonly string[];
  /** First wait between two polls; each wait is 1.5 times the last, up to `maxPollIntervalMs`. @defaultValue 1000 */
  pollIntervalMs?: number;
  /** Longest wait between two polls. @defaultValue 60000 */
  maxPollIntervalMs?: number;
  /** Most lines in one request file; more items are split over several batches. @defaultValue 50000 */
  maxLinesPerFile?: number;
  /** Largest request file in bytes; more items are split over several batches. @defaultValue 500000000 */
  maxBytesPerFile?: number;
  /** Largest request line in bytes; a larger item fails with an `InputError`. @defaultValue 6000000 */
  maxBytesPerLine?: number;
  /** Called after every round of polls with each batch's status and request counts. */
  onBatchApiProgress?: (progress: BatchApiProgress) => void;
}

/** The defaults of {@link BatchApiRunOptions}: the provider's documented limits. @internal */
export const BATCH_API_DEFAULTS = Object.freeze({
  repairOnline: true,
  completionWindow: '24h',
  pollIntervalMs: 1_000,
  maxPollIntervalMs: 60_000,
  pollBackoffFactor: 1.5,
  maxLinesPerFile: 50_000,
  maxBytesPerFile: 500_000_000,
  maxBytesPerLine: 6_000_000,
  concurrency: 8,
});

/** What `runBatchApi` takes: the run's options that apply to batches, and the batch-only ones. @internal */
export type RunBatchApiOptions = Pick<
  RunBatchOptions,
  'client' | 'signal' | 'output' | 'resume' | 'maxRepairs' | 'timeoutMs' | 'clock' | 'concurrency'
> &
  BatchApiRunOptions;

/** One batch as last polled. */
export interface BatchApiProgressEntry {
  id: string;
  status: string;
  requestCounts: BatchRequestCounts;
}

/** What {@link BatchApiRunOptions.onBatchApiProgress} receives. */
export interface BatchApiProgress {
  batches: BatchApiProgressEntry[];
  /** The request counts of all batches added up. */
  requestCounts: BatchRequestCounts;
}

/**
 * Receives each finished item with its outcome, once. The runner awaits it (it writes the results file), so a slow
 * receiver slows the run. @internal
 */
export type BatchApiEmit = (item: BatchItem, outcome: BatchItemOutcome) => void | Promise<void>;

/** How a Batch API run ended. @internal */
export interface BatchApiReport {
  /** Every batch the run submitted or polled. */
  batchIds: string[];
  /** Whether the signal stopped the run (live batches were asked to cancel; unfinished items were not emitted). */
  aborted: boolean;
  /** Set when a refused key or an empty account stopped the run; unfinished items were not emitted. */
  stoppedBy?: BatchStopReason;
}
