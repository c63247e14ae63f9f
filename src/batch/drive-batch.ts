import { RateLimitError } from '../errors.js';
import { createAdaptiveLimit } from './adaptive-limit.js';
import type { BatchExecutor, BatchItem, BatchItemOutcome, BatchStopReason, BatchSummary } from './batch-types.js';
import { checkBudget } from './check-budget.js';
import { type BatchSessionOptions, createBatchSession } from './create-batch-session.js';
import { createWakeup } from './create-wakeup.js';
import { executeGroup } from './execute-group.js';
import { failedOutcome } from './failed-outcome.js';
import { isFatalError } from './is-fatal-error.js';
import { MAX_RATE_LIMIT_RETRIES, rateLimitDelayMs } from './rate-limit-delay.js';

/** Everything {@link driveBatch} works with. @internal */
export interface DriveBatchOptions extends BatchSessionOptions {
  items: AsyncIterator<BatchItem>;
  executor: BatchExecutor;
  concurrency: number;
  maxCostUsd: number | undefined;
  signal: AbortSignal | undefined;
}

/**
 * Runs items through the executor (online mode) until the input ends or the run stops: at most `limit.current`
 * executions in flight, rate-limited items retried after a pause, each finished item recorded by the session.
 * Resolves with the summary once nothing is in flight; rejects with a caller error (duplicate id, unreadable input,
 * a failed write, an exception from `onProgress`) after the in-flight items have finished. @internal
 */
export async function driveBatch(options: DriveBatchOptions): Promise<BatchSummary> {
  const { clock, executor } = options;
  const limit = createAdaptiveLimit(options.concurrency);
  const wakeup = createWakeup();
  const controller = new AbortController();
  /**
   * With a caller's `signal`, one controller per group in flight, aborted with the run: every call listens to its
   * own group's signal, since adding a listener to one signal shared by hundreds of calls costs time in proportion
   * to their number. Without one, nothing can abort a call, and calls get no signal at all.
   */
  const groupControllers = new Set<AbortController>();
  const abortable = options.signal !== undefined;
  const rateLimitRetries = new Map<BatchItem, number>();
  const retryQueue: BatchItem[] = [];
  const running = new Set<Promise<void>>();
  let inFlight = 0;
  let pausedUntil = 0;
  let inputDone = false;
  let stoppedBy: BatchStopReason | undefined;
  let callerError: { error: unknown } | undefined;
  const session = createBatchSession(options, () => ({ inFlight, concurrency: limit.current }));
  const { tally } = session;

  const onAbort = (): void => {
    controller.abort(options.signal?.reason);
    for (const groupController of groupControllers) groupController.abort(options.signal?.reason);
    wakeup.notify();
  };
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const stopping = (): boolean => controller.signal.aborted || stoppedBy !== undefined || callerError !== undefined;

  async function settle(group: readonly BatchItem[], outcomes: BatchItemOutcome[], epoch: number): Promise<void> {
    for (const [position, item] of group.entries()) {
      const outcome = outcomes[position] ?? failedOutcome(new Error('The executor returned no outcome for this item'));
      tally.spend(outcome);
      if (outcome.ok) {
        if (outcome.throttled === true) limit.rateLimited(epoch);
        else limit.succeeded();
      } else if (controller.signal.aborted) {
        continue; // aborted mid-call: not processed, so not written; a resume runs it
      } else if (outcome.error instanceof RateLimitError) {
        limit.rateLimited(epoch);
        const retries = (rateLimitRetries.get(item) ?? 0) + 1;
        if (retries <= MAX_RATE_LIMIT_RETRIES) {
          rateLimitRetries.set(item, retries);
          retryQueue.push(item);
          pausedUntil = Math.max(pausedUntil, clock.now() + rateLimitDelayMs(retries, outcome.error.retryAfterMs));
          continue;
        }
      } else if (isFatalError(outcome.error)) {
        stoppedBy ??= { name: outcome.error.name, message: outcome.error.message };
        continue; // every other item would fail the same way; left for a resume
      }
      rateLimitRetries.delete(item);
      await session.record(item, outcome);
    }
  }

  function start(group: BatchItem[]): void {
    // `execute` awaits before it ends, so `execution` is set by the time its `finally` runs `leave`.
    const execution: Promise<void> = execute(group, () => running.delete(execution));
    running.add(execution);
  }

  /** Runs a group and records its outcomes; `leave` takes it off `running` before anyone is woken. */
  async function execute(group: BatchItem[], leave: () => void): Promise<void> {
    const epoch = limit.epoch;
    inFlight += group.length;
    const groupController = abortable ? new AbortController() : undefined;
    if (groupController) groupControllers.add(groupController);
    try {
      await settle(group, await executeGroup(executor, group, groupController?.signal), epoch);
    } catch (error) {
      callerError ??= { error };
    } finally {
      inFlight -= group.length;
      if (groupController) groupControllers.delete(groupController);
      leave();
      wakeup.notify();
    }
  }

  /** Up to `groupSize` items: rate-limited ones first, then new ones (skipping resumed ids, failing unusable records). */
  async function takeGroup(): Promise<BatchItem[]> {
    const group = retryQueue.splice(0, executor.groupSize);
    while (group.length < executor.groupSize && !inputDone && !stopping()) {
      const next = await options.items.next();
      if (next.done === true) {
        inputDone = true;
        session.inputEnded();
        break;
      }
      const item = next.value;
      if (!session.admit(item)) continue;
      if (item.problem === undefined) group.push(item);
      else await session.record(item, failedOutcome(item.problem));
    }
    return group;
  }

  /** Sleeps until the rate-limit pause ends, waking early on any change (a stop, an abort). */
  async function pause(delayMs: number): Promise<void> {
    const sleeper = new AbortController();
    void wakeup.wait().then(() => sleeper.abort());
    try {
      await clock.sleep(delayMs, sleeper.signal);
    } catch {
      // woken early
    } finally {
      sleeper.abort();
    }
  }

  try {
    while (!stopping()) {
      const waitMs = pausedUntil - clock.now();
      if (waitMs > 0) {
        await pause(waitMs);
        continue;
      }
      if (running.size >= limit.current) {
        await wakeup.wait();
        continue;
      }
      if (options.maxCostUsd !== undefined) {
        const verdict = checkBudget({
          maxCostUsd: options.maxCostUsd,
          spentUsd: tally.costUsd,
          meanCostUsd: tally.meanCostUsd(),
          inFlight,
          groupSize: executor.groupSize,
        });
        if (verdict === 'wait') {
          await wakeup.wait();
          continue;
        }
        if (verdict !== 'go') {
          stoppedBy ??= verdict;
          break;
        }
      }
      const group = await takeGroup();
      if (group.length > 0) start(group);
      else if (inputDone && retryQueue.length === 0 && running.size === 0) break;
      else if (!stopping()) await wakeup.wait();
    }
  } catch (error) {
    callerError ??= { error };
  }
  while (running.size > 0) await Promise.all(running);
  options.signal?.removeEventListener('abort', onAbort);
  if (!inputDone) await closeInput(options.items);
  if (callerError !== undefined) throw callerError.error;
  return session.finish({ aborted: options.signal?.aborted === true, stoppedBy });
}

/** Lets the input release its file or generator when the run stopped early. @internal */
export async function closeInput(items: AsyncIterator<BatchItem>): Promise<void> {
  try {
    await items.return?.();
  } catch {
    // the input's own clean-up failed; the run is over either way
  }
}
