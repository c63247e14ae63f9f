import type { BatchJob } from '../../client/batch-api/batch-api-types.js';
import { InputError } from '../../errors.js';
import type { BatchApiRun, TrackedBatch } from './batch-api-run.js';
import type { BatchState, BatchStateEntry } from './batch-state-file.js';

/** Statuses of an earlier batch whose items are submitted again instead of waited for (a stopped run cancelled it). */
const RESUBMIT_STATUSES: ReadonlySet<string> = new Set(['cancelled', 'cancelling']);
/** Batches looked through for one created from a request file whose batch id the state missed. */
const ADOPT_SEARCH_LIMIT = 100;

/**
 * Finds the batches of an earlier run — the entries of its state file and the `batchIds` given (whose request files
 * say which items they hold) — and adds them to the run. An entry without a batch id (the run stopped between upload
 * and creation) gets the batch that was created from its file after all, or a new one: the file is never uploaded
 * twice. A cancelled batch is dropped, so its items are submitted again. Returns the batch of every item id.
 * @internal
 */
export async function resumeBatches(
  run: BatchApiRun,
  previousState: BatchState | undefined,
  batchIds: readonly string[],
): Promise<Map<string, TrackedBatch>> {
  const signal = run.signal === undefined ? {} : { signal: run.signal };
  const entries: BatchStateEntry[] = [...(previousState?.batches ?? [])];
  const jobs = new Map<string, BatchJob>();
  for (const batchId of batchIds) {
    if (entries.some((entry) => entry.batchId === batchId)) continue;
    const job = await run.api.retrieveBatch(batchId, signal);
    if (job.inputFileId === undefined) {
      throw new InputError(`Batch ${batchId} names no request file, so its items are unknown`, {
        path: 'options.batchIds',
      });
    }
    entries.push({ inputFileId: job.inputFileId, batchId, itemIds: await readCustomIds(run, job.inputFileId) });
    jobs.set(batchId, job);
  }
  const itemBatches = new Map<string, TrackedBatch>();
  for (const entry of entries) {
    entry.batchId ??= await adoptOrCreateBatch(run, entry.inputFileId);
    const job = jobs.get(entry.batchId) ?? (await run.api.retrieveBatch(entry.batchId, signal));
    if (RESUBMIT_STATUSES.has(job.status)) continue;
    const tracked: TrackedBatch = { entry, pending: new Set(), job };
    run.state.batches.push(entry);
    run.batches.push(tracked);
    for (const itemId of entry.itemIds) itemBatches.set(itemId, tracked);
  }
  await run.saveState();
  return itemBatches;
}

/** The `custom_id` of every line of a request file, streamed. */
async function readCustomIds(run: BatchApiRun, fileId: string): Promise<string[]> {
  const ids: string[] = [];
  const signal = run.signal === undefined ? {} : { signal: run.signal };
  for await (const line of run.api.downloadFileLines(fileId, signal)) {
    const customId = customIdOf(line);
    if (customId !== undefined) ids.push(customId);
  }
  return ids;
}

function customIdOf(line: string): string | undefined {
  try {
    const value = JSON.parse(line) as { custom_id?: unknown } | null;
    return typeof value?.custom_id === 'string' ? value.custom_id : undefined;
  } catch {
    return undefined;
  }
}

/** The batch already created from this request file (among the newest), or a new one. */
async function adoptOrCreateBatch(run: BatchApiRun, inputFileId: string): Promise<string> {
  const signal = run.signal === undefined ? {} : { signal: run.signal };
  const page = await run.api.listBatches({ ...signal, limit: ADOPT_SEARCH_LIMIT });
  const existing = page.batches.find((batch) => batch.inputFileId === inputFileId);
  if (existing !== undefined) return existing.id;
  const job = await run.api.createBatch({
    ...signal,
    inputFileId,
    completionWindow: run.settings.completionWindow,
    metadata: { ds_name: run.task.name.slice(0, 64), ds_description: 'qwen-tasks batch (resumed)' },
  });
  return job.id;
}
