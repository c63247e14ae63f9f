/**
 * The bookkeeping every mode of a run shares: the session (which items to process, the results file, progress, the
 * hand-over to the iterator), the running totals, and the outcome of an item as executed and as written.
 * @module
 */

import type { Clock, Usage } from '../client/types.js';
import { ZERO_USAGE } from '../client/wire.js';
import {
  ApiError,
  AuthenticationError,
  InputError,
  InsufficientCreditsError,
  LOW_CONFIDENCE,
  OutputError,
} from '../errors.js';
import type { AttemptInfo, TaskResult } from '../task/types.js';
import { estimateTokens } from '../tokens.js';
import { createIdTable, type IdTable } from './id-table.js';
import { INVALID_RECORD_ID, readBatchInputs } from './inputs.js';
import { checkRunIdentity, lockOutput, runIdentity } from './output-guard.js';
import { openResultsFile, PREVIOUS_FAILED, PREVIOUS_OK, type ResultsFile } from './results-file.js';
import type { BatchRunStart, ResultChannel } from './run-batch.js';
import type {
  BatchItem,
  BatchItemError,
  BatchItemOutcome,
  BatchItemResult,
  BatchProgress,
  BatchStopReason,
  BatchSummary,
} from './types.js';

/**
 * Opens the results file, starts reading the inputs and hands both to a mode's `drive`; closes the file when the
 * drive ends, whether it resolved or threw.
 */
export async function runSession(
  start: BatchRunStart,
  drive: (session: BatchSessionOptions, items: AsyncIterator<BatchItem>) => Promise<BatchSummary>,
): Promise<BatchSummary> {
  const { options, inputs } = start;
  const output = options.output;
  const lock = output === undefined ? undefined : await lockOutput(output);
  let results: ResultsFile | undefined;
  try {
    if (output !== undefined) {
      const resuming = options.resume === true;
      const inputPath = typeof inputs === 'string' ? inputs : options.inputPath;
      const identity = await runIdentity(start.task, inputPath);
      results = await openResultsFile(output, resuming, (existing) =>
        checkRunIdentity(output, identity, {
          resuming: resuming && existing,
          allowMismatch: options.resumeMismatch === 'allow',
        }),
      );
    }
  } catch (error) {
    await lock?.release().catch(() => undefined);
    throw error;
  }
  const session: BatchSessionOptions = {
    results,
    retryFailed: options.retryFailed === true,
    includeInput: options.includeInput === true,
    channel: start.channel,
    onProgress: options.onProgress,
    clock: start.clock,
    knownTotal: Array.isArray(inputs) ? inputs.length : undefined,
    seen: createIdTable(),
  };
  try {
    return await drive(session, readBatchInputs(inputs)[Symbol.asyncIterator]());
  } finally {
    session.seen.close();
    await results?.close().catch(() => undefined);
    await lock?.release().catch(() => undefined);
  }
}

/** Lets the input release its file or generator when the run stopped early. */
export async function closeInput(items: AsyncIterator<BatchItem>): Promise<void> {
  try {
    await items.return?.();
  } catch {
    // the input's own clean-up failed; the run is over either way
  }
}

/**
 * The error of an item whose id an earlier item of the input already had. When one of the two had no id (its
 * position was its id), the message says so: ids given to some records and not others can meet that way.
 */
export function duplicateIdError(item: BatchItem, earlierPositional = false): InputError {
  const positional =
    item.positional === true
      ? `: item ${item.index} has no id, so its position is its id, which another record gives as its id`
      : earlierPositional
        ? `: the record at position ${item.id} has no id, so its position is its id`
        : '';
  const advice = positional === '' ? 'every item needs its own id' : 'give every record an id, or none';
  return new InputError(`Duplicate id "${item.id}" (item ${item.index})${positional}; ${advice}`, { path: 'inputs' });
}

/** Values of the duplicate table: how the id of an earlier item came about. */
const GIVEN_ID = 1;
const POSITIONAL_ID = 2;

/** What a session works with, whatever sends the items. */
export interface BatchSessionOptions {
  results: ResultsFile | undefined;
  retryFailed: boolean;
  includeInput: boolean;
  channel: ResultChannel<BatchItemResult>;
  onProgress: ((progress: BatchProgress) => void) | undefined;
  clock: Clock;
  /** Items in the input, when known before reading (arrays). */
  knownTotal: number | undefined;
  /** The ids read so far (duplicate check), closed by {@link runSession}. */
  seen: IdTable;
}

/**
 * The bookkeeping every mode shares: which input items to process (duplicate ids, resume), the results file, the
 * totals, progress calls, and the hand-over to the iterator.
 */
interface BatchSession {
  readonly tally: BatchTally;
  /**
   * Counts an item read from the input. Throws an {@link InputError} for an id seen before; returns false when the
   * results file already has the id (resume), true when the item is to be processed.
   */
  admit(item: BatchItem): boolean;
  /** The input has no more items: the total is known. */
  inputEnded(): void;
  /**
   * Writes the item's result line, counts it, reports progress (throttled) and hands the result to the iterator,
   * in that order, so a result seen by the caller is on disk. What the item spent is added separately
   * ({@link BatchTally.spend}), since some outcomes are spent but not written.
   */
  record(item: BatchItem, outcome: BatchItemOutcome): Promise<void>;
  /** The final progress call and the summary. */
  finish(end: { aborted: boolean; stoppedBy: BatchStopReason | undefined }): BatchSummary;
}

/** `status` tells progress how many items are in flight and the current concurrency limit. */
export function createBatchSession(
  options: BatchSessionOptions,
  status: () => { inFlight: number; concurrency: number },
): BatchSession {
  const { clock } = options;
  const startedAt = clock.now();
  const tally = createBatchTally(options.knownTotal);
  const progress = createProgressReporter(options.onProgress, () => clock.now());
  const { seen } = options;
  const snapshot = (): BatchProgress => tally.toProgress({ elapsedMs: clock.now() - startedAt, ...status() });

  return {
    tally,
    admit(item) {
      tally.read += 1;
      if (item.id !== INVALID_RECORD_ID) {
        const earlier = seen.get(item.id);
        if (earlier !== undefined) throw duplicateIdError(item, earlier === POSITIONAL_ID);
        seen.set(item.id, item.positional === true ? POSITIONAL_ID : GIVEN_ID);
      }
      const previous = options.results?.previous.get(item.id);
      if (previous === PREVIOUS_OK || (previous === PREVIOUS_FAILED && !options.retryFailed)) {
        tally.skipped += 1;
        progress.update(snapshot);
        return false;
      }
      return true;
    },
    inputEnded() {
      tally.total = tally.read;
    },
    async record(item, outcome) {
      const result = toBatchItemResult(item, outcome, options.includeInput);
      options.results?.append(result);
      tally.count(result);
      progress.update(snapshot);
      await options.channel.push(result);
    },
    finish({ aborted, stoppedBy }) {
      progress.finish(snapshot);
      return tally.toSummary({ wallTimeMs: clock.now() - startedAt, aborted, stoppedBy });
    },
  };
}

/**
 * Running totals of a run: the summary's counters, plus what the summary derives from them. `usage` and `costUsd`
 * count every call of the run (items retried or left unwritten included).
 */
interface BatchTally extends Pick<BatchSummary, 'succeeded' | 'failed' | 'skipped' | 'cached' | 'usage' | 'costUsd'> {
  /** Items read from the input. */
  read: number;
  /** Items in the input, once known. */
  total: number | undefined;
  remainingCredits: number | undefined;
  /** Whether some usage was estimated (the server reported none). */
  costEstimated: boolean;
  /** Items whose label was under `minConfidence` (escalated or rejected). */
  lowConfidence: number;
  /** Adds what an execution spent, whether or not its item is written. */
  spend(outcome: BatchItemOutcome): void;
  /** Counts a written result. */
  count(result: BatchItemResult): void;
  /** The totals as progress. */
  toProgress(now: { elapsedMs: number; inFlight: number; concurrency: number }): BatchProgress;
  /** The totals as the summary of a finished run. */
  toSummary(end: { wallTimeMs: number; aborted: boolean; stoppedBy: BatchStopReason | undefined }): BatchSummary;
}

/** Running totals at zero; `total` when the input's length is known before reading. */
function createBatchTally(total: number | undefined): BatchTally {
  const tally: BatchTally = {
    read: 0,
    total,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cached: 0,
    usage: { ...ZERO_USAGE },
    costUsd: 0,
    remainingCredits: undefined,
    costEstimated: false,
    lowConfidence: 0,
    spend(outcome) {
      if (outcome.costEstimated === true) tally.costEstimated = true;
      addUsage(tally.usage, outcome.usage);
      tally.costUsd += outcome.costUsd;
      if (outcome.ok && outcome.remainingCredits !== undefined) tally.remainingCredits = outcome.remainingCredits;
    },
    count(result) {
      if (result.ok) tally.succeeded += 1;
      else tally.failed += 1;
      if (result.cached === true) tally.cached += 1;
      if (result.escalated === true || result.error?.code === LOW_CONFIDENCE) tally.lowConfidence += 1;
    },
    toProgress({ elapsedMs, inFlight, concurrency }) {
      const done = tally.succeeded + tally.failed;
      return {
        done,
        succeeded: tally.succeeded,
        failed: tally.failed,
        ...(tally.total === undefined ? {} : { total: tally.total }),
        skipped: tally.skipped,
        usage: { ...tally.usage },
        costUsd: tally.costUsd,
        itemsPerSecond: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0,
        elapsedMs,
        inFlight,
        concurrency,
      };
    },
    toSummary({ wallTimeMs, aborted, stoppedBy }) {
      return {
        total: tally.read,
        succeeded: tally.succeeded,
        failed: tally.failed,
        skipped: tally.skipped,
        cached: tally.cached,
        usage: { ...tally.usage },
        costUsd: tally.costUsd,
        ...(tally.costEstimated ? { costEstimated: true } : {}),
        ...(tally.lowConfidence > 0 ? { lowConfidence: tally.lowConfidence } : {}),
        ...(tally.remainingCredits === undefined ? {} : { remainingCredits: tally.remainingCredits }),
        wallTimeMs,
        aborted,
        ...(stoppedBy === undefined ? {} : { stoppedBy }),
      };
    },
  };
  return tally;
}

/** Shortest time between two progress calls, milliseconds. */
const PROGRESS_INTERVAL_MS = 100;

/** Throttled progress calls. */
export interface ProgressReporter {
  /** Calls back when the last call is at least the interval ago (the snapshot is built only then). */
  update(snapshot: () => BatchProgress): void;
  /** The final call, made whatever the throttle says. */
  finish(snapshot: () => BatchProgress): void;
}

/** Creates a reporter calling `onProgress` at most every `intervalMs` plus once at the end. */
export function createProgressReporter(
  onProgress: ((progress: BatchProgress) => void) | undefined,
  now: () => number,
  intervalMs = PROGRESS_INTERVAL_MS,
): ProgressReporter {
  let lastCallAt = Number.NEGATIVE_INFINITY;
  return {
    update(snapshot) {
      if (onProgress === undefined) return;
      const time = now();
      if (time - lastCallAt < intervalMs) return;
      lastCallAt = time;
      onProgress(snapshot());
    },
    finish(snapshot) {
      onProgress?.(snapshot());
    },
  };
}

/**
 * The outcome of an item whose task call reached a value; `throttled` when a call of it was rate limited before the
 * client recovered.
 */
export function succeededOutcome(
  result: TaskResult<unknown>,
  durationMs: number,
  throttled: boolean,
): BatchItemOutcome {
  return {
    ok: true,
    value: result.value,
    calls: result.calls,
    usage: result.usage,
    costUsd: result.costUsd,
    durationMs,
    ...(result.cached === true ? { cached: true } : {}),
    ...(result.confidence === undefined ? {} : { confidence: result.confidence, labelScores: result.labelScores }),
    ...(result.escalated === true ? { escalated: true } : {}),
    ...(result.citations === undefined ? {} : { citations: result.citations }),
    ...(result.remainingCredits === undefined ? {} : { remainingCredits: result.remainingCredits }),
    ...(throttled ? { throttled } : {}),
  };
}

/**
 * The outcome of an item that failed with `error` after `calls` requests that report no usage: 0 for an unusable
 * record or a broken executor, 1 for a Batch API line that came back as an error.
 */
export function failedOutcome(error: unknown, calls = 0): BatchItemOutcome {
  return { ok: false, error, calls, usage: { ...ZERO_USAGE }, costUsd: 0, durationMs: 0 };
}

/** The result line of an item from its outcome. */
function toBatchItemResult(item: BatchItem, outcome: BatchItemOutcome, includeInput: boolean): BatchItemResult {
  return {
    id: item.id,
    index: item.index,
    ok: outcome.ok,
    ...(outcome.ok ? { value: outcome.value } : { error: toBatchItemError(outcome.error) }),
    calls: outcome.calls,
    usage: { ...outcome.usage },
    costUsd: outcome.costUsd,
    durationMs: Math.round(outcome.durationMs),
    ...(outcome.ok && outcome.cached === true ? { cached: true } : {}),
    ...(outcome.ok && outcome.confidence !== undefined
      ? { confidence: outcome.confidence, labelScores: outcome.labelScores }
      : {}),
    ...(outcome.ok && outcome.escalated === true ? { escalated: true } : {}),
    ...(outcome.ok && outcome.citations !== undefined ? { citations: outcome.citations } : {}),
    ...(outcome.requestId === undefined ? {} : { requestId: outcome.requestId }),
    ...(includeInput ? { input: item.input } : {}),
  };
}

/** The `{ name, code?, message }` of a failure, as written to the results file. */
function toBatchItemError(error: unknown): BatchItemError {
  if (error instanceof Error) {
    const code = error instanceof ApiError || error instanceof OutputError ? error.code : undefined;
    const rejected =
      error instanceof OutputError && error.code === LOW_CONFIDENCE
        ? {
            ...(error.label === undefined ? {} : { label: error.label }),
            ...(error.scores === undefined ? {} : { scores: error.scores }),
          }
        : {};
    return { name: error.name, ...(code === undefined ? {} : { code }), message: error.message, ...rejected };
  }
  return { name: 'Error', message: String(error) };
}

/** Calls, tokens and cost of a task call so far, kept up to date by its `onAttempt` hook. */
interface SpendTracker {
  readonly calls: number;
  readonly usage: Usage;
  readonly costUsd: number;
  /** Whether a call reported no usage, so that its tokens and cost were estimated. */
  readonly estimated: boolean;
  /** Whether a call was answered with 429 before the client got through: the run is sending too fast. */
  readonly rateLimited: boolean;
  /** Pass as `runTask`'s `onAttempt`, so a call that ends in an error still reports what it spent. */
  onAttempt(attempt: AttemptInfo): void;
}

/**
 * A new {@link SpendTracker} at zero. With `fallback` (the item's prompt tokens and the prices), a call the server
 * reported no usage for is estimated: the prompt from the item (plus the earlier replies of a repair turn), the
 * completion from the reply's text.
 */
export function trackSpend(fallback?: {
  /** Called only when a call reported no usage. */
  promptTokens: () => number;
  priceUsd: (usage: Pick<Usage, 'promptTokens' | 'completionTokens'>) => number;
}): SpendTracker {
  const usage: Usage = { ...ZERO_USAGE };
  let earlierReplyTokens = 0;
  const tracker = {
    calls: 0,
    usage,
    costUsd: 0,
    estimated: false,
    rateLimited: false,
    onAttempt(attempt: AttemptInfo) {
      if (attempt.rateLimitedAttempts > 0) tracker.rateLimited = true;
      tracker.calls = attempt.call;
      if (fallback !== undefined && attempt.usage.totalTokens === 0) {
        const completionTokens = estimateTokens(attempt.raw);
        const promptTokens = fallback.promptTokens() + earlierReplyTokens;
        earlierReplyTokens += completionTokens;
        addUsage(usage, {
          promptTokens,
          completionTokens,
          cachedTokens: 0,
          totalTokens: promptTokens + completionTokens,
        });
        tracker.costUsd += fallback.priceUsd({ promptTokens, completionTokens });
        tracker.estimated = true;
        return;
      }
      addUsage(usage, attempt.usage);
      tracker.costUsd += attempt.costUsd;
    },
  };
  return tracker;
}

/**
 * Whether an error stops a whole batch rather than failing one item: the key was refused, or the account has no
 * money left. Every other item would fail the same way.
 */
export function isFatalError(error: unknown): error is AuthenticationError | InsufficientCreditsError {
  return error instanceof AuthenticationError || error instanceof InsufficientCreditsError;
}

function addUsage(total: Usage, usage: Usage): void {
  total.promptTokens += usage.promptTokens;
  total.completionTokens += usage.completionTokens;
  total.cachedTokens += usage.cachedTokens;
  total.totalTokens += usage.totalTokens;
}
