/**
 * Reading a run's input: records from an array, an iterable or a JSONL file turned into numbered items, the line
 * reader that also serves the results file, and the compact id table of duplicate and resume checks.
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
 * A compact map from ids to small numbers (0–255) for runs of any size: it keeps a 63-bit hash of each id (8 bytes
 * in a typed array, open addressing) instead of the id itself, about ten times less memory than a `Map` of strings.
 * Two ids with the same hash are taken as the same id; among a million ids the chance of that is about 1 in 20 million.
 */
export interface IdTable {
  /** The value stored for an id, or `undefined`. */
  get(id: string): number | undefined;
  /** Stores a value (0–255) for an id, replacing the previous one. */
  set(id: string, value: number): void;
  readonly size: number;
}

const INITIAL_CAPACITY = 1024;
/**
 * Filled up to 80% and grown by half (9 bytes a slot): a million ids peak at 23 MB while the table grows, against
 * 28 MB filled to half and doubled. Linear probing stays short at this load.
 */
const MAX_LOAD = 0.8;
const GROWTH = 1.5;

/** A set of ids with a small value each, kept as 64-bit hashes in flat typed arrays (a few bytes an id). */
export function createIdTable(): IdTable {
  let capacity = INITIAL_CAPACITY;
  // Two 32-bit halves per slot; the second half is never 0 in a used slot, so 0 marks an empty one.
  let hashes = new Uint32Array(capacity * 2);
  let values = new Uint8Array(capacity);
  let size = 0;

  /** The slot holding the hash, or the empty slot where it belongs. */
  function find(low: number, high: number): number {
    // The hash's share of the capacity (exact: low < 2^32 and the capacity < 2^21 in practice, under 2^53 anyway).
    let slot = Math.floor((low * capacity) / 4_294_967_296);
    for (;;) {
      const storedHigh = hashes[slot * 2 + 1];
      if (storedHigh === 0 || (storedHigh === high && hashes[slot * 2] === low)) return slot;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  function grow(): void {
    const oldHashes = hashes;
    const oldValues = values;
    capacity = Math.ceil(capacity * GROWTH);
    hashes = new Uint32Array(capacity * 2);
    values = new Uint8Array(capacity);
    for (let slot = 0; slot < oldValues.length; slot += 1) {
      const high = oldHashes[slot * 2 + 1] ?? 0;
      if (high === 0) continue;
      const low = oldHashes[slot * 2] ?? 0;
      const target = find(low, high);
      hashes[target * 2] = low;
      hashes[target * 2 + 1] = high;
      values[target] = oldValues[slot] ?? 0;
    }
  }

  return {
    get(id) {
      const [low, high] = hashId(id);
      const slot = find(low, high);
      return hashes[slot * 2 + 1] === 0 ? undefined : values[slot];
    },
    set(id, value) {
      const [low, high] = hashId(id);
      let slot = find(low, high);
      if (hashes[slot * 2 + 1] === 0) {
        if (size + 1 > capacity * MAX_LOAD) {
          grow();
          slot = find(low, high);
        }
        hashes[slot * 2] = low;
        hashes[slot * 2 + 1] = high;
        size += 1;
      }
      values[slot] = value;
    },
    get size() {
      return size;
    },
  };
}

/** Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a Murmur-style mix, both finalized). */
function hashId(id: string): [number, number] {
  let first = 0x811c9dc5;
  let second = 0x9747b28c ^ id.length;
  for (let position = 0; position < id.length; position += 1) {
    const unit = id.charCodeAt(position);
    first = Math.imul(first ^ unit, 0x01000193);
    second = Math.imul(second ^ unit, 0x5bd1e995);
    second ^= second >>> 15;
  }
  return [finalize(first), (finalize(second) | 1) >>> 0];
}

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function finalize(hash: number): number {
  let mixed = hash ^ (hash >>> 16);
  mixed = Math.imul(mixed, 0x85ebca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
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
