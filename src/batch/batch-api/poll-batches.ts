import type { BatchApiRun, TrackedBatch } from './batch-api-run.js';
import type { BatchApiProgress } from './batch-api-run-options.js';
import { settleBatch } from './settle-batch.js';

/** Statuses after which a batch changes no more. @internal */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** How much longer each wait between polls is than the last. */
const BACKOFF_FACTOR = 1.5;

/**
 * Polls the run's batches that still have items waiting, one round at a time, and settles each as soon as it has
 * finished. The wait between rounds starts at `pollIntervalMs` and grows 1.5 times per round up to
 * `maxPollIntervalMs`. After every round `onProgress` gets each batch's status and request counts.
 * @internal
 */
export async function pollBatches(
  run: BatchApiRun,
  onProgress: ((progress: BatchApiProgress) => void) | undefined,
): Promise<void> {
  const live = run.batches.filter((batch) => batch.pending.size > 0 && batch.entry.batchId !== undefined);
  let delayMs = run.settings.pollIntervalMs;
  while (live.length > 0) {
    for (const batch of [...live]) {
      const job = await run.api.retrieveBatch(batch.entry.batchId!, signalOption(run));
      batch.job = job;
      if (FINISHED_STATUSES.has(job.status)) {
        live.splice(live.indexOf(batch), 1);
        await settleBatch(run, batch, job);
      }
    }
    onProgress?.(progressOf(run.batches));
    if (live.length === 0) return;
    await run.clock.sleep(delayMs, run.signal);
    delayMs = Math.min(delayMs * BACKOFF_FACTOR, run.settings.maxPollIntervalMs);
  }
}

function progressOf(batches: readonly TrackedBatch[]): BatchApiProgress {
  const requestCounts = { total: 0, completed: 0, failed: 0 };
  const entries = batches.flatMap((batch) => {
    if (batch.job === undefined) return [];
    const counts = batch.job.requestCounts;
    requestCounts.total += counts.total;
    requestCounts.completed += counts.completed;
    requestCounts.failed += counts.failed;
    return [{ id: batch.job.id, status: batch.job.status, requestCounts: { ...counts } }];
  });
  return { batches: entries, requestCounts };
}

function signalOption(run: BatchApiRun): { signal?: AbortSignal } {
  return run.signal === undefined ? {} : { signal: run.signal };
}
