import { type CliIo, processIo } from './cli-io.js';
import { closestName } from './closest-name.js';
import { COMMANDS } from './commands.js';
import { EXIT_CODES } from './exit-codes.js';
import { readVersion } from './read-version.js';
import { reportError } from './report-error.js';
import { UsageError } from './usage-error.js';

/** The top-level help. @internal */
export const HELP = `qwen-tasks — dependable structured tasks on qwen-flash

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

/**
 * Runs the `qwen-tasks` command line with the given arguments and resolves to the exit code; errors are printed
 * on stderr, never thrown.
 * @internal
 */
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
