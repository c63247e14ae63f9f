import { writeFile } from 'node:fs/promises';
import { TASK_FLAGS } from '../builtin-task.js';
import type { CliIo } from '../cli-io.js';
import type { Command } from '../command.js';
import { buildEvalReport } from '../eval/build-eval-report.js';
import { readLabelledData } from '../eval/read-labelled-data.js';
import { renderEvalText } from '../eval/render-eval-text.js';
import { renderReport } from '../eval/render-report.js';
import { runEvaluation } from '../eval/run-evaluation.js';
import { EXIT_CODES } from '../exit-codes.js';
import { parseCommandLine } from '../parse-command-line.js';
import {
  CLIENT_FLAGS,
  CLIENT_FLAGS_HELP,
  HELP_FLAGS,
  parseCommonFlags,
  parseWholeNumber,
} from '../parse-common-flags.js';
import { createProgressReporter, type ProgressSnapshot } from '../progress-reporter.js';
import { describeFileError } from '../read-text-input.js';
import { resolveTask } from '../resolve-task.js';
import { UsageError } from '../usage-error.js';
import { withClient } from '../with-client.js';

const FLAGS = {
  ...HELP_FLAGS,
  ...CLIENT_FLAGS,
  ...TASK_FLAGS,
  data: { type: 'string', short: 'd' },
  report: { type: 'string' },
  'min-accuracy': { type: 'string' },
  concurrency: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
} as const;

const DEFAULT_CONCURRENCY = 8;

const HELP = `Usage: qwen-tasks eval TASK --data labelled.jsonl [--report report.html] [--min-accuracy X] [options]

Runs a task over labelled examples and scores it: accuracy (exact match), and for label tasks macro-F1,
per-label precision/recall/F1 with support, and a confusion matrix; then tokens, cost and latency
percentiles (p50/p90/p99). Items the task fails on count as wrong.

TASK is a task file or a built-in (classify --labels a,b [--multi], extract --schema f.json,
summarize [--format ...]); see "qwen-tasks preview --help".

Data: one JSON object per line, {"text": "...", "label": "x"} — or "expected" instead of "label" for
any format (the value to match exactly); for multi-label tasks a list: {"text": "...", "label": ["a", "b"]}.

Options:
  -d, --data PATH        the labelled JSONL file (required)
  --report PATH          also write a self-contained HTML report (heat-map confusion matrix, per-label table)
  --min-accuracy X       exit with 1 when accuracy is below X (0-1, or a percentage like 90%)
  -c, --concurrency N    items in flight at once (default ${DEFAULT_CONCURRENCY})
  --json                 print the report as JSON
  -h, --help             show this help

${CLIENT_FLAGS_HELP}
Examples:
  qwen-tasks eval tasks/sentiment.task.json --data reviews.labelled.jsonl --report sentiment.html
  qwen-tasks eval classify --labels spam,ham --data mail.jsonl --min-accuracy 0.95
`;

/** `qwen-tasks eval`: scores a task against labelled data. @internal */
export const evalCommand: Command = {
  name: 'eval',
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine('eval', args, FLAGS);
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT_CODES.ok;
    }
    if (positionals.length > 1)
      throw new UsageError(`expected one task, got ${positionals.length}`, { command: 'eval' });
    if (values.data === undefined)
      throw new UsageError('--data PATH is required (labelled JSONL)', { command: 'eval' });
    const minimum = values['min-accuracy'] === undefined ? undefined : parseAccuracy(values['min-accuracy']);
    const concurrency =
      values.concurrency === undefined
        ? DEFAULT_CONCURRENCY
        : parseWholeNumber(values.concurrency, '--concurrency', 'eval');
    const clientOptions = parseCommonFlags(values, 'eval');
    const task = await resolveTask(positionals[0], values, 'eval');
    const items = await readLabelledData(values.data, 'eval');
    const report = await withClient(clientOptions, io.env, async (client) => {
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
      return buildEvalReport(task, values.data!, evaluated, client.usage, 'eval');
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
    if (!passed) {
      io.stderr.write(`accuracy ${report.accuracy.toFixed(3)} is below --min-accuracy ${minimum!.toFixed(3)}\n`);
      return EXIT_CODES.failed;
    }
    return EXIT_CODES.ok;
  },
};

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
