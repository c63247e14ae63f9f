/**
 * The results file of a run: opened for appending (a resumed file read first, a torn last line cut off), one line
 * per finished item, and read back line by line. See `docs/running-at-scale.md` (Results and the results file).
 * @module
 */
import { writeSync } from 'node:fs';
import { type FileHandle, open, stat, truncate } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { createIdTable, type IdTable } from './id-table.js';
import { type FileLine, readFileLines } from './inputs.js';
import type { BatchItemResult } from './types.js';

/** The results file of a run, open for appending. */
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

/** The last line of an id in the results file is a success. */
export const PREVIOUS_OK = 1;
/** The last line of an id in the results file is a failure. */
export const PREVIOUS_FAILED = 0;

/**
 * Opens the results file for appending. With `resume`, reads it first (the last line per id wins) and cuts off a torn
 * last line; without it, a non-empty existing file is refused with an {@link InputError}, so runs are never mixed.
 * A file that is not recognisably a results file (a complete line that is not a result, or a last line without a
 * line break that is neither a result nor the start of one) is refused and left byte-identical. `beforeWrite` runs
 * after the file was read and before anything in it changes (the run's identity check).
 */
export async function openResultsFile(
  path: string,
  resume: boolean,
  beforeWrite: (existing: boolean) => Promise<void> = async () => undefined,
): Promise<ResultsFile> {
  const size = await fileSize(path);
  const previous = createIdTable();
  if (size > 0 && !resume) {
    throw new InputError(`The results file ${path} already exists: pass resume: true to continue it, or remove it`, {
      path: 'output',
    });
  }
  let completeBytes = 0;
  if (size > 0) {
    for await (const line of readResultLines(path)) {
      if (!line.complete) {
        checkTornLine(line, path);
        break;
      }
      completeBytes = line.endOffset;
      if (line.result !== undefined) previous.set(line.result.id, line.result.ok ? PREVIOUS_OK : PREVIOUS_FAILED);
    }
  }
  await beforeWrite(size > 0);
  if (completeBytes < size) await truncate(path, completeBytes);
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
    close: () => {
      previous.close();
      return handle.close();
    },
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

/** How every line this library writes begins (`JSON.stringify` of a result puts `id` first). */
const RESULT_LINE_START = '{"id":"';

/**
 * Checks the last line of a file when it has no line break: a result, or the start of one, is a torn write (a line
 * counts only once its `\n` is written), cut off by the caller; anything else — a one-line note, a minified JSON
 * file — means the file is not a results file: an {@link InputError}, and nothing is cut.
 */
function checkTornLine(line: FileLine, path: string): void {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    value = undefined;
  }
  if (isResult(value) || line.text.trim() === '') return;
  const start = line.text.slice(0, RESULT_LINE_START.length);
  if (value === undefined && RESULT_LINE_START.startsWith(start)) return;
  throw new InputError(
    `${path} is not a results file (line ${line.lineNumber}, its last, is not a batch result): nothing in it was changed; pass the path of a results file, or a new path`,
    { path: 'output' },
  );
}

/** A line of a results file: the parsed result, or none for a blank or torn line. */
export interface ResultLine extends FileLine {
  result: BatchItemResult | undefined;
}

/** Streams a results file line by line, parsing and checking each complete line. */
export async function* readResultLines(path: string): AsyncGenerator<ResultLine> {
  try {
    for await (const line of readFileLines(path)) {
      const result = line.complete && line.text.trim() !== '' ? parseResultLine(line, path) : undefined;
      yield { ...line, result };
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`Cannot read the results file ${path}: ${(error as Error).message}`, {
      path: 'output',
      cause: error,
    });
  }
}

function parseResultLine(line: FileLine, path: string): BatchItemResult {
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    value = undefined;
  }
  if (!isResult(value)) {
    throw new InputError(`Line ${line.lineNumber} of ${path} is not a batch result (an object with "id" and "ok")`, {
      path: 'output',
    });
  }
  return value;
}

function isResult(value: unknown): value is BatchItemResult {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.id === 'string' && typeof record.ok === 'boolean';
}
