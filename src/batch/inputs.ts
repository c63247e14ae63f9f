/**
 * Reading a run's input: records from an array, an iterable or a JSONL file turned into numbered items, and the line
 * reader that also serves the results file.
 * @module
 */
import { createReadStream } from 'node:fs';
import { InputError } from '../errors.js';
import type { BatchInput, BatchItem } from './types.js';

/**
 * Streams the items of a batch input: an array, a sync or async iterable, or a JSONL file (blank lines skipped; a line
 * that is not JSON becomes a failing item naming the line). Items are numbered in input order.
 */
export async function* readBatchInputs(inputs: BatchInput): AsyncGenerator<BatchItem> {
  let index = 0;
  if (typeof inputs === 'string') {
    for await (const line of readInputFile(inputs)) {
      if (line.text.trim() === '') continue;
      const where = `line ${line.lineNumber} of ${inputs}`;
      let record: unknown;
      try {
        record = parseJsonlRecord(line.text);
      } catch (error) {
        yield problemItem(String(index), index, `${where} is not JSON: ${(error as Error).message}`, {}, true);
        index += 1;
        continue;
      }
      yield toBatchItem(record, index, where);
      index += 1;
    }
    return;
  }
  for await (const record of inputs) {
    yield toBatchItem(record, index);
    index += 1;
  }
}

async function* readInputFile(path: string): ReturnType<typeof readFileLines> {
  try {
    yield* readFileLines(path);
  } catch (error) {
    throw new InputError(`Cannot read the input file ${path}: ${(error as Error).message}`, {
      path: 'inputs',
      cause: error,
    });
  }
}

/**
 * Parses one JSONL input line into a record, keeping a numeric `id` exactly as written: `{"id": 1234567890123456789}`
 * gives the id `"1234567890123456789"`, where `JSON.parse` alone would round it to `1234567890123456800`. The
 * library's file input and the CLI read lines with this. Throws `SyntaxError` for a line that is not JSON.
 */
export function parseJsonlRecord(text: string): unknown {
  const record: unknown = JSON.parse(text);
  if (typeof record === 'object' && record !== null && typeof (record as { id?: unknown }).id === 'number') {
    const written = rawIdText(text);
    if (written !== undefined) (record as { id: unknown }).id = written;
  }
  return record;
}

const NUMBER_TEXT = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The text of the number of the last top-level `"id"` key of a JSON object (the one `JSON.parse` keeps), or
 * `undefined`. The text is known to be valid JSON, so the walk only tracks strings and nesting.
 */
function rawIdText(text: string): string | undefined {
  let depth = 0;
  let found: string | undefined;
  let expectKey = false;
  for (let position = 0; position < text.length; position += 1) {
    const char = text[position];
    if (char === '"') {
      const start = position;
      for (position += 1; text[position] !== '"'; position += 1) if (text[position] === '\\') position += 1;
      if (depth !== 1 || !expectKey) continue;
      expectKey = false;
      if (JSON.parse(text.slice(start, position + 1)) !== 'id') continue;
      position = text.indexOf(':', position) + 1;
      while (/\s/.test(text[position] ?? '')) position += 1;
      NUMBER_TEXT.lastIndex = position;
      const match = NUMBER_TEXT.exec(text);
      found = match === null ? undefined : match[0];
      position -= 1; // the loop goes on at the value's first character
    } else if (char === '{' || char === '[') {
      depth += 1;
      expectKey = char === '{' && depth === 1;
    } else if (char === '}' || char === ']') depth -= 1;
    else if (char === ',' && depth === 1) expectKey = true;
  }
  return found;
}

/** One line of a file, without its line break. */
export interface FileLine {
  text: string;
  /** 1-based line number. */
  lineNumber: number;
  /** Whether a `\n` ended the line (only the last line of a file can lack one). */
  complete: boolean;
  /** Byte offset just after the line and its line break. */
  endOffset: number;
}

const NEWLINE = 0x0a;

/**
 * Streams a file line by line, tracking byte offsets so that a caller can cut a torn last line off. A `\r` before
 * the `\n` and a byte-order mark are removed. Memory holds one chunk and one line at a time.
 */
export async function* readFileLines(path: string): AsyncGenerator<FileLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = 0;
  let lineNumber = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      const piece = buffer.subarray(start, end);
      const line = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
      offset += line.byteLength + 1;
      lineNumber += 1;
      pending = [];
      pendingBytes = 0;
      yield { text: decode(line, lineNumber), lineNumber, complete: true, endOffset: offset };
      start = end + 1;
    }
    if (start < buffer.byteLength) {
      // Copy: the stream may reuse its chunk buffers.
      pending.push(Buffer.from(buffer.subarray(start)));
      pendingBytes += buffer.byteLength - start;
    }
  }
  if (pendingBytes > 0) {
    const line = Buffer.concat(pending);
    lineNumber += 1;
    yield { text: decode(line, lineNumber), lineNumber, complete: false, endOffset: offset + line.byteLength };
  }
}

/** Decodes a line; drops a trailing `\r` and the byte-order mark of the first line. */
function decode(line: Buffer, lineNumber: number): string {
  let text = line.toString('utf8');
  if (lineNumber === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
  return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/**
 * Turns one record into an item: a string is the text; an object gives `text`, an optional `id` (else the position)
 * and extra fields. An unusable record becomes an item with a `problem`, which fails alone; `where` names the record
 * in messages (e.g. `line 7 of in.jsonl`).
 */
export function toBatchItem(record: unknown, index: number, where = `item ${index}`): BatchItem {
  const positional = String(index);
  if (typeof record === 'string')
    return { id: positional, index, text: record, input: { text: record }, positional: true };
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return problemItem(positional, index, `${where} must be a string or an object with a "text" field`, {}, true);
  }
  const { id, ...input } = record as Record<string, unknown>;
  let itemId: string | undefined;
  if (typeof id === 'string' && id !== '') itemId = id;
  else if (typeof id === 'number' && Number.isFinite(id)) itemId = String(id);
  else if (id !== undefined && id !== null) {
    // Recorded under the empty id, which no valid record can have, so it never clashes with a later id.
    return problemItem(
      INVALID_RECORD_ID,
      index,
      `${where} has an id that is not a non-empty string or a number (its result has the id "" and index ${index})`,
      input,
    );
  }
  const { text } = input;
  if (typeof text !== 'string') {
    return problemItem(itemId ?? positional, index, `${where} has no "text" string field`, input, itemId === undefined);
  }
  return itemId === undefined
    ? { id: positional, index, text, input, positional: true }
    : { id: itemId, index, text, input };
}

/** The id of the result of a record whose id is unusable: empty, so it cannot clash with any record's id. */
export const INVALID_RECORD_ID = '';

/** An item that fails without a call. */
function problemItem(
  id: string,
  index: number,
  message: string,
  input: Record<string, unknown>,
  positional = false,
): BatchItem {
  return {
    id,
    index,
    text: '',
    input,
    problem: new InputError(message, { path: 'inputs' }),
    ...(positional ? { positional } : {}),
  };
}
