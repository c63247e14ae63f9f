/**
 * `qwen-tasks eval`: runs a task over labelled examples and scores it (see `batch/evaluate.ts`), printing the text view
 * and writing the HTML report (see `eval-report.ts`). See docs/cli.md.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { buildEvalReport, type LabelledItem, runEvaluation } from '../batch/evaluate.js';
import { isRecord } from '../json.js';
import type { Task } from '../task/types.js';
import {
  CLIENT_FLAGS,
  CLIENT_SECTION,
  type CliOutput,
  defineCommand,
  EXIT_CODES,
  HELP_FLAGS,
  parseCommonFlags,
  parseWholeNumber,
  UsageError,
} from './command.js';
import { renderEvalText, renderReport } from './eval-report.js';
import { createProgressReporter, describeFileError, type ProgressSnapshot, readJsonl, withClient } from './io.js';
import { resolveTask, TASK_FLAGS, TASK_SECTION } from './tasks.js';

const DEFAULT_CONCURRENCY = 8;

/** `qwen-tasks eval`: scores a task against labelled data. */
export const evalCommand = defineCommand({
  name: 'eval',
  usage: 'eval TASK --data labelled.jsonl [--report report.html] [--min-accuracy X] [--target-accuracy X] [options]',
  about: `Runs a task over labelled examples and scores it: accuracy (exact match), and for label tasks macro-F1,
per-label precision/recall/F1 with support, and a confusion matrix; then tokens, cost and latency
percentiles (p50/p90/p99). Items the task fails on count as wrong. When a label task returns confidences
(confidence: true), also their calibration: expected calibration error (10 bins), Brier score, a reliability
diagram and the accuracy-versus-coverage curve (in the HTML report).

TASK is a task file or a built-in (classify --labels a,b [--multi], extract --schema f.json,
summarize [--format ...]); see "qwen-tasks preview --help".

Data: one JSON object per line, {"text": "...", "label": "x"} — or "expected" instead of "label" for
any format (the value to match exactly); for multi-label tasks a list: {"text": "...", "label": ["a", "b"]}.`,
  flags: {
    ...HELP_FLAGS,
    ...CLIENT_FLAGS,
    ...TASK_FLAGS,
    data: { type: 'string', short: 'd', value: 'PATH', description: 'the labelled JSONL file (required)' },
    report: {
      type: 'string',
      value: 'PATH',
      description: 'also write a self-contained HTML report (confusion heat map, per-label table, calibration)',
    },
    'min-accuracy': {
      type: 'string',
      value: 'X',
      description: 'exit with 1 when accuracy is below X (0-1, or a percentage like 90%)',
    },
    'target-accuracy': {
      type: 'string',
      value: 'X',
      description: 'print the lowest confidence threshold reaching accuracy X (0 < X <= 1, or 95%; label tasks)',
    },
    concurrency: {
      type: 'string',
      short: 'c',
      value: 'N',
      description: `items in flight at once (default ${DEFAULT_CONCURRENCY})`,
    },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  sections: [
    { title: 'Options', flags: ['data', 'report', 'min-accuracy', 'target-accuracy', 'concurrency', 'json', 'help'] },
    TASK_SECTION,
    CLIENT_SECTION,
  ],
  examples: [
    'qwen-tasks eval tasks/sentiment.task.json --data reviews.labelled.jsonl --report sentiment.html',
    'qwen-tasks eval classify --labels spam,ham --data mail.jsonl --min-accuracy 0.95',
    'qwen-tasks eval triage.task.mjs --data tickets.jsonl --target-accuracy 0.95 --report triage.html',
  ],
  async run(values, positionals, io) {
    if (positionals.length > 1)
      throw new UsageError(`expected one task, got ${positionals.length}`, { command: 'eval' });
    const data = values.data;
    if (data === undefined) throw new UsageError('--data PATH is required (labelled JSONL)', { command: 'eval' });
    const minimum = values['min-accuracy'] === undefined ? undefined : parseAccuracy(values['min-accuracy']);
    const targetAccuracy =
      values['target-accuracy'] === undefined ? undefined : parseTargetAccuracy(values['target-accuracy']);
    const concurrency =
      values.concurrency === undefined
        ? DEFAULT_CONCURRENCY
        : parseWholeNumber(values.concurrency, '--concurrency', 'eval');
    const clientOptions = parseCommonFlags(values, 'eval');
    const task = await resolveTask(positionals[0], values, 'eval');
    if (targetAccuracy !== undefined && task.format !== 'label') {
      throw new UsageError(
        `--target-accuracy needs a label task (one with confidences); ${task.name} has format ${task.format}`,
        { command: 'eval' },
      );
    }
    const items = await readLabelledData(data, 'eval', io.stderr);
    warnUnknownLabels(task, items, data, io.stderr);
    const report = await withClient(clientOptions, io, async (client) => {
      const started = performance.now();
      const progress = createProgressReporter({ stream: io.stderr });
      let done = 0;
      let failed = 0;
      const snapshot = (): ProgressSnapshot => {
        const usage = client.usage;
        const elapsedSeconds = (performance.now() - started) / 1000;
        return {
          done,
          failed,
          skipped: 0,
          total: items.length,
          itemsPerSecond: elapsedSeconds > 0 ? done / elapsedSeconds : 0,
          tokens: usage.promptTokens + usage.completionTokens,
          costUsd: usage.costUsd,
        };
      };
      const evaluated = await runEvaluation(task, items, {
        client,
        concurrency,
        onItem: (item) => {
          done += 1;
          if (item.error !== undefined) failed += 1;
          progress.update(snapshot());
        },
      });
      progress.finish(snapshot());
      return buildEvalReport(task, data, evaluated, client.usage, { targetAccuracy });
    });
    if (values.report !== undefined) {
      try {
        await writeFile(values.report, renderReport(report), 'utf8');
      } catch (error) {
        throw new UsageError(`cannot write --report ${values.report}: ${describeFileError(error)}`, {
          command: 'eval',
        });
      }
    }
    const passed = minimum === undefined || report.accuracy >= minimum;
    if (values.json) {
      const gate = minimum === undefined ? {} : { minAccuracy: minimum, passed };
      io.stdout.write(`${JSON.stringify({ ...report, ...gate }, null, 2)}\n`);
    } else {
      io.stdout.write(renderEvalText(report));
      if (values.report !== undefined) io.stdout.write(`\nreport written to ${values.report}\n`);
    }
    if (targetAccuracy !== undefined && report.calibration === undefined) {
      const why =
        task.settings.confidence === true
          ? 'no reply carried usable token log-probabilities'
          : 'enable `confidence: true` on the task';
      io.stderr.write(`--target-accuracy: the task returned no confidences, so no threshold can be chosen (${why})\n`);
    }
    if (!passed) {
      io.stderr.write(`accuracy ${report.accuracy.toFixed(3)} is below --min-accuracy ${minimum!.toFixed(3)}\n`);
      return EXIT_CODES.failed;
    }
    return EXIT_CODES.ok;
  },
});

/** `0.9`, `90%` or `90` (read as a percentage when above 1) → 0.9. */
function parseAccuracy(value: string): number {
  const percentage = value.trim().endsWith('%');
  const number = Number(percentage ? value.trim().slice(0, -1) : value);
  const share = percentage || number > 1 ? number / 100 : number;
  if (value.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) {
    throw new UsageError(`--min-accuracy must be between 0 and 1 (or a percentage like 90%), got "${value}"`, {
      command: 'eval',
    });
  }
  return share;
}

/** `0.95` or `95%` → 0.95; anything outside (0, 1] is a usage error. */
function parseTargetAccuracy(value: string): number {
  const trimmed = value.trim();
  const percentage = trimmed.endsWith('%');
  const number = trimmed === '' || trimmed === '%' ? Number.NaN : Number(percentage ? trimmed.slice(0, -1) : trimmed);
  const share = percentage ? number / 100 : number;
  if (!(share > 0 && share <= 1)) {
    throw new UsageError(`--target-accuracy must be a number in (0, 1] (or a percentage like 95%), got "${value}"`, {
      command: 'eval',
    });
  }
  return share;
}

/**
 * Reads a labelled JSONL file: one `{ "text": "...", "label": "x" }` per line (or `"expected"` instead of
 * `"label"`, for any format; a list of labels for multi-label tasks). A line without a text or an expected value is a
 * {@link UsageError} naming the file and line.
 */
export async function readLabelledData(path: string, command: string, warnings: CliOutput): Promise<LabelledItem[]> {
  const items: LabelledItem[] = [];
  for await (const { line, value } of readJsonl(path, '--data', command, warnings)) {
    const text = isRecord(value) ? value.text : undefined;
    if (!isRecord(value) || typeof text !== 'string' || text.trim() === '') {
      throw new UsageError(`${path}:${line}: expected an object with a non-empty "text"`, { command });
    }
    const wanted = value.label ?? value.expected;
    if (wanted === undefined) {
      throw new UsageError(`${path}:${line}: expected a "label" (or "expected") field`, { command });
    }
    items.push({ line, text, expected: wanted });
  }
  if (items.length === 0) throw new UsageError(`${path} holds no labelled examples`, { command });
  return items;
}

/**
 * Warns, once per label, about expected labels that are not among the task's labels (compared ignoring case, as the
 * scoring does), naming the first line: no prediction can match them, so they are most likely typos in the data.
 * They are still scored, as labels of their own.
 */
export function warnUnknownLabels(task: Task, items: readonly LabelledItem[], data: string, warnings: CliOutput): void {
  if (task.labels === undefined) return;
  const known = new Set(task.labels.map((label) => label.toLowerCase()));
  const warned = new Set<string>();
  for (const { expected, line } of items) {
    const labels = typeof expected === 'string' ? [expected] : Array.isArray(expected) ? expected : [];
    for (const label of labels) {
      if (typeof label !== 'string') continue;
      const key = label.trim().toLowerCase();
      if (known.has(key) || warned.has(key)) continue;
      warned.add(key);
      warnings.write(
        `warning: ${data}:${line}: expected label ${JSON.stringify(label)} is not one of the task's labels (${task.labels.join(', ')}); no prediction can match it (it is scored as a label of its own)\n`,
      );
    }
  }
}
