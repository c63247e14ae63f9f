/**
 * Getting a Batch API run's items into batches: request lines built as an online call would send them, request files
 * uploaded and turned into batches, the batches of an earlier run taken up again, and the on-disk spool that keeps
 * each item until its result arrives.
 * @module
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonSchemaModelsOf } from '../client/client.js';
import type { BatchJob, QwenClient } from '../client/types.js';
import { buildRequestBody } from '../client/wire.js';
import { InputError } from '../errors.js';
import { buildMessages } from '../prompt/messages.js';
import type { CompiledTask } from '../task/define-task.js';
import { checkText } from '../task/run-task.js';
import type { BatchApiRun, BatchState, BatchStateEntry, TrackedBatch } from './batch-api-run.js';
import { duplicateIdError, failedOutcome } from './outcomes.js';
import type { BatchItem } from './types.js';

/** An item ready for a request file. */
interface PreparedLine {
  item: BatchItem;
  line: string;
  /** Bytes of the line with its line break. */
  bytes: number;
}

/**
 * Reads the items once: items of an earlier run's batches (`previous`) wait for their results, unusable ones fail at
 * once, the others go into request files (within the line and byte limits), each uploaded and made a batch when
 * full. The state is saved after every upload and creation, so a restarted run finds its batches.
 */
export async function submitBatchItems(
  run: BatchApiRun,
  items: AsyncIterable<BatchItem>,
  previous: ReadonlyMap<string, TrackedBatch>,
): Promise<void> {
  const { settings } = run;
  const source = items[Symbol.asyncIterator]();
  const seen = new Set<string>();
  let carried: PreparedLine | undefined;
  let fileNumber = 0;

  /** The next item for a new request file; the items met on the way are handled. */
  async function nextLine(): Promise<PreparedLine | undefined> {
    for (;;) {
      run.signal?.throwIfAborted();
      const next = await source.next();
      if (next.done === true) return undefined;
      const item = next.value;
      if (item.problem !== undefined) {
        await run.emit(item, failedOutcome(item.problem));
        continue;
      }
      if (seen.has(item.id)) {
        await run.emit(item, failedOutcome(duplicateIdError(item)));
        continue;
      }
      seen.add(item.id);
      const earlier = previous.get(item.id);
      if (earlier !== undefined) {
        await run.spool.add(item);
        earlier.pending.add(item.id);
        continue;
      }
      const prepared = prepare(item);
      if (prepared instanceof Error) await run.emit(item, failedOutcome(prepared));
      else return prepared;
    }
  }

  function prepare(item: BatchItem): PreparedLine | InputError {
    try {
      checkText(item.text, run.compiled.systemTokens);
    } catch (error) {
      if (error instanceof InputError) return error;
      throw error;
    }
    const line = buildBatchRequestLine(run.compiled, run.client, item.id, item.text);
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > settings.maxBytesPerLine) {
      return new InputError(
        `Item "${item.id}" makes a request line of ${bytes} bytes, over the Batch API's limit of ${settings.maxBytesPerLine}`,
        { path: 'text' },
      );
    }
    return { item, line, bytes: bytes + 1 };
  }

  for (;;) {
    const first = carried ?? (await nextLine());
    carried = undefined;
    if (first === undefined) return;
    fileNumber += 1;
    const itemIds: string[] = [];
    async function* fileLines(): AsyncGenerator<string> {
      let lineCount = 0;
      let byteCount = 0;
      for (let current = first; current !== undefined; current = await nextLine()) {
        const full = lineCount + 1 > settings.maxLinesPerFile || byteCount + current.bytes > settings.maxBytesPerFile;
        if (lineCount > 0 && full) {
          carried = current;
          return;
        }
        await run.spool.add(current.item);
        itemIds.push(current.item.id);
        lineCount += 1;
        byteCount += current.bytes;
        yield current.line;
      }
    }
    const file = await run.api.uploadFile(fileLines(), {
      ...run.callOptions,
      filename: fileName(run.task.name, fileNumber),
    });
    const entry: BatchStateEntry = { inputFileId: file.id, itemIds };
    const tracked: TrackedBatch = { entry, pending: new Set(itemIds) };
    run.state.batches.push(entry);
    run.batches.push(tracked);
    await run.saveState();
    const job = await run.api.createBatch({
      ...run.callOptions,
      inputFileId: file.id,
      completionWindow: settings.completionWindow,
      metadata: { ds_name: run.task.name.slice(0, 64), ds_description: `qwen-tasks batch ${fileNumber}` },
    });
    entry.batchId = job.id;
    tracked.job = job;
    await run.saveState();
  }
}

/** `support-triage-2.jsonl`: the task's name made safe for a file name, and the file's number in this run. */
function fileName(taskName: string, fileNumber: number): string {
  const safe = taskName.replace(/[^\w.-]+/g, '-').slice(0, 64) || 'requests';
  return `${safe}-${fileNumber}.jsonl`;
}

/** The endpoint of every request line. */
const BATCH_REQUEST_URL = '/v1/chat/completions';

/**
 * One line of a request file: `{custom_id, method, url, body}`, where the body is the one an online call of the task
 * would send (same messages, model, sampling, `response_format`, explicit `enable_thinking`), never streamed.
 */
export function buildBatchRequestLine(
  compiled: CompiledTask,
  client: QwenClient,
  customId: string,
  text: string,
): string {
  const { body } = buildRequestBody(
    { ...compiled.request, stream: false, messages: buildMessages({ system: compiled.system, text }) },
    {
      provider: client.provider,
      model: client.model,
      outputLengthField: 'max_tokens',
      jsonSchemaModels: jsonSchemaModelsOf(client),
    },
  );
  return JSON.stringify({ custom_id: customId, method: 'POST', url: BATCH_REQUEST_URL, body });
}

/** Statuses of an earlier batch whose items are submitted again instead of waited for (a stopped run cancelled it). */
const RESUBMIT_STATUSES: ReadonlySet<string> = new Set(['cancelled', 'cancelling']);
/** Batches looked through for one created from a request file whose batch id the state missed. */
const ADOPT_SEARCH_LIMIT = 100;

/**
 * Adds the batches of an earlier run (its state file, and the `batchIds` given) to the run; an entry without a batch
 * id gets the batch made from its file, or a new one (a file is never uploaded twice). Cancelled batches are dropped
 * so their items are submitted again. Returns the batch of every item id.
 */
export async function resumeBatches(
  run: BatchApiRun,
  previousState: BatchState | undefined,
  batchIds: readonly string[],
): Promise<Map<string, TrackedBatch>> {
  const entries: BatchStateEntry[] = [...(previousState?.batches ?? [])];
  const jobs = new Map<string, BatchJob>();
  for (const batchId of batchIds) {
    if (entries.some((entry) => entry.batchId === batchId)) continue;
    const job = await run.api.retrieveBatch(batchId, run.callOptions);
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
    const job = jobs.get(entry.batchId) ?? (await run.api.retrieveBatch(entry.batchId, run.callOptions));
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
  for await (const line of run.api.downloadFileLines(fileId, run.callOptions)) {
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
  const page = await run.api.listBatches({ ...run.callOptions, limit: ADOPT_SEARCH_LIMIT });
  const existing = page.batches.find((batch) => batch.inputFileId === inputFileId);
  if (existing !== undefined) return existing.id;
  const job = await run.api.createBatch({
    ...run.callOptions,
    inputFileId,
    completionWindow: run.settings.completionWindow,
    metadata: { ds_name: run.task.name.slice(0, 64), ds_description: 'qwen-tasks batch (resumed)' },
  });
  return job.id;
}

/**
 * Items kept on disk while their batch runs, so that memory holds only their ids: the text is needed again for
 * online repair turns, and the whole item for the result.
 */
export interface ItemSpool {
  /** Stores an item under its id. */
  add(item: BatchItem): Promise<void>;
  /** Whether an item with this id is stored. */
  has(id: string): boolean;
  /** Reads an item back; `undefined` when it is not stored. */
  get(id: string): Promise<BatchItem | undefined>;
  /** Forgets an item (its bytes stay on disk until `close`). */
  delete(id: string): void;
  readonly size: number;
  /** Deletes the spool file; never throws. */
  close(): Promise<void>;
}

/** Opens an empty spool in a new folder under the OS temporary folder. */
export async function createItemSpool(): Promise<ItemSpool> {
  const folder = await mkdtemp(join(tmpdir(), 'qwen-tasks-spool-'));
  const handle = await open(join(folder, 'items.jsonl'), 'w+');
  const places = new Map<string, { position: number; bytes: number }>();
  let end = 0;
  let closed: Promise<void> | undefined;
  return {
    async add(item) {
      const { problem: _problem, ...stored } = item;
      const buffer = Buffer.from(`${JSON.stringify(stored)}\n`, 'utf8');
      const position = end;
      end += buffer.byteLength;
      let written = 0;
      while (written < buffer.byteLength) {
        written += (await handle.write(buffer, written, buffer.byteLength - written, position + written)).bytesWritten;
      }
      places.set(item.id, { position, bytes: buffer.byteLength - 1 });
    },
    has: (id) => places.has(id),
    async get(id) {
      const place = places.get(id);
      if (place === undefined) return undefined;
      const buffer = Buffer.alloc(place.bytes);
      let read = 0;
      while (read < place.bytes) {
        const { bytesRead } = await handle.read(buffer, read, place.bytes - read, place.position + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return JSON.parse(buffer.toString('utf8')) as BatchItem;
    },
    delete(id) {
      places.delete(id);
    },
    get size() {
      return places.size;
    },
    close() {
      closed ??= handle
        .close()
        .catch(() => undefined)
        .then(() => rm(folder, { recursive: true, force: true }))
        .catch(() => undefined);
      return closed;
    },
  };
}
