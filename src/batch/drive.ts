/**
 * Online mode of {@link runBatch}: the loop that takes items from the input and runs them through an executor with
 * an adaptive concurrency limit, retries rate-limited items after a pause, and stops on a fatal error, the budget or
 * the signal. See `docs/running-at-scale.md` (Concurrency, rate limits and stops).
 * @module
 */
import { exponentialBackoffMs } from '../client/limits.js';
import { RateLimitError } from '../errors.js';
import { createBudget, createItemEstimate, type ItemEstimate } from './budget.js';
import { selectExecutor } from './executors.js';
import {
  type BatchSessionOptions,
  closeInput,
  createBatchSession,
  failedOutcome,
  isFatalError,
  runSession,
} from './outcomes.js';
import { type BatchRunStart, DEFAULT_CONCURRENCY } from './run-batch.js';
import type { BatchExecutor, BatchItem, BatchItemOutcome, BatchStopReason, BatchSummary } from './types.js';

/** Online mode, loaded by {@link runBatch} when work starts: one executor, driven over the run's session. */
export function runOnlineMode(start: BatchRunStart): Promise<BatchSummary> {
  const { options } = start;
  const estimate = createItemEstimate(start);
  const executor = selectExecutor(start, estimate);
  return runSession(start, (session, items) =>
    driveBatch({
      ...session,
      items,
      executor,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      maxCostUsd: options.maxCostUsd,
      estimate,
      maxRateLimitedMs: options.maxRateLimitedMs ?? DEFAULT_MAX_RATE_LIMITED_MS,
      signal: options.signal,
    }),
  );
}

/** Everything {@link driveBatch} works with. */
interface DriveBatchOptions extends BatchSessionOptions {
  items: AsyncIterator<BatchItem>;
  executor: BatchExecutor;
  concurrency: number;
  maxCostUsd: number | undefined;
  /** Prompt tokens and price of an item before it is sent, for `maxCostUsd`. */
  estimate: ItemEstimate;
  /** Longest run of 429-only outcomes before the run stops. */
  maxRateLimitedMs: number;
  signal: AbortSignal | undefined;
}

/** Default {@link RunBatchOptions.maxRateLimitedMs}: two minutes of nothing but 429s stop a run. */
const DEFAULT_MAX_RATE_LIMITED_MS = 120_000;

/**
 * Runs items through the executor until the input ends or the run stops, at most `limit.current` executions in
 * flight. Resolves with the summary once nothing is in flight; rejects with a caller error (duplicate id, unreadable
 * input, a failed write, an exception from `onProgress`) after the in-flight items have finished.
 */
async function driveBatch(options: DriveBatchOptions): Promise<BatchSummary> {
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
  const budget = options.maxCostUsd === undefined ? undefined : createBudget(options.maxCostUsd, options.estimate);
  let held: BatchItem[] | undefined;

  const onAbort = (): void => {
    controller.abort(options.signal?.reason);
    for (const groupController of groupControllers) groupController.abort(options.signal?.reason);
    wakeup.notify();
  };
  if (options.signal?.aborted === true) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const stopping = (): boolean => controller.signal.aborted || stoppedBy !== undefined || callerError !== undefined;

  /** When the executions that ended in 429s only began; `undefined` once one ended otherwise. */
  let rateLimitedSince: number | undefined;

  /** Counts a 429 outcome of an execution started at `startedAt`; stops the run once the storm lasts too long. */
  function stormCheck(startedAt: number): void {
    rateLimitedSince ??= startedAt;
    const lastedMs = clock.now() - rateLimitedSince;
    if (lastedMs >= options.maxRateLimitedMs) {
      stoppedBy ??= {
        name: 'RateLimited',
        message: `Every call for ${Math.round(lastedMs / 1000)} s was refused with 429 (rate limited) even after retries, over maxRateLimitedMs ${options.maxRateLimitedMs}: the run stopped with every finished item on disk; resume it later (resume: true), or raise maxRateLimitedMs`,
      };
    }
  }

  async function settle(
    group: readonly BatchItem[],
    outcomes: BatchItemOutcome[],
    epoch: number,
    startedAt: number,
  ): Promise<void> {
    for (const [position, item] of group.entries()) {
      const outcome = outcomes[position] ?? failedOutcome(new Error('The executor returned no outcome for this item'));
      tally.spend(outcome);
      budget?.finished(item, outcome);
      if (!(outcome.ok === false && outcome.error instanceof RateLimitError)) rateLimitedSince = undefined;
      if (outcome.ok) {
        if (outcome.throttled === true) limit.rateLimited(epoch);
        else limit.succeeded();
      } else if (controller.signal.aborted) {
        continue; // aborted mid-call: not processed, so not written; a resume runs it
      } else if (outcome.error instanceof RateLimitError) {
        limit.rateLimited(epoch);
        stormCheck(startedAt);
        if (stoppedBy !== undefined) continue; // left for a resume
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
    const startedAt = clock.now();
    inFlight += group.length;
    const groupController = abortable ? new AbortController() : undefined;
    if (groupController) groupControllers.add(groupController);
    budget?.started(group);
    try {
      await settle(group, await executeGroup(executor, group, groupController?.signal), epoch, startedAt);
    } catch (error) {
      callerError ??= { error };
    } finally {
      budget?.ended(group);
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
      const group = held ?? (await takeGroup());
      held = undefined;
      if (group.length === 0) {
        if (inputDone && retryQueue.length === 0 && running.size === 0) break;
        if (!stopping()) await wakeup.wait();
        continue;
      }
      if (budget !== undefined) {
        const verdict = budget.check(group, { spentUsd: tally.costUsd, inFlight });
        if (verdict === 'wait') {
          held = group; // sent once the items in flight have finished, if the budget still allows
          await wakeup.wait();
          continue;
        }
        if (verdict !== 'go') {
          stoppedBy ??= verdict;
          break;
        }
      }
      start(group);
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

/** A level-free notifier: `wait()` resolves at the next `notify()`. */
interface Wakeup {
  wait(): Promise<void>;
  notify(): void;
}

function createWakeup(): Wakeup {
  let waiters: (() => void)[] = [];
  return {
    wait() {
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    notify() {
      const woken = waiters;
      waiters = [];
      for (const resolve of woken) resolve();
    },
  };
}

/** Runs the executor on a group; a rejection (a bug in the executor) fails every item of the group. */
async function executeGroup(
  executor: BatchExecutor,
  group: readonly BatchItem[],
  signal: AbortSignal | undefined,
): Promise<BatchItemOutcome[]> {
  try {
    return await executor.execute(group, { signal });
  } catch (error) {
    return group.map(() => failedOutcome(error));
  }
}

/** A concurrency limit that adapts to rate limits (AIMD). */
interface AdaptiveLimit {
  /** The current limit, from 1 to the maximum. */
  readonly current: number;
  /** Increases on every decrease; a call remembers the epoch it started in. */
  readonly epoch: number;
  /**
   * A call started in `epoch` was rate limited: halve the limit (at least 1), unless a decrease already happened
   * since that call started — a burst of 429s from calls sent together counts once.
   */
  rateLimited(epoch: number): void;
  /** A call succeeded: after `recoverAfter` successes in a row, raise the limit by one (up to the maximum). */
  succeeded(): void;
}

/** Successes in a row that raise the limit by one. */
const RECOVER_AFTER_SUCCESSES = 10;

/** Creates an AIMD limit: multiplicative decrease on a rate limit, additive increase after successes. */
export function createAdaptiveLimit(maximum: number, recoverAfter = RECOVER_AFTER_SUCCESSES): AdaptiveLimit {
  let current = maximum;
  let epoch = 0;
  let successes = 0;
  return {
    get current() {
      return current;
    },
    get epoch() {
      return epoch;
    },
    rateLimited(startedIn) {
      successes = 0;
      if (startedIn !== epoch) return;
      current = Math.max(1, Math.floor(current / 2));
      epoch += 1;
    },
    succeeded() {
      successes += 1;
      if (successes < recoverAfter) return;
      successes = 0;
      current = Math.min(maximum, current + 1);
    },
  };
}

/** Times the runner retries a rate-limited item before recording it as failed. */
const MAX_RATE_LIMIT_RETRIES = 8;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/**
 * How long the runner pauses before retrying a rate-limited item: the server's `Retry-After` when it gave one,
 * else exponential backoff from 500 ms; at most 30 s. `retries` counts from 1.
 */
function rateLimitDelayMs(retries: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, MAX_DELAY_MS);
  return exponentialBackoffMs(retries, BASE_DELAY_MS, MAX_DELAY_MS);
}
