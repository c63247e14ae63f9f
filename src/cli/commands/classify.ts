import { runTask } from '../../task/run-task.js';
import { builtinTask } from '../builtin-task.js';
import type { CliIo } from '../cli-io.js';
import type { Command } from '../command.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatValue } from '../format-value.js';
import { parseCommandLine } from '../parse-command-line.js';
import { CLIENT_FLAGS_HELP, parseCommonFlags } from '../parse-common-flags.js';
import { readTextInput } from '../read-text-input.js';
import { withClient } from '../with-client.js';
import { ONE_OFF_FLAGS, ONE_OFF_FLAGS_HELP } from './one-off-flags.js';

const FLAGS = {
  ...ONE_OFF_FLAGS,
  labels: { type: 'string', short: 'l' },
  multi: { type: 'boolean', short: 'm' },
} as const;

const HELP = `Usage: qwen-tasks classify [TEXT | -] --labels a,b,c [--multi] [options]

Classifies a text into one of the labels (or every label that applies, with --multi) and prints it:
the label as-is, several labels one per line, or JSON with --json.

Task:
  -l, --labels LIST  comma-separated labels (required)
  -m, --multi        return every label that applies (possibly none)

${ONE_OFF_FLAGS_HELP}
${CLIENT_FLAGS_HELP}
Examples:
  qwen-tasks classify "Great battery, awful screen" --labels positive,negative,neutral
  cat ticket.txt | qwen-tasks classify - --labels billing,bug,feature-request --multi --json
`;

/** `qwen-tasks classify`: one text, one label (or several with `--multi`). @internal */
export const classifyCommand: Command = {
  name: 'classify',
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine('classify', args, FLAGS);
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT_CODES.ok;
    }
    const task = await builtinTask('classify', values, 'classify');
    const clientOptions = parseCommonFlags(values, 'classify');
    return withClient(clientOptions, io.env, async (client) => {
      const text = await readTextInput({ positionals, file: values.file, stdin: io.stdin, command: 'classify' });
      const { value } = await runTask(task, text, { client });
      io.stdout.write(formatValue(value, values.json ?? false));
      return EXIT_CODES.ok;
    });
  },
};
