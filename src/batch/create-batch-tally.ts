import { ZERO_USAGE } from '../client/normalize-usage.js';
import type { Usage } from '../client/types.js';
import type { BatchItemOutcome, BatchItemResult, BatchProgress, BatchStopReason, BatchSummary } from './batch-types.js';

/** Running totals of a run. @internal */
export interface BatchTally {
  /** Items read from the input. */
  read: number;
  /** Items in the input, once known. */
  total: number | undefined;
  succeeded: number;
  failed: number;
  skipped: number;
  cached: number;
  /** Tokens of every call of the run (items retried or left unwritten included). */
  usage: Usage;
  costUsd: number;
  remainingCredits: number | undefined;
  /** Adds what an execution spent, whether or not its item is written. */
  spend(outcome: BatchItemOutcome): void;
  /** Counts a written result. */
  count(result: BatchItemResult): void;
  /** Mean cost of the item executions so far, or `undefined` before the first one. */
  meanCostUsd(): number | undefined;
  /** The totals as progress. */
  toProgress(now: { elapsedMs: number; inFlight: number; concurrency: number }): BatchProgress;
  /** The totals as the summary of a finished run. */
  toSummary(end: { wallTimeMs: number; aborted: boolean; stoppedBy: BatchStopReason | undefined }): BatchSummary;
}

/** @internal */
export function createBatchTally(total: number | undefined): BatchTally {
  let executions = 0;
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
    spend(outcome) {
      executions += 1;
      tally.usage.promptTokens += outcome.usage.promptTokens;
      tally.usage.completionTokens += outcome.usage.completionTokens;
      tally.usage.cachedTokens += outcome.usage.cachedTokens;
      tally.usage.totalTokens += outcome.usage.totalTokens;
      tally.costUsd += outcome.costUsd;
      if (outcome.ok && outcome.remainingCredits !== undefined) tally.remainingCredits = outcome.remainingCredits;
    },
    count(result) {
      if (result.ok) tally.succeeded += 1;
      else tally.failed += 1;
      if (result.cached === true) tally.cached += 1;
    },
    meanCostUsd() {
      return executions === 0 ? undefined : tally.costUsd / executions;
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
        ...(tally.remainingCredits === undefined ? {} : { remainingCredits: tally.remainingCredits }),
        wallTimeMs,
        aborted,
        ...(stoppedBy === undefined ? {} : { stoppedBy }),
      };
    },
  };
  return tally;
}
