import type { Clock } from '../client/types.js';
import { InputError } from '../errors.js';
import type {
  BatchItem,
  BatchItemOutcome,
  BatchItemResult,
  BatchProgress,
  BatchStopReason,
  BatchSummary,
} from './batch-types.js';
import { type BatchTally, createBatchTally } from './create-batch-tally.js';
import { createIdTable } from './create-id-table.js';
import { createProgressReporter } from './create-progress-reporter.js';
import { PREVIOUS_FAILED, PREVIOUS_OK, type ResultsFile } from './open-results-file.js';
import type { ResultChannel } from './result-channel.js';
import { toBatchItemResult } from './to-batch-item-result.js';

/** What a session works with, whatever sends the items. @internal */
export interface BatchSessionOptions {
  results: ResultsFile | undefined;
  retryFailed: boolean;
  includeInput: boolean;
  channel: ResultChannel<BatchItemResult>;
  onProgress: ((progress: BatchProgress) => void) | undefined;
  clock: Clock;
  /** Items in the input, when known before reading (arrays). */
  knownTotal: number | undefined;
}

/**
 * The bookkeeping every mode shares: which input items to process (duplicate ids, resume), the results file, the
 * totals, progress calls, and the hand-over to the iterator. @internal
 */
export interface BatchSession {
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

/** `status` tells progress how many items are in flight and the current concurrency limit. @internal */
export function createBatchSession(
  options: BatchSessionOptions,
  status: () => { inFlight: number; concurrency: number },
): BatchSession {
  const { clock } = options;
  const startedAt = clock.now();
  const tally = createBatchTally(options.knownTotal);
  const progress = createProgressReporter(options.onProgress, () => clock.now());
  const seen = createIdTable();
  const snapshot = (): BatchProgress => tally.toProgress({ elapsedMs: clock.now() - startedAt, ...status() });

  return {
    tally,
    admit(item) {
      tally.read += 1;
      if (seen.get(item.id) !== undefined) {
        throw new InputError(`Duplicate id "${item.id}" (item ${item.index}): every item needs its own id`, {
          path: 'inputs',
        });
      }
      seen.set(item.id, 1);
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
