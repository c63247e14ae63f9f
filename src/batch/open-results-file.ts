import { type FileHandle, open, stat, truncate } from 'node:fs/promises';
import { InputError } from '../errors/index.js';
import type { BatchItemResult } from './batch-types.js';
import { createIdTable, type IdTable } from './create-id-table.js';
import { readResultLines } from './read-batch-results.js';

/** The results file of a run, open for appending. @internal */
export interface ResultsFile {
  /** With `resume`: for each id already in the file, {@link PREVIOUS_OK} or {@link PREVIOUS_FAILED} (its last line). */
  previous: Pick<IdTable, 'get' | 'size'>;
  /** Appends one result as one line; lines land in the order of the calls. Rejects once a write failed. */
  append(result: BatchItemResult): Promise<void>;
  /** Waits for the pending lines and closes the file. */
  close(): Promise<void>;
}

/** The last line of an id in the results file is a success. @internal */
export const PREVIOUS_OK = 1;
/** The last line of an id in the results file is a failure. @internal */
export const PREVIOUS_FAILED = 0;

/**
 * Opens the results file for appending (flag `a`). With `resume`, reads it first — the last line per id wins — and
 * cuts off a torn last line (one without its line break) so the next line starts on a line of its own. Without
 * `resume`, a non-empty existing file is refused with an {@link InputError}, so results of another run are never
 * mixed in. @internal
 */
export async function openResultsFile(path: string, resume: boolean): Promise<ResultsFile> {
  const size = await fileSize(path);
  const previous = createIdTable();
  if (size > 0 && !resume) {
    throw new InputError(`The results file ${path} already exists: pass resume: true to continue it, or remove it`, {
      path: 'output',
    });
  }
  if (size > 0) {
    let completeBytes = 0;
    for await (const line of readResultLines(path)) {
      if (!line.complete) break;
      completeBytes = line.endOffset;
      if (line.result !== undefined) previous.set(line.result.id, line.result.ok ? PREVIOUS_OK : PREVIOUS_FAILED);
    }
    if (completeBytes < size) await truncate(path, completeBytes);
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'a');
  } catch (error) {
    throw new InputError(`Cannot open the results file ${path}: ${(error as Error).message}`, {
      path: 'output',
      cause: error,
    });
  }
  let tail: Promise<void> = Promise.resolve();
  return {
    previous,
    append(result) {
      const line = Buffer.from(`${JSON.stringify(result)}\n`, 'utf8');
      tail = tail.then(() => writeAll(handle, line));
      return tail;
    },
    async close() {
      try {
        await tail;
      } finally {
        await handle.close();
      }
    },
  };
}

/** One write per line; a short write (rare on regular files) is finished with more. */
async function writeAll(handle: FileHandle, line: Buffer): Promise<void> {
  let written = 0;
  while (written < line.byteLength) {
    const { bytesWritten } = await handle.write(line, written, line.byteLength - written);
    written += bytesWritten;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new InputError(`Cannot read the results file ${path}: ${(error as Error).message}`, {
      path: 'output',
      cause: error,
    });
  }
}
