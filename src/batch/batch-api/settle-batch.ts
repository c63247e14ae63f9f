import type { BatchJob } from '../../client/batch-api/batch-api-types.js';
import { ConnectionError, TimeoutError } from '../../errors.js';
import type { BatchItem, BatchItemOutcome } from '../batch-types.js';
import { failedOutcome } from '../failed-outcome.js';
import type { BatchApiRun, TrackedBatch } from './batch-api-run.js';
import { completeBatchItem } from './complete-batch-item.js';
import { createWorkPool } from './create-work-pool.js';
import { leftoverError } from './leftover-error.js';
import { readBatchResultLine } from './read-batch-result-line.js';

/** Downloads of a result file that fail mid-way are started again this many times (handled lines are skipped). */
const MAX_DOWNLOAD_RESTARTS = 2;
const DOWNLOAD_RESTART_DELAY_MS = 1_000;

/**
 * Finishes the items of a batch that has ended: streams its output file and then its error file line by line, runs
 * every reply through the output pipeline ({@link completeBatchItem}, `concurrency` at a time), turns every error
 * line into a failed item, and fails the items left without a line with the reason the batch ended. Each item is
 * emitted once; nothing is emitted after the signal aborted.
 * @internal
 */
export async function settleBatch(run: BatchApiRun, batch: TrackedBatch, job: BatchJob): Promise<void> {
  const pool = createWorkPool(run.settings.concurrency);
  const context = { provider: run.client.provider, batchId: job.id, estimateCostUsd: run.api.estimateCostUsd };

  async function handleLine(line: string): Promise<void> {
    const result = readBatchResultLine(line, context);
    if (result === undefined || !batch.pending.has(result.customId)) return;
    batch.pending.delete(result.customId);
    const item = await run.spool.get(result.customId);
    if (item === undefined) return;
    await pool.run(async () => {
      const outcome = result.ok ? await completeBatchItem(run, item, result.response) : failedOutcome(result.error, 1);
      await emit(run, item, outcome);
    });
  }

  try {
    for (const fileId of [job.outputFileId, job.errorFileId]) {
      if (fileId !== undefined) await readResultFile(run, fileId, handleLine);
    }
  } finally {
    await pool.drain().catch((error: unknown) => {
      if (run.signal?.aborted !== true) throw error;
    });
  }
  run.signal?.throwIfAborted();
  const leftovers = [...batch.pending];
  batch.pending.clear();
  for (const id of leftovers) {
    const item = await run.spool.get(id);
    if (item !== undefined) await emit(run, item, failedOutcome(leftoverError(job, run.client.provider)));
  }
}

/** Streams one result file into `handleLine`, starting again after a cut connection (handled lines are skipped). */
async function readResultFile(
  run: BatchApiRun,
  fileId: string,
  handleLine: (line: string) => Promise<void>,
): Promise<void> {
  for (let restarts = 0; ; restarts += 1) {
    try {
      for await (const line of run.api.downloadFileLines(
        fileId,
        run.signal === undefined ? {} : { signal: run.signal },
      )) {
        await handleLine(line);
      }
      return;
    } catch (error) {
      const transient = error instanceof ConnectionError || error instanceof TimeoutError;
      if (run.signal?.aborted === true || !transient || restarts >= MAX_DOWNLOAD_RESTARTS) throw error;
      await run.clock.sleep(DOWNLOAD_RESTART_DELAY_MS * (restarts + 1), run.signal);
    }
  }
}

async function emit(run: BatchApiRun, item: BatchItem, outcome: BatchItemOutcome): Promise<void> {
  if (run.signal?.aborted === true) return;
  run.spool.delete(item.id);
  await run.emit(item, outcome);
}
