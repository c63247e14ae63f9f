import type { Clock } from '../../src/client/types.js';

/** A clock whose sleeps take (almost) no real time: the clock jumps to their wake-up time instead. */
export interface SkippingClock extends Clock {
  /** Milliseconds the clock has jumped ahead of real time (backoff, Retry-After, rate-limit pauses). */
  readonly skippedMs: number;
}

/** Real time given to calls in flight before the clock jumps, so those about to sleep too can register. */
const GRACE_MS = 10;

interface Sleeper {
  wakeAt: number;
  wake: () => void;
}

/**
 * Real time plus the waits skipped. A sleep is due at `now() + delayMs`; `GRACE_MS` of real time later (so calls
 * about to sleep at the same moment register too), the clock jumps to the earliest due time and wakes every sleeper that
 * is due. Sleeps that overlap in time overlap here too, so a run takes as long on this clock as it would really,
 * while backoff and Retry-After waits cost nothing. A signal's abort rejects the sleep with its reason. With
 * `slowMotion`, real time runs that many times slower on the clock, so the real time a request spends in transit
 * (tens of milliseconds on a busy machine) becomes a small part of any window the test measures.
 */
export function createSkippingClock({ slowMotion = 1 }: { slowMotion?: number } = {}): SkippingClock {
  let skippedMs = 0;
  let sleepers: Sleeper[] = [];
  let timer: NodeJS.Timeout | undefined;
  const startedAt = Date.now();
  /** Real time, running `slowMotion` times slower than the wall clock. */
  const flowing = (): number => startedAt + (Date.now() - startedAt) / slowMotion;
  const now = (): number => flowing() + skippedMs;

  function schedule(): void {
    if (timer !== undefined || sleepers.length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      const earliest = Math.min(...sleepers.map((sleeper) => sleeper.wakeAt));
      skippedMs = Math.max(skippedMs, earliest - flowing());
      const current = now();
      const due = sleepers.filter((sleeper) => sleeper.wakeAt <= current);
      sleepers = sleepers.filter((sleeper) => sleeper.wakeAt > current);
      for (const sleeper of due) sleeper.wake();
      schedule();
    }, GRACE_MS);
  }

  return {
    get skippedMs() {
      return skippedMs;
    },
    now,
    sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          sleepers = sleepers.filter((candidate) => candidate !== sleeper);
          reject(signal?.reason);
        };
        const sleeper: Sleeper = {
          wakeAt: now() + Math.max(0, delayMs),
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
        schedule();
      });
    },
  };
}
