import { TaskDefinitionError, type TaskDefinitionProblem } from '../../errors.js';
import { loadTask } from '../../task/load-task.js';
import type { CliIo } from '../cli-io.js';
import type { Command } from '../command.js';
import { EXIT_CODES } from '../exit-codes.js';
import { findTaskFiles } from '../find-task-files.js';
import { parseCommandLine } from '../parse-command-line.js';
import { HELP_FLAGS } from '../parse-common-flags.js';

const FLAGS = { ...HELP_FLAGS, json: { type: 'boolean' } } as const;

const HELP = `Usage: qwen-tasks check [PATH ...] [--json]

Validates task files against the task-file schema and defines each task (labels, schemas, examples), without
any network call. Directories are searched recursively for *.task.json, *.task.yaml, *.task.yml, *.task.mjs
and *.task.js; files are checked whatever their name. Default: tasks/.

Prints "ok FILE" for each valid file and "FILE: /json/path: message" for every problem;
exits with 1 when any file has a problem.

Options:
  --json        print [{ file, ok, problems: [{ path, message }] }] instead
  -h, --help    show this help

Examples:
  qwen-tasks check
  qwen-tasks check tasks/support-triage.task.yaml my-tasks/
`;

/** The outcome of checking one file. */
interface FileCheck {
  file: string;
  ok: boolean;
  problems: TaskDefinitionProblem[];
}

/** `qwen-tasks check`: validates task files, every problem with file, path and message. @internal */
export const checkCommand: Command = {
  name: 'check',
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine('check', args, FLAGS);
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT_CODES.ok;
    }
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
};

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
