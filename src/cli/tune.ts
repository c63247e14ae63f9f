/**
 * `qwen-tasks tune`: tunes a task from labelled data (see `batch/tune.ts`), writes the tuned task file (see
 * `tuned-task-file.ts`), and prints the candidates and the before/after figures of the test split. See
 * docs/tuning.md.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import type { EvalReport } from '../batch/evaluate.js';
import { type TuneProgress, type TuneReport, tuneTask } from '../batch/tune.js';
import { createFileCache } from '../task/result-cache.js';
import {
  CLIENT_FLAGS,
  CLIENT_SECTION,
  defineCommand,
  EXIT_CODES,
  HELP_FLAGS,
  parseCommonFlags,
  parsePositiveNumber,
  parseWholeNumber,
  UsageError,
} from './command.js';
import { readLabelledData, warnUnknownLabels } from './eval.js';
import { describeFileError, formatCount, formatDuration, formatUsd, withClient } from './io.js';
import { resolveTask, TASK_FLAGS, TASK_SECTION } from './tasks.js';
import { outputSyntax, tunedTaskFileText } from './tuned-task-file.js';

const DEFAULT_CACHE = '.qwen-tasks-cache';

/** `qwen-tasks tune`: improves a task's examples, instructions and label descriptions from labelled data. */
export const tuneCommand = defineCommand({
  name: 'tune',
  usage: 'tune TASK --data labelled.jsonl --out tuned.task.yaml --max-cost USD [--seed N] [options]',
  about: `Improves a task from labelled examples: splits the data once (seeded, stratified by label) into
train, dev and test; scores candidates on dev — few-shot example sets drawn from train, with and without
the label descriptions, and instructions the model proposes from the dev errors; keeps the best on dev
(ties go to the fewest prompt tokens per item); runs the test split once for it and once for the original;
and writes the tuned task file. Nothing starts whose estimated cost would pass --max-cost. Every call goes
through the result cache, so running the same tune again costs nothing and gives the same file.

TASK is a task file or a built-in (classify --labels a,b [--multi], ...). A YAML task file keeps its
comments; a .task.mjs or built-in task is written whole. Data: as for eval, one {"text": "...",
"label": "x"} (or "expected") per line. See docs/tuning.md.`,
  flags: {
    ...HELP_FLAGS,
    ...CLIENT_FLAGS,
    ...TASK_FLAGS,
    data: { type: 'string', short: 'd', value: 'PATH', description: 'the labelled JSONL file (required)' },
    out: {
      type: 'string',
      short: 'o',
      value: 'PATH',
      description: 'where to write the tuned task file, .task.yaml or .task.json (required)',
    },
    'max-cost': { type: 'string', value: 'USD', description: 'most USD to spend, e.g. 1 (required)' },
    seed: { type: 'string', value: 'N', description: 'seeds the split and the example draws (default 1)' },
    split: {
      type: 'string',
      value: 'T,D,E',
      description: 'train, dev and test shares adding up to 1 (default 0.5,0.25,0.25)',
    },
    'max-examples': {
      type: 'string',
      value: 'N',
      description: 'most examples a candidate shows (default twice the labels, at most 16)',
    },
    proposals: { type: 'string', value: 'N', description: 'instruction proposals asked of the model (default 2)' },
    concurrency: { type: 'string', short: 'c', value: 'N', description: 'items in flight at once (default 8)' },
    cache: {
      type: 'string',
      value: 'DIR',
      description: `the result cache directory (default ${DEFAULT_CACHE})`,
    },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  sections: [
    {
      title: 'Options',
      flags: [
        'data',
        'out',
        'max-cost',
        'seed',
        'split',
        'max-examples',
        'proposals',
        'concurrency',
        'cache',
        'json',
        'help',
      ],
    },
    TASK_SECTION,
    CLIENT_SECTION,
  ],
  examples: [
    'qwen-tasks tune tasks/sentiment.task.json --data reviews.jsonl --out sentiment.tuned.task.json --max-cost 1',
    'qwen-tasks tune triage.task.yaml --data tickets.jsonl --out tuned.task.yaml --max-cost 1 --seed 7',
  ],
  async run(values, positionals, io) {
    const command = 'tune';
    if (positionals.length > 1) throw new UsageError(`expected one task, got ${positionals.length}`, { command });
    const { data, out } = values;
    if (data === undefined) throw new UsageError('--data PATH is required (labelled JSONL)', { command });
    if (out === undefined) throw new UsageError('--out PATH is required (the tuned task file)', { command });
    if (outputSyntax(out) === undefined) {
      throw new UsageError(`--out must name a .task.yaml, .task.yml or .task.json file, got ${out}`, { command });
    }
    if (values['max-cost'] === undefined) {
      throw new UsageError('--max-cost USD is required: the most the search may spend', { command });
    }
    const maxCostUsd = parsePositiveNumber(values['max-cost'], '--max-cost', command);
    const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
    const split = values.split === undefined ? undefined : parseSplit(values.split);
    const whole = (value: string | undefined, flag: string) =>
      value === undefined ? undefined : parseWholeNumber(value, flag, command);
    const maxExamples = whole(values['max-examples'], '--max-examples');
    const concurrency = whole(values.concurrency, '--concurrency');
    const proposals = values.proposals === undefined ? undefined : parseCount(values.proposals, '--proposals');
    const clientOptions = parseCommonFlags(values, command);
    const reference = positionals[0];
    const task = await resolveTask(reference, values, command);
    const items = await readLabelledData(data, command, io.stderr);
    warnUnknownLabels(task, items, data, io.stderr);
    const cache = createFileCache(values.cache ?? DEFAULT_CACHE);
    const result = await withClient(clientOptions, io, (client) =>
      tuneTask(task, items, {
        maxCostUsd,
        client,
        cache,
        onProgress: (event) => io.stderr.write(progressLine(event)),
        ...(seed === undefined ? {} : { seed }),
        ...(split === undefined ? {} : { split }),
        ...(maxExamples === undefined ? {} : { maxExamples }),
        ...(proposals === undefined ? {} : { proposals }),
        ...(concurrency === undefined ? {} : { concurrency }),
      }),
    );
    const source = reference === undefined || isBuiltin(reference) ? undefined : reference;
    const text = await tunedTaskFileText(source, task, result.task, out);
    try {
      await writeFile(out, text, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot write --out ${out}: ${describeFileError(error)}`, { command });
    }
    if (values.json) io.stdout.write(`${JSON.stringify(result.report, null, 2)}\n`);
    else io.stdout.write(renderTuneText(result.report, out));
    return EXIT_CODES.ok;
  },
});

function isBuiltin(reference: string): boolean {
  return reference === 'classify' || reference === 'extract' || reference === 'summarize';
}

function parseSeed(value: string): number {
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--seed must be a whole number, got "${value}"`, { command: 'tune' });
  }
  return Number(value);
}

function parseCount(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new UsageError(`${flag} must be a whole number from 0, got "${value}"`, { command: 'tune' });
  }
  return Number(value);
}

/** `0.6,0.2,0.2` → the train, dev and test shares (their sum is checked by `tuneTask`). */
function parseSplit(value: string): { train: number; dev: number; test: number } {
  const shares = value.split(',').map((part) => Number(part.trim()));
  const [train, dev, test] = shares;
  if (shares.length !== 3 || !shares.every((share) => share > 0 && share < 1) || train === undefined) {
    throw new UsageError(`--split must be three shares above 0 adding up to 1, e.g. 0.5,0.25,0.25; got "${value}"`, {
      command: 'tune',
    });
  }
  return { train, dev: dev!, test: test! };
}

/** One line of progress on stderr per candidate, proposal and test run. */
function progressLine(event: TuneProgress): string {
  const spent = `spent ${formatUsd(event.spentUsd)}`;
  switch (event.kind) {
    case 'candidate': {
      const { candidate } = event;
      return `candidate ${candidate.index} ${candidate.name}: dev ${scoreText(candidate.dev)}, ${candidate.promptTokensPerItem} tokens/item (${spent})\n`;
    }
    case 'proposal': {
      const { proposal } = event;
      const what =
        proposal.instructions === undefined
          ? `no instructions (${proposal.error})`
          : JSON.stringify(proposal.instructions);
      return `proposal from candidate ${proposal.fromCandidate}: ${what} (${spent})\n`;
    }
    case 'test':
      return `test split, ${event.which === 'before' ? 'original' : 'chosen'}: ${scoreText(event.report)} (${spent})\n`;
    case 'stopped':
      return `stopped: ${event.reason}\n`;
  }
}

function scoreText(scores: { macroF1?: number | undefined; accuracy: number }): string {
  return scores.macroF1 === undefined
    ? `accuracy ${scores.accuracy.toFixed(3)}`
    : `macro-F1 ${scores.macroF1.toFixed(3)}, accuracy ${scores.accuracy.toFixed(3)}`;
}

/** The text view: the candidates on dev, the chosen one, the test split before and after, and the spend. */
function renderTuneText(report: TuneReport, out: string): string {
  const { split } = report;
  const score = report.score === 'macroF1' ? 'macro-F1' : 'accuracy';
  const lines = [
    `tuned ${report.task} on ${split.train + split.dev + split.test} items (${split.train} train, ${split.dev} dev, ${split.test} test), seed ${report.seed}`,
    '',
    `  #  dev ${score.padEnd(8)}  tokens/item  cost       candidate`,
  ];
  for (const candidate of report.candidates) {
    const mark = candidate.index === report.chosen ? '*' : ' ';
    const value = (candidate.dev.macroF1 ?? candidate.dev.accuracy).toFixed(3);
    lines.push(
      `${mark}${String(candidate.index).padStart(2)}  ${value.padStart(12)}  ${candidate.promptTokensPerItem.toFixed(1).padStart(11)}  ${formatUsd(candidate.dev.costUsd).padEnd(9)}  ${candidate.name}`,
    );
  }
  for (const proposal of report.proposals) {
    const became = proposal.candidate === undefined ? '' : ` → candidate ${proposal.candidate}`;
    lines.push(
      '',
      `proposal from candidate ${proposal.fromCandidate}${became}: ${proposal.instructions ?? proposal.error ?? ''}`,
    );
  }
  if (report.test !== undefined) {
    const { before, after, promptTokensPerItem } = report.test;
    const row = (name: string, left: string, right: string) =>
      `  ${name.padEnd(18)}${left.padStart(8)}${right.padStart(8)}`;
    lines.push('', `test split (${split.test} items)  before   after`);
    if (before.macroF1 !== undefined) lines.push(row('macro-F1', fixed(before.macroF1), fixed(after.macroF1)));
    lines.push(row('accuracy', fixed(before.accuracy), fixed(after.accuracy)));
    lines.push(row('prompt tokens/item', promptTokensPerItem.before.toFixed(1), promptTokensPerItem.after.toFixed(1)));
    lines.push(...mismatchLines(after));
  }
  if (report.stopped !== undefined) lines.push('', `stopped early: ${report.stopped}`);
  lines.push(
    '',
    `spent ${formatUsd(report.spentUsd)} of ${formatUsd(report.maxCostUsd)} in ${formatCount(report.requests)} requests, ${formatDuration(report.durationMs)}`,
    report.chosen === undefined || report.chosen === 0
      ? `nothing beat the original: wrote it unchanged to ${out}`
      : `wrote candidate ${report.chosen} to ${out}`,
  );
  return `${lines.join('\n')}\n`;
}

function fixed(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(3);
}

/** How many test items the chosen task still gets wrong. */
function mismatchLines(report: EvalReport): string[] {
  const wrong = report.total - report.correct;
  return wrong === 0 ? [] : [`  (${wrong} of ${report.total} test items still wrong after tuning)`];
}
