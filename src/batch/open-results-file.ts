import { writeSync } from 'node:fs';
import { type FileHandle, open, stat, truncate } from 'node:fs/promises';
import { InputError } from '../errors.js';
import type { BatchItemResult } from './batch-types.js';
import { createIdTable, type IdTable } from './create-id-table.js';
import { readResultLines } from './read-batch-results.js';

/** The results file of a run, open for appending. @internal */
export interface ResultsFile {
  /** With `resume`: for each id already in the file, {@link PREVIOUS_OK} or {@link PREVIOUS_FAILED} (its last line). */
  previous: Pick<IdTable, 'get' | 'size'>;
  /**
   * Appends one result as one line, with one synchronous `write` (a short line costs less than a round trip through
   * the thread pool, and lines land in the order of the calls): when it returns, the line survives a crash of the
   * process. Throws when the write fails.
   */
  append(result: BatchItemResult): void;
  /** Closes the file. */
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
  return {
    previous,
    append(result) {
      const line = Buffer.from(`${JSON.stringify(result)}\n`, 'utf8');
      // One write per line; a short write (rare on regular files) is finished with more.
      let written = 0;
      while (written < line.byteLength) written += writeSync(handle.fd, line, written, line.byteLength - written);
    },
    close: () => handle.close(),
  };
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
