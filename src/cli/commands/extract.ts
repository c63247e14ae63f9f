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
  schema: { type: 'string', short: 's' },
} as const;

const HELP = `Usage: qwen-tasks extract [TEXT | -] --schema schema.json [options]

Extracts data from a text into a value valid against a JSON Schema and prints it as JSON
(indented; one line with --json).

Task:
  -s, --schema PATH  the output's JSON Schema (draft 2020-12), a .json or .yaml file (required)

${ONE_OFF_FLAGS_HELP}
${CLIENT_FLAGS_HELP}
Examples:
  qwen-tasks extract "Invoice 42 from ACME, due 2025-03-01, total 99.50 EUR" --schema invoice.schema.json
  qwen-tasks extract --file email.txt --schema contact.schema.json --json
`;

/** `qwen-tasks extract`: one text, one JSON value valid against a schema. @internal */
export const extractCommand: Command = {
  name: 'extract',
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine('extract', args, FLAGS);
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT_CODES.ok;
    }
    const task = await builtinTask('extract', values, 'extract');
    const clientOptions = parseCommonFlags(values, 'extract');
    return withClient(clientOptions, io.env, async (client) => {
      const text = await readTextInput({ positionals, file: values.file, stdin: io.stdin, command: 'extract' });
      const { value } = await runTask(task, text, { client });
      io.stdout.write(formatValue(value, values.json ?? false));
      return EXIT_CODES.ok;
    });
  },
};
