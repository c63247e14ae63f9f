import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFileError } from './read-text-input.js';
import { UsageError } from './usage-error.js';

/** Names of task files: `*.task.json`, `*.task.yaml`, `*.task.yml`, `*.task.mjs`, `*.task.js`. @internal */
export const TASK_FILE_NAME = /\.task\.(json|ya?ml|m?js)$/i;

/**
 * The task files to check: each path that is a file is taken as is; each directory is searched recursively for
 * task files (skipping `node_modules` and hidden folders). Sorted within each directory; a path that does not
 * exist is a {@link UsageError}.
 * @internal
 */
export async function findTaskFiles(paths: readonly string[], command: string): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      throw new UsageError(`cannot check ${path}: ${describeFileError(error)}`, { command, cause: error });
    }
    if (isDirectory) files.push(...(await searchDirectory(path)));
    else files.push(path);
  }
  return [...new Set(files)];
}

async function searchDirectory(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) files.push(...(await searchDirectory(path)));
    } else if (TASK_FILE_NAME.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}
