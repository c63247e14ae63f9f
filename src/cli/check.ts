/**
 * `qwen-tasks check`: validates task files without any network call, every problem with its file, JSON path and
 * message. See docs/cli.md and docs/task-files.md.
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskDefinitionError, type TaskDefinitionProblem } from '../errors.js';
import { loadTask } from '../task/task-file.js';
import { defineCommand, EXIT_CODES, HELP_FLAGS, UsageError } from './command.js';
import { describeFileError } from './io.js';

/** The outcome of checking one file. */
interface FileCheck {
  file: string;
  ok: boolean;
  problems: TaskDefinitionProblem[];
}

/** `qwen-tasks check`: validates task files, every problem with file, path and message. */
export const checkCommand = defineCommand({
  name: 'check',
  usage: 'check [PATH ...] [--json]',
  about: `Validates task files against the task-file schema and defines each task (labels, schemas, examples), without
any network call. Directories are searched recursively for *.task.json, *.task.yaml, *.task.yml, *.task.mjs
and *.task.js; files are checked whatever their name. Default: tasks/.

Prints "ok FILE" for each valid file and "FILE: /json/path: message" for every problem;
exits with 1 when any file has a problem.`,
  flags: {
    ...HELP_FLAGS,
    json: { type: 'boolean', description: 'print [{ file, ok, problems: [{ path, message }] }] instead' },
  },
  sections: [{ title: 'Options', flags: ['json', 'help'] }],
  examples: ['qwen-tasks check', 'qwen-tasks check tasks/support-triage.task.yaml my-tasks/'],
  async run(values, positionals, io) {
    const paths = positionals.length > 0 ? positionals : ['tasks'];
    const files = await findTaskFiles(paths, 'check');
    const checks: FileCheck[] = [];
    for (const file of files) checks.push(await checkFile(file));
    const failed = checks.filter((check) => !check.ok);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
    } else {
      for (const check of checks) io.stdout.write(formatCheck(check));
      io.stderr.write(summaryLine(checks.length, failed, paths));
    }
    return files.length === 0 || failed.length > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
  },
});

async function checkFile(file: string): Promise<FileCheck> {
  try {
    await loadTask(file);
    return { file, ok: true, problems: [] };
  } catch (error) {
    if (error instanceof TaskDefinitionError) return { file, ok: false, problems: [...error.problems] };
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { file, ok: false, problems: [{ path: '', message }] };
  }
}

function formatCheck({ file, ok, problems }: FileCheck): string {
  if (ok) return `ok ${file}\n`;
  return problems
    .map((problem) => `${file}: ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}\n`)
    .join('');
}

function summaryLine(total: number, failed: readonly FileCheck[], paths: readonly string[]): string {
  if (total === 0) return `no task files found in ${paths.join(', ')}\n`;
  const problems = failed.reduce((sum, check) => sum + check.problems.length, 0);
  const files = `${total} task file${total === 1 ? '' : 's'}`;
  if (failed.length === 0) return `checked ${files}: all valid\n`;
  return `checked ${files}: ${failed.length} with problems (${problems} problem${problems === 1 ? '' : 's'})\n`;
}

/** Names of task files: `*.task.json`, `*.task.yaml`, `*.task.yml`, `*.task.mjs`, `*.task.js`. */
const TASK_FILE_NAME = /\.task\.(json|ya?ml|m?js)$/i;

/**
 * The task files to check: each path that is a file is taken as is; each directory is searched recursively for
 * task files (skipping `node_modules` and hidden folders). Sorted within each directory; a path that does not
 * exist is a {@link UsageError}.
 */
async function findTaskFiles(paths: readonly string[], command: string): Promise<string[]> {
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
