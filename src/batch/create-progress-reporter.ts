import type { BatchProgress } from './batch-types.js';

/** Shortest time between two progress calls, milliseconds. @internal */
export const PROGRESS_INTERVAL_MS = 100;

/** Throttled progress calls. @internal */
export interface ProgressReporter {
  /** Calls back when the last call is at least the interval ago (the snapshot is built only then). */
  update(snapshot: () => BatchProgress): void;
  /** The final call, made whatever the throttle says. */
  finish(snapshot: () => BatchProgress): void;
}

/** Creates a reporter calling `onProgress` at most every `intervalMs` plus once at the end. @internal */
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
