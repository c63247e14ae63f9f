/**
 * The `qwen-tasks` command line: the command table, the top-level help, and how an error that ends a command is
 * printed and turned into an exit code. A command's module is imported only when that command runs, so `--help`,
 * `preview` and `check` never load the batch or client machinery. See docs/cli.md.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { AuthenticationError, InputError, redact, TaskDefinitionError } from '../errors.js';
import { type CliIo, type CliOutput, type Command, closestName, EXIT_CODES, processIo, UsageError } from './command.js';

/** A command as the top level knows it: its line in the help, and its module, loaded only when used. */
interface CommandEntry {
  name: string;
  /** One line for the command list. */
  summary: string;
  load(): Promise<Command>;
}

/** Every command, in the order the help lists them. */
const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'classify',
    summary: 'classify a text into one of the given labels (several with --multi)',
    load: async () => (await import('./one-off.js')).classifyCommand,
  },
  {
    name: 'extract',
    summary: 'extract JSON valid against a JSON Schema from a text',
    load: async () => (await import('./one-off.js')).extractCommand,
  },
  {
    name: 'summarize',
    summary: 'summarize a text as bullet points or a paragraph',
    load: async () => (await import('./one-off.js')).summarizeCommand,
  },
  {
    name: 'run',
    summary: 'run a task over a JSONL file (progress, resumable output, spend cap, Batch API)',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'preview',
    summary: 'show the exact request, its tokens and cost (no network, no key); --input totals a file',
    load: async () => (await import('./preview.js')).previewCommand,
  },
  {
    name: 'eval',
    summary: 'score a task against labelled data (accuracy, per-label F1, confusion matrix, cost)',
    load: async () => (await import('./eval.js')).evalCommand,
  },
  {
    name: 'tune',
    summary: 'improve a task from labelled data (examples, instructions, label descriptions) within a cost cap',
    load: async () => (await import('./tune.js')).tuneCommand,
  },
  {
    name: 'check',
    summary: 'validate task files (every problem with file, JSON path and message)',
    load: async () => (await import('./check.js')).checkCommand,
  },
];

/** The top-level help. */
const HELP = `qwen-tasks — dependable structured tasks on qwen-flash

Usage:
  qwen-tasks <command> [options]
  qwen-tasks <command> --help

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

Options:
  -h, --help     show this help
  -v, --version  show the version

The API key comes from the environment only (never a flag, so it stays out of shell history):
  QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY   any OpenAI-compatible server
  DASHSCOPE_API_KEY                          Alibaba Model Studio (DASHSCOPE_REGION, DASHSCOPE_BASE_URL)
  SEGMIND_API_KEY                            Segmind

Exit codes: 0 ok; 1 failed items, a failed check or an evaluation below its minimum;
2 usage or configuration errors; 130 interrupted.

Example:
  qwen-tasks classify "Great battery, awful screen" --labels positive,negative,neutral
`;

/** Runs the command line with the given arguments and resolves to the exit code; errors go to stderr, never thrown. */
export async function main(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [first, ...rest] = args;
  try {
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      const topic = first === 'help' ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
      io.stdout.write(topic === undefined ? HELP : (await topic.load()).help);
      return EXIT_CODES.ok;
    }
    if (first === '-v' || first === '--version') {
      io.stdout.write(`${await readVersion()}\n`);
      return EXIT_CODES.ok;
    }
    const entry = COMMANDS.find((candidate) => candidate.name === first);
    if (entry === undefined) throw unknownCommand(first);
    return await (await entry.load()).run(rest, io);
  } catch (error) {
    return reportError(error, io.stderr);
  }
}

function unknownCommand(name: string): UsageError {
  const names = COMMANDS.map((command) => command.name);
  const suggestion = name.startsWith('-') ? undefined : closestName(name, names);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  const what = name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"${hint}`;
  return new UsageError(`${what}; commands: ${names.join(', ')}. Run "qwen-tasks --help" for usage.`);
}

/**
 * Prints the error that ended a command and returns its exit code: a usage error as `qwen-tasks <command>: message`
 * plus a pointer to `--help` (2); anything else as `name: message`, redacted once more (2 or 1, see below).
 */
function reportError(error: unknown, stderr: CliOutput): number {
  if (error instanceof UsageError) {
    const prefix = error.command === undefined ? 'qwen-tasks' : `qwen-tasks ${error.command}`;
    const pointer = error.command === undefined ? '' : `Run "qwen-tasks ${error.command} --help" for usage.\n`;
    stderr.write(`${prefix}: ${redact(error.message)}\n${pointer}`);
    return EXIT_CODES.usage;
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`${name}: ${redact(message)}\n`);
  return exitCodeOf(error);
}

/** 2 for configuration and input problems (bad input, an invalid task file, a refused key), 1 for failures. */
function exitCodeOf(error: unknown): number {
  const configuration =
    error instanceof InputError || error instanceof TaskDefinitionError || error instanceof AuthenticationError;
  return configuration ? EXIT_CODES.usage : EXIT_CODES.failed;
}

/** The package version, from `package.json` three levels up from the compiled `dist/src/cli/`. */
async function readVersion(): Promise<string> {
  const packageJson = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return packageJson.version;
}
