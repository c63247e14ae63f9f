import type { BatchProgress, BatchRun, BatchSummary } from '../../batch/batch-types.js';
import { runBatch } from '../../batch/index.js';
import { InputError } from '../../errors.js';
import { TASK_FLAGS } from '../builtin-task.js';
import type { CliIo } from '../cli-io.js';
import type { Command } from '../command.js';
import { describeRunSummary } from '../describe-run-summary.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatCount } from '../format-number.js';
import { handleInterrupts } from '../handle-interrupts.js';
import { parseCommandLine } from '../parse-command-line.js';
import {
  CLIENT_FLAGS,
  CLIENT_FLAGS_HELP,
  HELP_FLAGS,
  parseCommonFlags,
  parsePositiveNumber,
  parseWholeNumber,
} from '../parse-common-flags.js';
import { createProgressReporter, type ProgressSnapshot } from '../progress-reporter.js';
import { resolveTask } from '../resolve-task.js';
import { countRecords, stoppableRecords } from '../stoppable-records.js';
import { UsageError } from '../usage-error.js';
import { withClient } from '../with-client.js';

const FLAGS = {
  ...HELP_FLAGS,
  ...CLIENT_FLAGS,
  ...TASK_FLAGS,
  input: { type: 'string', short: 'i' },
  output: { type: 'string', short: 'o' },
  concurrency: { type: 'string', short: 'c' },
  resume: { type: 'boolean' },
  'retry-failed': { type: 'boolean' },
  pack: { type: 'string' },
  'batch-api': { type: 'boolean' },
  'max-cost': { type: 'string' },
  'include-input': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: qwen-tasks run TASK --input in.jsonl --output out.jsonl [options]

Runs a task over every record of a JSONL file and appends one result line per item to the output as it
finishes, so a stopped run resumes without losing or repeating an item. Input lines: "a text" or
{"id": "a-1", "text": "...", ...}. Result lines: {"id", "index", "ok", "value" | "error", "calls", "usage",
"costUsd", "durationMs"}.

TASK is a task file or a built-in (classify --labels a,b [--multi], extract --schema f.json,
summarize [--format ...]); see "qwen-tasks preview --help".

Options:
  -i, --input PATH       JSONL input (required)
  -o, --output PATH      JSONL results (required; must not exist yet unless --resume)
  -c, --concurrency N    calls in flight at once (default 8; lowered automatically under rate limits)
  --resume               continue the output file: ids already in it are skipped
  --retry-failed         with --resume (implied): run the ids whose last result failed again
  --pack N               label tasks: classify up to N items with one request
  --batch-api            submit through the provider's Batch API (half price, results within 24 h)
  --max-cost USD         stop taking new items once this much would be spent
  --include-input        copy each record (text and extra fields) into its result as "input"
  --json                 print the final summary as JSON on stdout
  -h, --help             show this help

Progress goes to stderr: a bar on a terminal, otherwise a line every 2 s. Ctrl-C once stops taking new
items and lets the ones in flight finish; twice abandons them. Either way the output is flushed and the
command to resume is printed (exit code 130). Exit code 1 when items failed or a spend cap stopped the run.

${CLIENT_FLAGS_HELP}
Examples:
  qwen-tasks run tasks/support-triage.task.yaml --input tickets.jsonl --output triage.jsonl --concurrency 16
  qwen-tasks run tasks/support-triage.task.yaml --input tickets.jsonl --output triage.jsonl --resume --retry-failed
  qwen-tasks run classify --labels spam,ham --input mail.jsonl --output labels.jsonl --max-cost 0.50
`;

/** `qwen-tasks run`: a task over a JSONL file, resumable, with progress. @internal */
export const runCommand: Command = {
  name: 'run',
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandLine('run', args, FLAGS);
    if (values.help) {
      io.stdout.write(HELP);
      return EXIT_CODES.ok;
    }
    if (positionals.length > 1)
      throw new UsageError(`expected one task, got ${positionals.length}`, { command: 'run' });
    const input = required(values.input, '--input PATH');
    const output = required(values.output, '--output PATH');
    const resume = (values.resume ?? false) || (values['retry-failed'] ?? false);
    const batchOptions = {
      output,
      resume,
      retryFailed: values['retry-failed'] ?? false,
      includeInput: values['include-input'] ?? false,
      mode: values['batch-api'] ? ('batch-api' as const) : ('online' as const),
      ...(values.concurrency === undefined
        ? {}
        : { concurrency: parseWholeNumber(values.concurrency, '--concurrency', 'run') }),
      ...(values.pack === undefined ? {} : { pack: parseWholeNumber(values.pack, '--pack', 'run') }),
      ...(values['max-cost'] === undefined
        ? {}
        : { maxCostUsd: parsePositiveNumber(values['max-cost'], '--max-cost', 'run') }),
    };
    const clientOptions = parseCommonFlags(values, 'run');
    const task = await resolveTask(positionals[0], values, 'run');
    const total = await countRecords(input, 'run');

    const intake = stoppableRecords(input, 'run', io.stderr);
    const abandon = new AbortController();
    let latest: BatchProgress | undefined;
    const interrupts = handleInterrupts({
      first() {
        intake.stop();
        const inFlight = latest === undefined ? 'the items' : formatCount(latest.inFlight);
        io.stderr.write(`\nstopping: no new items; waiting for ${inFlight} in flight (Ctrl-C again to abandon them)\n`);
      },
      second() {
        io.stderr.write('\nabandoning the items in flight; flushing the output\n');
        abandon.abort(new Error('interrupted'));
      },
      exitCode: EXIT_CODES.interrupted,
    });
    try {
      return await withClient(clientOptions, io.env, async (client) => {
        const progress = createProgressReporter({ stream: io.stderr });
        const summary = await runToSummary(() =>
          runBatch(task, intake.records, {
            ...batchOptions,
            client,
            signal: abandon.signal,
            onProgress: (snapshot) => {
              latest = snapshot;
              progress.update(toSnapshot(snapshot, total));
            },
          }),
        );
        interrupts.markFinished();
        if (latest !== undefined) progress.finish(toSnapshot(latest, total));
        const interrupted = interrupts.count > 0;
        if (values.json) io.stdout.write(`${JSON.stringify({ ...summary, interrupted, output }, null, 2)}\n`);
        io.stderr.write(describeRunSummary(summary, { total, output, interrupted, args }));
        return runExitCode(summary, interrupted);
      });
    } finally {
      interrupts.dispose();
    }
  },
};

/** Starts the run and waits for its summary; an existing output file without --resume is a usage error. */
async function runToSummary(start: () => BatchRun): Promise<BatchSummary> {
  try {
    return await start().summary;
  } catch (error) {
    if (error instanceof InputError && error.path === 'output') {
      throw new UsageError(error.message.replace('pass resume: true', 'pass --resume'), { command: 'run' });
    }
    throw error;
  }
}

/** 130 when interrupted; 2 when the key was refused; 1 when items failed or a stop left items undone; else 0. */
function runExitCode(summary: BatchSummary, interrupted: boolean): number {
  if (interrupted) return EXIT_CODES.interrupted;
  if (summary.stoppedBy?.name === 'AuthenticationError') return EXIT_CODES.usage;
  return summary.failed > 0 || summary.stoppedBy !== undefined ? EXIT_CODES.failed : EXIT_CODES.ok;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required`, { command: 'run' });
  return value;
}

function toSnapshot(progress: BatchProgress, total: number): ProgressSnapshot {
  return {
    done: progress.done,
    failed: progress.failed,
    skipped: progress.skipped,
    total: Math.max(total, progress.total ?? 0),
    itemsPerSecond: progress.itemsPerSecond,
    tokens: progress.usage.totalTokens,
    costUsd: progress.costUsd,
  };
}
