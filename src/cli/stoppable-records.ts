import type { BatchInputRecord } from '../batch/batch-types.js';
import type { CliOutput } from './cli-io.js';
import { readJsonlLines } from './read-jsonl.js';

/** The records of a JSONL input, read lazily, with an intake that can be closed early. @internal */
export interface StoppableRecords {
  records: AsyncIterable<BatchInputRecord>;
  /** Ends the input at the next record asked for: items already taken finish, no new ones start. */
  stop(): void;
}

/**
 * Reads a JSONL input for `runBatch` record by record, so that Ctrl-C can end the input (and let the items in
 * flight finish) instead of aborting them. Records are numbered as `runBatch` numbers the lines of a file (every
 * non-blank line counts); a line that is not JSON is handed on as an unusable record, so its item fails on its own,
 * and a warning with the reason goes to `warnings`.
 * @internal
 */
export function stoppableRecords(path: string, command: string, warnings: CliOutput): StoppableRecords {
  let stopped = false;
  async function* read(): AsyncGenerator<BatchInputRecord> {
    for await (const { line, text } of readJsonlLines(path, '--input', command)) {
      if (stopped) return;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        warnings.write(`warning: ${path}:${line} is not JSON (${reason}); its item fails\n`);
        record = null;
      }
      // runBatch checks each record and fails the unusable ones without stopping the run.
      yield record as BatchInputRecord;
    }
  }
  return {
    records: read(),
    stop() {
      stopped = true;
    },
  };
}

/** Counts the non-blank lines of a JSONL file (the items a run will see), for the progress total. @internal */
export async function countRecords(path: string, command: string): Promise<number> {
  let count = 0;
  for await (const _line of readJsonlLines(path, '--input', command)) count += 1;
  return count;
}
