import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../errors.js';

/** Text is written to disk in pieces of about this size. */
const WRITE_CHUNK_CHARACTERS = 1024 * 1024;

/** A JSONL file written to a private temporary folder. @internal */
export interface TempJsonlFile {
  path: string;
  /** Size in bytes, line breaks included. */
  bytes: number;
  lineCount: number;
  /** Deletes the file and its folder; never throws. */
  remove(): Promise<void>;
}

/**
 * Writes lines to `requests.jsonl` in a new folder under the OS temporary folder, one line each, ending in a line
 * break; only about a megabyte is held in memory at a time. A line that is blank or holds a line break, or no line
 * at all, is an {@link InputError}; the folder is removed when writing fails.
 * @internal
 */
export async function writeJsonlTempFile(
  lines: AsyncIterable<string> | Iterable<string>,
  signal?: AbortSignal,
): Promise<TempJsonlFile> {
  const folder = await mkdtemp(join(tmpdir(), 'qwen-tasks-batch-'));
  const remove = () => rm(folder, { recursive: true, force: true }).catch(() => undefined);
  const path = join(folder, 'requests.jsonl');
  let bytes = 0;
  let lineCount = 0;
  try {
    const handle = await open(path, 'w');
    try {
      let pending = '';
      for await (const line of lines) {
        signal?.throwIfAborted();
        lineCount += 1;
        checkLine(line, lineCount);
        pending += `${line}\n`;
        if (pending.length >= WRITE_CHUNK_CHARACTERS) {
          bytes += (await handle.write(pending, null, 'utf8')).bytesWritten;
          pending = '';
        }
      }
      if (pending !== '') bytes += (await handle.write(pending, null, 'utf8')).bytesWritten;
    } finally {
      await handle.close();
    }
    if (lineCount === 0) throw new InputError('A batch file needs at least one line', { path: 'lines' });
    signal?.throwIfAborted();
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, bytes, lineCount, remove };
}

function checkLine(line: unknown, lineNumber: number): void {
  if (typeof line !== 'string' || line.trim() === '') {
    throw new InputError(`Line ${lineNumber} of the batch file is empty or not a string`, { path: 'lines' });
  }
  if (line.includes('\n') || line.includes('\r')) {
    throw new InputError(`Line ${lineNumber} of the batch file holds a line break: send one JSON object per line`, {
      path: 'lines',
    });
  }
}
