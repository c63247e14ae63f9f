/**
 * The one-off commands `classify`, `extract` and `summarize`: one text in (an argument, a file or stdin), the task's
 * value out. See docs/cli.md.
 * @module
 */
import type { QwenClient } from '../client/types.js';
import { summarize } from '../task/one-liners.js';
import { runTask } from '../task/run-task.js';
import {
  CLIENT_FLAGS,
  CLIENT_SECTION,
  type CliIo,
  defineCommand,
  EXIT_CODES,
  type Flags,
  type FlagValues,
  HELP_FLAGS,
  type HelpSection,
  parseCommonFlags,
} from './command.js';
import { readTextInput, withClient } from './io.js';
import { builtinTask, summarizeOptions, TASK_FLAGS, type TaskFlagValues } from './tasks.js';

/** Flags shared by `classify`, `extract` and `summarize`. */
const ONE_OFF_FLAGS = {
  ...HELP_FLAGS,
  ...CLIENT_FLAGS,
  file: { type: 'string', short: 'f', value: 'PATH', description: 'read the text from a file' },
  json: { type: 'boolean', description: 'print the value as one line of JSON' },
  instructions: TASK_FLAGS.instructions,
} as const satisfies Flags;

type OneOffFlag = keyof typeof ONE_OFF_FLAGS;

const INPUT_SECTION = {
  title: 'Input (exactly one)',
  arguments: { TEXT: 'the text itself, as one (quoted) argument', '-': 'read the text from stdin (also --file -)' },
  flags: ['file'],
} as const satisfies HelpSection<OneOffFlag>;

const OUTPUT_SECTION = {
  title: 'Output',
  flags: ['json', 'instructions', 'help'],
} as const satisfies HelpSection<OneOffFlag>;

/** `qwen-tasks classify`: one text, one label (or several with `--multi`). */
export const classifyCommand = defineCommand({
  name: 'classify',
  usage: 'classify [TEXT | -] --labels a,b,c [--multi] [options]',
  about: `Classifies a text into one of the labels (or every label that applies, with --multi) and prints it:
the label as-is, several labels one per line, or JSON with --json.`,
  flags: {
    ...ONE_OFF_FLAGS,
    labels: { ...TASK_FLAGS.labels, short: 'l' },
    multi: { ...TASK_FLAGS.multi, short: 'm' },
  },
  sections: [{ title: 'Task', flags: ['labels', 'multi'] }, INPUT_SECTION, OUTPUT_SECTION, CLIENT_SECTION],
  examples: [
    'qwen-tasks classify "Great battery, awful screen" --labels positive,negative,neutral',
    'cat ticket.txt | qwen-tasks classify - --labels billing,bug,feature-request --multi --json',
  ],
  run: runBuiltin('classify'),
});

/** `qwen-tasks extract`: one text, one JSON value valid against a schema. */
export const extractCommand = defineCommand({
  name: 'extract',
  usage: 'extract [TEXT | -] --schema schema.json [options]',
  about: `Extracts data from a text into a value valid against a JSON Schema and prints it as JSON
(indented; one line with --json).`,
  flags: { ...ONE_OFF_FLAGS, schema: { ...TASK_FLAGS.schema, short: 's' } },
  sections: [{ title: 'Task', flags: ['schema'] }, INPUT_SECTION, OUTPUT_SECTION, CLIENT_SECTION],
  examples: [
    'qwen-tasks extract "Invoice 42 from ACME, due 2025-03-01, total 99.50 EUR" --schema invoice.schema.json',
    'qwen-tasks extract --file email.txt --schema contact.schema.json --json',
  ],
  run: runBuiltin('extract'),
});

/** `qwen-tasks summarize`: one text, bullet points or a paragraph. */
export const summarizeCommand = defineCommand({
  name: 'summarize',
  usage: 'summarize [TEXT | -] [--format bullets|paragraph] [--max-items N | --max-words N] [options]',
  about: `Summarizes a text as bullet points (printed one per line) or one paragraph. Long texts are summarized
in chunks, then the chunk summaries are summarized.`,
  flags: {
    ...ONE_OFF_FLAGS,
    format: TASK_FLAGS.format,
    'max-items': TASK_FLAGS['max-items'],
    'max-words': TASK_FLAGS['max-words'],
  },
  sections: [
    { title: 'Task', flags: ['format', 'max-items', 'max-words'] },
    INPUT_SECTION,
    OUTPUT_SECTION,
    CLIENT_SECTION,
  ],
  examples: [
    'qwen-tasks summarize --file report.txt --format bullets --max-items 5',
    'curl -s https://example.com/post.txt | qwen-tasks summarize - --max-words 60',
  ],
  async run(values, positionals, io) {
    const options = summarizeOptions(values, 'summarize');
    return answer('summarize', values, positionals, io, (text, client) =>
      options.format === 'bullets'
        ? summarize(text, { ...options, format: 'bullets', client })
        : summarize(text, { ...options, format: 'paragraph', client }),
    );
  },
});

/** The `run` of a command that answers with a built-in task shaped by its flags. */
function runBuiltin(name: 'classify' | 'extract') {
  return async (values: FlagValues<typeof ONE_OFF_FLAGS> & TaskFlagValues, positionals: string[], io: CliIo) => {
    const task = await builtinTask(name, values, name);
    return answer(name, values, positionals, io, async (text, client) => (await runTask(task, text, { client })).value);
  };
}

/** Reads the one text, computes its value with the command's client and prints it. */
function answer(
  command: string,
  values: FlagValues<typeof ONE_OFF_FLAGS>,
  positionals: readonly string[],
  io: CliIo,
  work: (text: string, client: QwenClient) => Promise<unknown>,
): Promise<number> {
  const clientOptions = parseCommonFlags(values, command);
  return withClient(clientOptions, io, async (client) => {
    const text = await readTextInput({ positionals, file: values.file, stdin: io.stdin, command });
    io.stdout.write(formatValue(await work(text, client), values.json ?? false));
    return EXIT_CODES.ok;
  });
}

/**
 * A value as printed: one line of JSON with `--json`; else a string as is, a list of strings one per line, anything
 * else as indented JSON.
 */
function formatValue(value: unknown, json: boolean): string {
  if (json) return `${JSON.stringify(value)}\n`;
  if (typeof value === 'string') return `${value}\n`;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.map((item) => `${item}\n`).join('');
  }
  return `${JSON.stringify(value, null, 2)}\n`;
}
