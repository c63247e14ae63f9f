import { summarize } from '../../../tasks/summarize.js';
import { summarizeOptions } from '../builtin-task.js';
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
  format: { type: 'string' },
  'max-items': { type: 'string' },
  'max-words': { type: 'string' },
} as const;

const HELP = `Usage: qwen-tasks summarize [TEXT | -] [--format bullets|paragraph] [--max-items N | --max-words N] [options]

Summarizes a text as bullet points (printed one per line) or one paragraph. Long texts are summarized
in chunks, then the chunk summaries are summarized.

Task:
  --format NAME      bullets | paragraph (default paragraph; bullets when --max-items is given)
  --max-items N      at most N bullet points
  --max-words N      at most N words (paragraph)

${ONE_OFF_FLAGS_HELP}
${CLIENT_FLAGS_HELP}
Examples:
  qwen-tasks summarize --file report.txt --format bullets --max-items 5
  curl -s https://example.com/post.txt | qwen-tasks summarize - --max-words 60
`;

/** `qwen-tasks summarize`: one text, bullet points or a paragraph. @internal */
export const summarizeCommand: Command = {
  name: 'summarize',
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine('summarize', args, FLAGS);
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT_CODES.ok;
    }
    const options = summarizeOptions(values, 'summarize');
    const clientOptions = parseCommonFlags(values, 'summarize');
    return withClient(clientOptions, io.env, async (client) => {
      const text = await readTextInput({ positionals, file: values.file, stdin: io.stdin, command: 'summarize' });
      const value =
        options.format === 'bullets'
          ? await summarize(text, { ...options, format: 'bullets', client })
          : await summarize(text, { ...options, format: 'paragraph', client });
      io.stdout.write(formatValue(value, values.json ?? false));
      return EXIT_CODES.ok;
    });
  },
};
