import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';

/** One submitted request file: its batch once created, and the ids of the items it holds. @internal */
export interface BatchStateEntry {
  inputFileId: string;
  /** Missing when the run stopped between the upload and the creation of the batch. */
  batchId?: string;
  itemIds: string[];
}

/** What the sidecar file of a results file remembers of a Batch API run. @internal */
export interface BatchState {
  version: 1;
  /** The task's hash: a resume with another task is refused. */
  taskHash: string;
  batches: BatchStateEntry[];
}

/** The sidecar of a results file: `results.jsonl` → `results.jsonl.batch-state.json`. @internal */
export function batchStatePath(output: string): string {
  return `${output}.batch-state.json`;
}

/** Reads a state file; `undefined` when there is none. A file that is not a state is an {@link InputError}. @internal */
export async function readBatchState(path: string): Promise<BatchState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`Cannot read the batch state file ${path}: ${(error as Error).message}`, {
      path: 'output',
      cause: error,
    });
  }
  const state = parseState(text);
  if (state === undefined) {
    throw new InputError(`The batch state file ${path} is not one this library wrote: remove it to start over`, {
      path: 'output',
    });
  }
  return state;
}

/** Replaces the state file in one step (a temporary file renamed over it), so a crash never leaves half a file. @internal */
export async function writeBatchState(path: string, state: BatchState): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state)}\n`, 'utf8');
  await rename(temporary, path);
}

/** Deletes the state file, when there is one. @internal */
export async function removeBatchState(path: string): Promise<void> {
  await rm(path, { force: true });
}

function parseState(text: string): BatchState | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.version !== 1 || typeof value.taskHash !== 'string' || !Array.isArray(value.batches)) {
    return undefined;
  }
  const batches: BatchStateEntry[] = [];
  for (const entry of value.batches) {
    if (!isObject(entry) || typeof entry.inputFileId !== 'string' || !Array.isArray(entry.itemIds)) return undefined;
    if (!entry.itemIds.every((id) => typeof id === 'string')) return undefined;
    if (entry.batchId !== undefined && typeof entry.batchId !== 'string') return undefined;
    batches.push({
      inputFileId: entry.inputFileId,
      ...(entry.batchId === undefined ? {} : { batchId: entry.batchId }),
      itemIds: entry.itemIds as string[],
    });
  }
  return { version: 1, taskHash: value.taskHash, batches };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
