import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeFileError } from './read-text-input.js';
import { UsageError } from './usage-error.js';

/** One non-blank line of a JSONL file, trimmed, and its 1-based line number. @internal */
export interface JsonlLine {
  line: number;
  text: string;
}

/** One parsed JSONL line and its 1-based line number. @internal */
export interface JsonlRecord {
  line: number;
  value: unknown;
}

/**
 * Streams the non-blank lines of a text file without reading it into memory (a byte-order mark is dropped). A file
 * that cannot be opened is a {@link UsageError} naming the flag.
 * @internal
 */
export async function* readJsonlLines(path: string, flag: string, command: string): AsyncGenerator<JsonlLine> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${path}: ${describeFileError(error)}`, { command, cause: error });
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const raw of lines) {
      line += 1;
      const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (text !== '') yield { line, text };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * Streams the records of a JSONL file, one parsed value per non-blank line. A line that is not JSON, or a file that
 * cannot be read, is a {@link UsageError} naming the file and line.
 * @internal
 */
export async function* readJsonl(path: string, flag: string, command: string): AsyncGenerator<JsonlRecord> {
  for await (const { line, text } of readJsonlLines(path, flag, command)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UsageError(`${path}:${line}: not valid JSON (${reason})`, { command, cause: error });
    }
    yield { line, value };
  }
}

/** The text of an input record: the string itself, or its `text` field; `undefined` when there is none. @internal */
export function recordText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const text = (value as { text?: unknown }).text;
    if (typeof text === 'string') return text;
  }
  return undefined;
}
