import { InputError } from '../../errors.js';
import { checkText } from '../../task/check-text.js';
import type { BatchItem } from '../batch-types.js';
import { failedOutcome } from '../failed-outcome.js';
import type { BatchApiRun, TrackedBatch } from './batch-api-run.js';
import type { BatchStateEntry } from './batch-state-file.js';
import { buildBatchRequestLine } from './build-batch-request-line.js';

/** An item ready for a request file. */
interface PreparedLine {
  item: BatchItem;
  line: string;
  /** Bytes of the line with its line break. */
  bytes: number;
}

/**
 * Reads the items once and submits them: items of a batch of an earlier run (`previous`) are only kept for their
 * results; unusable items (a record problem, a duplicate id, a bad text, a request line over `maxBytesPerLine`) fail
 * at once; the others are written into request files of at most `maxLinesPerFile` lines and `maxBytesPerFile` bytes,
 * each uploaded and turned into a batch as soon as it is full. The state is saved after every upload and creation,
 * so a restarted run finds its batches. Items are kept in the spool (on disk) until their result arrives.
 * @internal
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
        const error = new InputError(`Duplicate id "${item.id}" (item ${item.index}): every item needs its own id`, {
          path: 'inputs',
        });
        await run.emit(item, failedOutcome(error));
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
    const signal = run.signal === undefined ? {} : { signal: run.signal };
    const file = await run.api.uploadFile(fileLines(), { ...signal, filename: fileName(run.task.name, fileNumber) });
    const entry: BatchStateEntry = { inputFileId: file.id, itemIds };
    const tracked: TrackedBatch = { entry, pending: new Set(itemIds) };
    run.state.batches.push(entry);
    run.batches.push(tracked);
    await run.saveState();
    const job = await run.api.createBatch({
      ...signal,
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
