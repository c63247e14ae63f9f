import type { Usage } from '../client/types.js';

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
  /** The provider's error code, when there is one. */
  code?: string;
  message: string;
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
  /** The record without its `id` (`text` and extra fields), with {@link RunBatchOptions.includeInput}. */
  input?: Record<string, unknown>;
}

/** Why a run stopped taking items before the end of its input. */
export interface BatchStopReason {
  /** `AuthenticationError`, `InsufficientCreditsError`, or `BudgetExceeded` for {@link RunBatchOptions.maxCostUsd}. */
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
 * An item as the runner passes it to an executor. @internal
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
}

/**
 * What an executor returns for one item. `throttled` says that a call of this item was retried by the client (after
 * a 429 or a 5xx), which the runner takes as a sign to lower its concurrency. @internal
 */
export type BatchItemOutcome = (
  | { ok: true; value: unknown; cached?: boolean; remainingCredits?: number; throttled?: boolean }
  | { ok: false; error: unknown }
) & {
  calls: number;
  usage: Usage;
  costUsd: number;
  durationMs: number;
};

/**
 * How the runner processes items — the extension point for packing and caching. The runner takes up to `groupSize`
 * items at a time (1 for plain online calls; N for a packed executor that answers N items with one request) and
 * calls `execute`, which must resolve (never reject) with one outcome per item, in the same order. A concurrency
 * slot is one `execute` call. Failures are outcomes with `ok: false`: a `RateLimitError` makes the runner retry the
 * item later; `AuthenticationError` and `InsufficientCreditsError` stop the run; any other error fails the item.
 * @internal
 */
export interface BatchExecutor {
  groupSize: number;
  /** `signal` is absent when nothing can abort the run (the caller gave no `signal`). */
  execute(items: readonly BatchItem[], context: { signal: AbortSignal | undefined }): Promise<BatchItemOutcome[]>;
}
