/**
 * The one-off commands `classify`, `extract` and `summarize`: one text in (an argument, a file or stdin), the task's
 * value out. See docs/cli.md.
 * @module
 */
import type { QwenClient } from '../client/types.js';
import { streamSummarize, summarize } from '../task/one-liners.js';
import { runTask } from '../task/run-task.js';
import { streamTask, type TaskStream } from '../task/stream-task.js';
import type { Citations, FieldConflict } from '../task/types.js';
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
  parseWholeNumber,
  UsageError,
} from './command.js';
import { readTextInput, renderTable, withClient } from './io.js';
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

/** `--stream`, for `extract` and `summarize`. */
const STREAM_FLAG = {
  type: 'boolean',
  description:
    'print the value as the reply arrives: on a terminal re-drawn in place, on a pipe bullets line by line (other values at the end); the final output is the same',
} as const;

const STREAMED_OUTPUT_SECTION = {
  title: 'Output',
  flags: ['json', 'stream', 'instructions', 'help'],
} as const satisfies HelpSection<OneOffFlag | 'stream'>;

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
    confidence: {
      type: 'boolean',
      description: "print { label, confidence, scores }: every label's probability (see docs/prompting.md)",
    },
  },
  sections: [
    { title: 'Task', flags: ['labels', 'multi', 'confidence'] },
    INPUT_SECTION,
    OUTPUT_SECTION,
    CLIENT_SECTION,
  ],
  examples: [
    'qwen-tasks classify "Great battery, awful screen" --labels positive,negative,neutral',
    'cat ticket.txt | qwen-tasks classify - --labels billing,bug,feature-request --multi --json',
  ],
  run: runBuiltin('classify'),
});

/** `qwen-tasks extract`: one text, one JSON value valid against a schema. */
export const extractCommand = defineCommand({
  name: 'extract',
  usage: 'extract [TEXT | -] --schema schema.json [--cite] [--chunk | --chunk-tokens N] [options]',
  about: `Extracts data from a text into a value valid against a JSON Schema and prints it as JSON
(indented; one line with --json). With --cite, every value comes with the exact text it was taken from,
checked against the input: a table of JSON Pointer, quote and offsets follows the value.`,
  flags: {
    ...ONE_OFF_FLAGS,
    schema: { ...TASK_FLAGS.schema, short: 's' },
    cite: {
      type: 'boolean',
      description: 'cite the text each value comes from, each quote checked locally (see docs/grounding.md)',
    },
    chunk: {
      type: 'boolean',
      description: 'a long text: extract in overlapping chunks of 16,000 tokens and merge the values',
    },
    'chunk-tokens': { type: 'string', value: 'N', description: 'like --chunk, with chunks of at most N tokens' },
    stream: STREAM_FLAG,
  },
  sections: [
    { title: 'Task', flags: ['schema', 'cite', 'chunk', 'chunk-tokens'] },
    INPUT_SECTION,
    STREAMED_OUTPUT_SECTION,
    CLIENT_SECTION,
  ],
  examples: [
    'qwen-tasks extract "Invoice 42 from ACME, due 2025-03-01, total 99.50 EUR" --schema invoice.schema.json',
    'qwen-tasks extract --file email.txt --schema contact.schema.json --json',
    'qwen-tasks extract --file contract.txt --schema terms.schema.json --cite --chunk',
    'qwen-tasks extract --file report.txt --schema findings.schema.json --stream',
  ],
  async run(values, positionals, io) {
    const cite = values.cite === true;
    const chunk =
      values['chunk-tokens'] !== undefined
        ? { maxTokens: parseWholeNumber(values['chunk-tokens'], '--chunk-tokens', 'extract') }
        : values.chunk === true
          ? true
          : undefined;
    if (values.stream === true && (cite || chunk !== undefined)) {
      throw new UsageError(
        '--stream does not combine with --cite or --chunk (they are checked and merged at the end)',
        {
          command: 'extract',
        },
      );
    }
    const task = await builtinTask('extract', values, 'extract', { cite });
    if (values.stream === true) {
      return streamAnswer('extract', values, positionals, io, (text, client) => streamTask(task, text, { client }));
    }
    return answer(
      'extract',
      values,
      positionals,
      io,
      async (text, client) => {
        const result = await runTask(task, text, { client, ...(chunk === undefined ? {} : { chunk }) });
        if (!cite) return result.value;
        return {
          value: result.value,
          citations: result.citations ?? {},
          ...(result.conflicts === undefined ? {} : { conflicts: result.conflicts }),
        };
      },
      cite ? formatCited : formatValue,
    );
  },
});

/**
 * A cited value as printed: with `--json`, `{ value, citations, conflicts? }` on one line; else the value as
 * indented JSON, then a table of pointer, quote and offsets (a quote on one line, cut at 60 characters), then the
 * conflicts of a chunked run.
 */
function formatCited(printed: unknown, json: boolean): string {
  if (json) return `${JSON.stringify(printed)}\n`;
  const { value, citations, conflicts } = printed as {
    value: unknown;
    citations: Citations;
    conflicts?: FieldConflict[];
  };
  const rows = Object.entries(citations).map(([pointer, citation]) => [
    pointer,
    oneLineQuote(citation.quote),
    String(citation.start),
    String(citation.end),
  ]);
  const table = renderTable([['pointer', 'quote', 'start', 'end'], ...rows]);
  const lines = (conflicts ?? []).map(
    (conflict) =>
      `conflict at ${conflict.pointer}: ${conflict.values
        .map(
          (found) =>
            `${JSON.stringify(found.value)} (chunk ${found.chunk + 1}${found.citation ? `, at ${found.citation.start}` : ''})`,
        )
        .join(' vs ')}; kept the first\n`,
  );
  return `${JSON.stringify(value, null, 2)}\n\n${table}${lines.length > 0 ? `\n${lines.join('')}` : ''}`;
}

/** A quote on one line: line breaks and tabs shown as spaces, at most 60 characters. */
function oneLineQuote(quote: string): string {
  const line = quote.replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

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
    stream: STREAM_FLAG,
  },
  sections: [
    { title: 'Task', flags: ['format', 'max-items', 'max-words'] },
    INPUT_SECTION,
    STREAMED_OUTPUT_SECTION,
    CLIENT_SECTION,
  ],
  examples: [
    'qwen-tasks summarize --file report.txt --format bullets --max-items 5',
    'curl -s https://example.com/post.txt | qwen-tasks summarize - --max-words 60',
    'qwen-tasks summarize --file report.txt --format bullets --stream',
  ],
  async run(values, positionals, io) {
    const options = summarizeOptions(values, 'summarize');
    if (values.stream === true) {
      return streamAnswer(
        'summarize',
        values,
        positionals,
        io,
        (text, client) =>
          options.format === 'bullets'
            ? streamSummarize(text, { ...options, format: 'bullets', client })
            : streamSummarize(text, { ...options, format: 'paragraph', client }),
        options.maxItems,
      );
    }
    return answer('summarize', values, positionals, io, (text, client) =>
      options.format === 'bullets'
        ? summarize(text, { ...options, format: 'bullets', client })
        : summarize(text, { ...options, format: 'paragraph', client }),
    );
  },
});

/** The `run` of a command that answers with a built-in task shaped by its flags. */
function runBuiltin(name: 'classify') {
  return async (values: FlagValues<typeof ONE_OFF_FLAGS> & TaskFlagValues, positionals: string[], io: CliIo) => {
    const task = await builtinTask(name, values, name);
    return answer(name, values, positionals, io, async (text, client) => {
      const result = await runTask(task, text, { client });
      if (values.confidence !== true) return result.value;
      return {
        label: result.value,
        ...(result.confidence === undefined ? {} : { confidence: result.confidence, scores: result.labelScores }),
        ...(result.warnings === undefined ? {} : { warnings: result.warnings }),
      };
    });
  };
}

/** Reads the one text, computes its value with the command's client and prints it. */
function answer(
  command: string,
  values: FlagValues<typeof ONE_OFF_FLAGS>,
  positionals: readonly string[],
  io: CliIo,
  work: (text: string, client: QwenClient) => Promise<unknown>,
  format: (value: unknown, json: boolean) => string = formatValue,
): Promise<number> {
  const clientOptions = parseCommonFlags(values, command);
  return withClient(clientOptions, io, async (client) => {
    const text = await readTextInput({ positionals, file: values.file, stdin: io.stdin, command });
    io.stdout.write(format(await work(text, client), values.json ?? false));
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

/**
 * Reads the one text and prints its value as the reply streams in. On a terminal each partial is drawn in place of
 * the last and the validated value is drawn last, so the screen ends as the plain command's output. On a pipe, a
 * list of strings is written an item at a time, as items are confirmed (a later line began); anything else, the
 * value at the end. Should a repair turn or a retry replace a list already partly written, a note on stderr says so
 * and the whole validated list follows.
 */
function streamAnswer(
  command: string,
  values: FlagValues<typeof ONE_OFF_FLAGS>,
  positionals: readonly string[],
  io: CliIo,
  start: (text: string, client: QwenClient) => TaskStream<unknown>,
  maxItems?: number,
): Promise<number> {
  const clientOptions = parseCommonFlags(values, command);
  const json = values.json ?? false;
  return withClient(clientOptions, io, async (client) => {
    const text = await readTextInput({ positionals, file: values.file, stdin: io.stdin, command });
    const stream = start(text, client);
    const screen = io.stdout.isTTY === true ? createLiveArea(io.stdout) : undefined;
    const written: string[] = [];
    /** Whether a later reply's list disagreed with the items written: nothing more is written until the end. */
    let diverged = false;
    try {
      for await (const partial of stream) {
        if (screen !== undefined) screen.draw(formatValue(partial, json));
        else if (!json && !diverged && isStringList(partial)) {
          if (partial.some((item, index) => index < written.length && written[index] !== item)) diverged = true;
          // Never past the list's limit: a reply with too many items gets a repair turn, which may keep these.
          const room = (maxItems ?? Number.POSITIVE_INFINITY) - written.length;
          for (const item of diverged ? [] : partial.slice(written.length, written.length + Math.max(0, room))) {
            io.stdout.write(`${item}\n`);
            written.push(item);
          }
        }
      }
      const { value } = await stream.result;
      if (screen !== undefined) {
        screen.draw(formatValue(value, json));
      } else if (written.length > 0 && isStringList(value)) {
        if (written.every((item, index) => value[index] === item)) {
          for (const item of value.slice(written.length)) io.stdout.write(`${item}\n`);
        } else {
          io.stderr.write(
            `note: the list streamed above was replaced (a repair turn or a retry); the validated list follows\n`,
          );
          io.stdout.write(formatValue(value, json));
        }
      } else {
        io.stdout.write(formatValue(value, json));
      }
      return EXIT_CODES.ok;
    } catch (error) {
      // A partial is not a result: none stays on the screen when the run fails.
      screen?.clear();
      throw error;
    }
  });
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * A region at the bottom of a terminal redrawn in place: text that only grows is appended; other text moves the
 * cursor back to the region's start (counting wrapped rows at the terminal's width) and clears it first.
 */
function createLiveArea(output: CliIo['stdout']): { draw(text: string): void; clear(): void } {
  let shown = '';
  const rows = (text: string): number => {
    const columns = output.columns ?? 80;
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.reduce((total, line) => total + Math.max(1, Math.ceil(line.length / columns)), 0);
  };
  const clear = (): void => {
    if (shown === '') return;
    const up = rows(shown) - (shown.endsWith('\n') ? 0 : 1);
    output.write(`${up > 0 ? `\x1b[${up}A` : ''}\r\x1b[J`);
    shown = '';
  };
  return {
    draw(text) {
      if (text === shown) return;
      if (text.startsWith(shown)) {
        output.write(text.slice(shown.length));
      } else {
        clear();
        output.write(text);
      }
      shown = text;
    },
    clear,
  };
}
