import { InputError } from '../errors.js';
import type { BatchItemResult } from './batch-types.js';
import { type FileLine, readFileLines } from './read-file-lines.js';

/**
 * Streams the results of a batch results file (the `output` of {@link runBatch}), one parsed line at a time, in file
 * order. A last line without its line break (torn by a crash) is skipped, never parsed. With `retryFailed` runs an
 * id can appear more than once: its last line is its final result. Throws {@link InputError} when the file cannot be
 * read or a complete line is not a result.
 *
 * @example
 * ```ts
 * const final = new Map<string, BatchItemResult>();
 * for await (const result of readBatchResults('results.jsonl')) final.set(result.id, result);
 * ```
 */
export async function* readBatchResults(path: string): AsyncGenerator<BatchItemResult> {
  for await (const line of readResultLines(path)) {
    if (line.result !== undefined) yield line.result;
  }
}

/** A line of a results file: the parsed result, or none for a blank or torn line. @internal */
export interface ResultLine extends FileLine {
  result: BatchItemResult | undefined;
}

/** Streams a results file line by line, parsing and checking each complete line. @internal */
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
