import { InputError } from '../errors.js';
import type { BatchInput, BatchItem } from './batch-types.js';
import { readFileLines } from './read-file-lines.js';
import { problemItem, toBatchItem } from './to-batch-item.js';

/**
 * Streams the items of a batch input: an array, a sync or async iterable, or a JSONL file (blank lines skipped; a line
 * that is not JSON becomes a failing item naming the line). Items are numbered in input order. @internal
 */
export async function* readBatchInputs(inputs: BatchInput): AsyncGenerator<BatchItem> {
  let index = 0;
  if (typeof inputs === 'string') {
    for await (const line of readInputFile(inputs)) {
      if (line.text.trim() === '') continue;
      const where = `line ${line.lineNumber} of ${inputs}`;
      let record: unknown;
      try {
        record = JSON.parse(line.text);
      } catch (error) {
        yield problemItem(String(index), index, `${where} is not JSON: ${(error as Error).message}`);
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

/** Whether a value can be read by {@link readBatchInputs}. @internal */
export function isBatchInput(inputs: unknown): inputs is BatchInput {
  if (typeof inputs === 'string') return inputs.toLowerCase().endsWith('.jsonl');
  if (typeof inputs !== 'object' || inputs === null) return false;
  return Symbol.iterator in inputs || Symbol.asyncIterator in inputs;
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
