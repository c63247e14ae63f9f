/**
 * The public types of batches: inputs, options, results, progress and the summary of {@link runBatch}, and the
 * internal item, outcome and executor types every part of a run shares. See `docs/running-at-scale.md`.
 * @module
 */
import type { BatchRequestCounts, Clock, QwenClient, Usage } from '../client/types.js';
import type { ResultCache } from '../task/result-cache.js';
import type { Citations } from '../task/types.js';

/**
 * One input record: a text, or an object with the text, an optional id and any other fields (carried into the
 * result as `input` with {@link RunBatchOptions.includeInput}).
 */
export type BatchInputRecord = string | { id?: string | number; text: string; [field: string]: unknown };

/**
 * What {@link runBatch} takes: an array, a sync or async iterable of records, or the path of a JSONL file (a string
 * ending in `.jsonl`, read line by line; blank lines are skipped).
 */
export type BatchInput =
  | readonly BatchInputRecord[]
  | Iterable<BatchInputRecord>
  | AsyncIterable<BatchInputRecord>
  | string;

/** Why an item failed, as written to the results file. */
export interface BatchItemError {
  /** The error class, e.g. `OutputError`, `BadRequestError`, `InputError`. */
  name: string;
  /** The provider's error code, or the library's (`LOW_CONFIDENCE`), when there is one. */
  code?: string;
  message: string;
  /** With `LOW_CONFIDENCE`: the refused label and every label's probability, for a reviewer. */
  label?: string;
  scores?: Readonly<Record<string, number>>;
}

/** The result of one item, yielded by the run and written as one line of the results file. */
export interface BatchItemResult<O = unknown> {
  /** The item's id: the record's `id`, or its 0-based position in the input as a string. */
  id: string;
  /** 0-based position of the item in the input. */
  index: number;
  /** Whether a valid value was reached. */
  ok: boolean;
  /** The value, when `ok`. */
  value?: O;
  /** Label tasks with `confidence`: the label's probability and every label's (when the server gave them). */
  confidence?: number;
  labelScores?: Record<string, number>;
  /** Set when the label was under `minConfidence` and the value is the answer of the call with thinking on. */
  escalated?: true;
  /** Tasks with `cite`: a verbatim quote and its offsets in the item's text for every non-null leaf of `value`. */
  citations?: Citations;
  /** Why the item failed, when not `ok`. */
  error?: BatchItemError;
  /** Chat calls made for this item (repairs included; 0 when it failed before any call). */
  calls: number;
  /** Tokens of this item's calls. */
  usage: Usage;
  /** Estimated cost of this item's calls, USD. */
  costUsd: number;
  /** Wall time of the item's last execution, milliseconds. */
  durationMs: number;
  /** Whether the value came from a cache instead of a call. */
  cached?: boolean;
  /** Batch API mode: the provider's `request_id` of the item's result line (not the completion id `chatcmpl-…`). */
  requestId?: string;
  /** The record without its `id` (`text` and extra fields), with {@link RunBatchOptions.includeInput}. */
  input?: Record<string, unknown>;
}

/** Why a run stopped taking items before the end of its input. */
export interface BatchStopReason {
  /**
   * `AuthenticationError`, `InsufficientCreditsError`, `BudgetExceeded` for {@link RunBatchOptions.maxCostUsd}, or
   * `RateLimited` for {@link RunBatchOptions.maxRateLimitedMs}.
   */
  name: string;
  message: string;
}

/** Totals of a finished run (this run only: resumed items count as `skipped`, their cost is not included). */
export interface BatchSummary {
  /** Items read from the input: succeeded + failed + skipped + items left unprocessed by a stop. */
  total: number;
  succeeded: number;
  failed: number;
  /** Items skipped because the results file already had them (`resume`). */
  skipped: number;
  /** Items answered from a cache. */
  cached: number;
  /** Tokens of all calls of this run. */
  usage: Usage;
  /** Estimated cost of all calls of this run, USD. */
  costUsd: number;
  /**
   * Set when the server reported no token usage for some calls: their tokens and cost were estimated from the
   * request and the reply (about 3 characters per token, on the high side), so `usage` and `costUsd` are estimates.
   */
  costEstimated?: boolean;
  /** Items whose label was under `minConfidence`: escalated (and answered) or rejected (failed with their scores). */
  lowConfidence?: number;
  /** Segmind credits left after the last call, when the provider reports them. */
  remainingCredits?: number;
  wallTimeMs: number;
  /** Whether the run was stopped by its `signal`. */
  aborted: boolean;
  /** Set when a fatal error (no credits, key refused) or the budget stopped the run. */
  stoppedBy?: BatchStopReason;
}

/** What {@link RunBatchOptions.onProgress} receives. */
export interface BatchProgress {
  /** Items finished in this run (succeeded + failed). */
  done: number;
  succeeded: number;
  failed: number;
  /** Items in the input, once known (arrays at once, other inputs when read to the end). */
  total?: number;
  skipped: number;
  usage: Usage;
  costUsd: number;
  /** Finished items per second since the start. */
  itemsPerSecond: number;
  elapsedMs: number;
  /** Items being processed now. */
  inFlight: number;
  /** The current concurrency limit (lowered under rate limits, then raised again). */
  concurrency: number;
}

/**
 * A running batch: iterate it for results as they complete (optional), and await `summary` for the totals.
 * It can be iterated once; breaking out of the loop stops the iteration, not the run (use `signal` for that).
 */
export interface BatchRun<O = unknown> extends AsyncIterable<BatchItemResult<O>> {
  /** Resolves when the run is over and every finished result is on disk; rejects on a caller error (duplicate id, unreadable input or results file). */
  summary: Promise<BatchSummary>;
}

/**
 * An item as the runner passes it to an executor.
 */
export interface BatchItem {
  id: string;
  index: number;
  /** The text to process (empty when `problem` is set). */
  text: string;
  /** The record's other fields (`text` included), for `includeInput`. */
  input: Record<string, unknown>;
  /** Set when the record itself is unusable (not JSON, no text): the item fails with it, without a call. */
  problem?: Error;
  /** Set when the record gave no id, so its id is its position. */
  positional?: true;
}

/**
 * What an executor returns for one item. `throttled` says that a call of this item was retried by the client (after
 * a 429 or a 5xx), which the runner takes as a sign to lower its concurrency.
 */
export type BatchItemOutcome = (
  | {
      ok: true;
      value: unknown;
      cached?: boolean;
      remainingCredits?: number;
      throttled?: boolean;
      confidence?: number;
      labelScores?: Record<string, number>;
      escalated?: true;
      citations?: Citations;
    }
  | { ok: false; error: unknown }
) & {
  calls: number;
  usage: Usage;
  costUsd: number;
  durationMs: number;
  /** Set when the server reported no usage and `usage` and `costUsd` were estimated. */
  costEstimated?: boolean;
  /** The provider's request id of the item (Batch API lines). */
  requestId?: string;
};

/**
 * How the runner processes items: up to `groupSize` at a time (one concurrency slot), resolving (never rejecting) with
 * one outcome per item in order. A `RateLimitError` outcome is retried later, `AuthenticationError` and
 * `InsufficientCreditsError` stop the run, any other error fails the item.
 */
export interface BatchExecutor {
  groupSize: number;
  /** `signal` is absent when nothing can abort the run (the caller gave no `signal`). */
  execute(items: readonly BatchItem[], context: { signal: AbortSignal | undefined }): Promise<BatchItemOutcome[]>;
}

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
   * What a resume does when the results file was written by another task (another definition: its hash differs) or
   * for another input file (the first 64 KiB differ; appending records is fine). The run records both in
   * `<output>.run.json`. `refuse` throws an {@link InputError} before anything is sent; `allow` continues and records
   * the new identity.
   * @defaultValue 'refuse'
   */
  resumeMismatch?: 'refuse' | 'allow';
  /**
   * The file the records come from, when `inputs` is an iterable read from a file (as the CLI does): recorded beside
   * the results file so that a resume over another input is refused. A path given as `inputs` is recorded on its own.
   */
  inputPath?: string;
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
  /**
   * Online mode: stop the run (`stoppedBy.name` is then `RateLimited`, everything finished is on disk and a resume
   * continues) once every call that ended in this many milliseconds was refused with a 429 even after retries.
   * @defaultValue 120000
   */
  maxRateLimitedMs?: number;
  /** Stops the run: no new items, in-flight calls are aborted (and not written), the summary says `aborted`. */
  signal?: AbortSignal;
  /**
   * With a client whose `telemetry` is on: the share of items (0 to 1) whose task and attempt spans are recorded
   * under the run's span, every n-th item by position. The run's span, with its totals, is always recorded.
   * @defaultValue 0
   */
  traceItems?: number;
  /** An OpenTelemetry `Context` the run's span is a child of (the active context otherwise). */
  traceContext?: unknown;
  /** Called after finished items, at most every 100 ms, and once at the end. An exception stops the run. */
  onProgress?: (progress: BatchProgress) => void;
  /** `online` calls the chat API; `batch-api` submits the items to the provider's Batch API. @defaultValue 'online' */
  mode?: BatchMode;
  /** Online mode, label tasks: classify up to this many items (1–100) with one request, each answered by its code. */
  pack?: number;
  /** Repair turns per item (0–5). @defaultValue 1 */
  maxRepairs?: number;
  /** Per-attempt HTTP timeout; the client's otherwise. */
  timeoutMs?: number;
  /** Time source and sleep for backoff and progress. For tests only. */
  clock?: Clock;
}

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
