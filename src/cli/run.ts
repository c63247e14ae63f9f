/**
 * `qwen-tasks run`: a task over a JSONL file (or a pipe) with progress, a resumable and guarded output file, and
 * staged Ctrl-C (the input is read record by record so a first Ctrl-C can end it while the items in flight finish;
 * with `--batch-api` it stops at once and the provider's batches keep running, `--cancel` cancels them). The
 * stop and the closing summary are in `run-stop.ts`. See docs/cli.md and docs/running-at-scale.md.
 * @module
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cancelBatchRun, runBatch } from '../batch/run-batch.js';
import type { BatchProgress, BatchRun, BatchSummary } from '../batch/types.js';
import type { ClientOptions } from '../client/types.js';
import { InputError } from '../errors.js';
import {
  CLIENT_FLAGS,
  CLIENT_SECTION,
  type CliIo,
  defineCommand,
  EXIT_CODES,
  HELP_FLAGS,
  parseCommonFlags,
  parsePositiveNumber,
  parseWholeNumber,
  UsageError,
} from './command.js';
import {
  createProgressReporter,
  describeFileError,
  formatCount,
  type ProgressSnapshot,
  readJsonlLines,
  withClient,
} from './io.js';
import { describeRunSummary, handleInterrupts, shellCommand, stoppableRecords, withFlags } from './run-stop.js';
import { resolveTask, TASK_FLAGS, TASK_SECTION } from './tasks.js';
import { openTraceFile } from './trace.js';

/** `qwen-tasks run`: a task over a JSONL file, resumable, with progress. */
export const runCommand = defineCommand({
  name: 'run',
  usage: 'run TASK --input in.jsonl --output out.jsonl [options]',
  about: `Runs a task over every record of a JSONL file and appends one result line per item to the output as it
finishes, so a stopped run resumes without losing or repeating an item. Input lines: "a text" or
{"id": "a-1", "text": "...", ...}. Result lines: {"id", "index", "ok", "value" | "error", "calls", "usage",
"costUsd", "durationMs"}.

TASK is a task file or a built-in (classify --labels a,b [--multi], extract --schema f.json,
summarize [--format ...]); see "qwen-tasks preview --help".`,
  flags: {
    ...HELP_FLAGS,
    ...CLIENT_FLAGS,
    ...TASK_FLAGS,
    input: { type: 'string', short: 'i', value: 'PATH', description: 'JSONL input (required)' },
    output: {
      type: 'string',
      short: 'o',
      value: 'PATH',
      description: 'JSONL results (required; must not exist yet unless --resume)',
    },
    concurrency: {
      type: 'string',
      short: 'c',
      value: 'N',
      description: 'calls in flight at once (default 8; lowered automatically under rate limits)',
    },
    resume: { type: 'boolean', description: 'continue the output file: ids already in it are skipped' },
    'retry-failed': {
      type: 'boolean',
      description: 'with --resume (implied): run the ids whose last result failed again',
    },
    'allow-mismatch': {
      type: 'boolean',
      description: 'with --resume: continue a results file written by another task or for another input file',
    },
    pack: { type: 'string', value: 'N', description: 'label tasks: classify up to N items with one request' },
    'batch-api': {
      type: 'boolean',
      description: "submit through the provider's Batch API (half price, results within 24 h)",
    },
    cancel: {
      type: 'boolean',
      description: "with --batch-api: cancel the provider's batches of a stopped run (a --resume submits them again)",
    },
    'max-cost': { type: 'string', value: 'USD', description: 'stop taking new items once this much would be spent' },
    'include-input': {
      type: 'boolean',
      description: 'copy each record (text and extra fields) into its result as "input"',
    },
    json: { type: 'boolean', description: 'print the final summary as JSON on stdout' },
    trace: {
      type: 'string',
      value: 'PATH',
      description:
        "write the run's OpenTelemetry spans to a JSONL file (needs @opentelemetry/api and @opentelemetry/sdk-trace-base)",
    },
    telemetry: {
      type: 'boolean',
      description: 'record spans with the OpenTelemetry SDK registered in the process (preloaded with --import)',
    },
    'trace-items': {
      type: 'string',
      value: 'SHARE',
      description: 'with --trace or --telemetry: the share of items, 0 to 1, whose spans are recorded (default 0.01)',
    },
  },
  sections: [
    {
      title: 'Options',
      flags: [
        'input',
        'output',
        'concurrency',
        'resume',
        'retry-failed',
        'allow-mismatch',
        'pack',
        'batch-api',
        'cancel',
        'max-cost',
        'include-input',
        'json',
        'help',
      ],
    },
    { title: 'Tracing (see docs/observability.md)', flags: ['trace', 'telemetry', 'trace-items'] },
    TASK_SECTION,
    CLIENT_SECTION,
  ],
  notes: `Progress goes to stderr: a bar on a terminal, otherwise a line every 2 s. Ctrl-C once stops taking new
items and lets the ones in flight finish; twice abandons them. Either way the output is flushed and the
command to resume is printed (exit code 130). With --batch-api, Ctrl-C stops at once and the provider's
batches keep running: --resume collects them, --cancel cancels them. Exit code 1 when items failed or a spend
cap stopped the run.`,
  examples: [
    'qwen-tasks run tasks/support-triage.task.yaml --input tickets.jsonl --output triage.jsonl --concurrency 16',
    'qwen-tasks run tasks/support-triage.task.yaml --input tickets.jsonl --output triage.jsonl --resume --retry-failed',
    'qwen-tasks run classify --labels spam,ham --input mail.jsonl --output labels.jsonl --max-cost 0.50',
  ],
  async run(values, positionals, io, args) {
    if (positionals.length > 1)
      throw new UsageError(`expected one task, got ${positionals.length}`, { command: 'run' });
    const output = required(values.output, '--output PATH');
    if (values.cancel)
      return cancelStoppedBatches(values['batch-api'] ?? false, output, parseCommonFlags(values, 'run'), io, args);
    const input = required(values.input, '--input PATH');
    const resume = (values.resume ?? false) || (values['retry-failed'] ?? false);
    const batchOptions = {
      output,
      resume,
      retryFailed: values['retry-failed'] ?? false,
      ...(values['allow-mismatch'] ? { resumeMismatch: 'allow' as const } : {}),
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
    if (values.trace !== undefined && values.telemetry === true) {
      throw new UsageError('--trace and --telemetry are two ways to record spans: pick one', { command: 'run' });
    }
    const traceItems = parseTraceItems(values['trace-items'], values.trace !== undefined || values.telemetry === true);
    const task = await resolveTask(positionals[0], values, 'run');
    const total = await countRecords(input, output);
    // A regular file is recorded beside the results, so that a resume over another input is refused; a pipe is not.
    const inputIdentity = total === undefined ? {} : { inputPath: input };

    const intake = stoppableRecords(input, 'run', io.stderr);
    const abandon = new AbortController();
    const batchApi = batchOptions.mode === 'batch-api';
    let latest: BatchProgress | undefined;
    const interrupts = handleInterrupts({
      first() {
        intake.stop();
        if (batchApi) {
          // Nothing of ours is in flight: the provider holds the items. Stop now; its batches keep running.
          io.stderr.write(`\nstopping: the provider's batches keep running (nothing is cancelled)\n`);
          abandon.abort(new Error('interrupted'));
          return;
        }
        const inFlight = latest === undefined ? 'the items' : formatCount(latest.inFlight);
        io.stderr.write(`\nstopping: no new items; waiting for ${inFlight} in flight (Ctrl-C again to abandon them)\n`);
      },
      ...(batchApi
        ? {}
        : {
            second() {
              io.stderr.write('\nabandoning the items in flight; flushing the output\n');
              abandon.abort(new Error('interrupted'));
            },
          }),
      exitCode: EXIT_CODES.interrupted,
    });
    const traceFile = values.trace === undefined ? undefined : await openTraceFile(values.trace, 'run');
    if (traceFile !== undefined) clientOptions.telemetry = { tracer: traceFile.tracer };
    else if (values.telemetry === true) clientOptions.telemetry = true;
    try {
      return await withClient(clientOptions, io, async (client) => {
        const progress = createProgressReporter({ stream: io.stderr });
        const summary = await runToSummary(() =>
          runBatch(task, intake.records, {
            ...batchOptions,
            ...inputIdentity,
            ...(traceItems === undefined ? {} : { traceItems }),
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
        io.stderr.write(describeRunSummary(summary, { total, output, interrupted, args, batchApi }));
        return runExitCode(summary, interrupted);
      });
    } finally {
      interrupts.dispose();
      await traceFile?.close();
    }
  },
});

/** `--trace-items`: a share from 0 to 1 (0.01 by default when spans are recorded); only with a way to record. */
function parseTraceItems(value: string | undefined, tracing: boolean): number | undefined {
  if (value === undefined) return tracing ? 0.01 : undefined;
  if (!tracing) throw new UsageError('--trace-items works with --trace or --telemetry', { command: 'run' });
  const share = Number(value);
  if (value.trim() === '' || !(share >= 0 && share <= 1)) {
    throw new UsageError(`--trace-items must be a share of the items from 0 to 1, got "${value}"`, { command: 'run' });
  }
  return share;
}

/**
 * `run --batch-api --cancel`: the explicit way to cancel the provider's batches of a stopped Batch API run (a stop
 * never cancels them), found through the state file beside the output; prints their ids and the resume command.
 */
async function cancelStoppedBatches(
  batchApi: boolean,
  output: string,
  clientOptions: ClientOptions,
  io: CliIo,
  args: readonly string[],
): Promise<number> {
  if (!batchApi) {
    throw new UsageError("--cancel works with --batch-api: it cancels the provider's batches of a stopped run", {
      command: 'run',
    });
  }
  return withClient(clientOptions, io, async (client) => {
    const ids = await cancelBatchRun(output, { client });
    io.stderr.write(
      ids.length === 0
        ? `no batch of ${output} is still running: nothing to cancel\n`
        : `asked the provider to cancel ${ids.length === 1 ? 'batch' : `${ids.length} batches`} ${ids.join(', ')}\n`,
    );
    const resume = withFlags(
      args.filter((argument) => argument !== '--cancel'),
      ['--resume'],
    );
    io.stderr.write(
      `a resume submits their unfinished items again:\n  ${shellCommand(['qwen-tasks', 'run', ...resume])}\n`,
    );
    return EXIT_CODES.ok;
  });
}

/**
 * Starts the run and waits for its summary. The library's refusals of the output file (it exists without --resume,
 * is not a results file, is locked by another run, or was written by another task or input) are usage errors (exit
 * code 2) with the library's message, its option names turned into the flags.
 */
async function runToSummary(start: () => BatchRun): Promise<BatchSummary> {
  try {
    return await start().summary;
  } catch (error) {
    if (error instanceof InputError && error.path === 'output') {
      const message = error.message
        .replace('pass resume: true', 'pass --resume')
        .replace("pass resumeMismatch: 'allow'", 'pass --allow-mismatch');
      throw new UsageError(message, { command: 'run' });
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

function toSnapshot(progress: BatchProgress, total: number | undefined): ProgressSnapshot {
  return {
    done: progress.done,
    failed: progress.failed,
    skipped: progress.skipped,
    total: total === undefined ? progress.total : Math.max(total, progress.total ?? 0),
    itemsPerSecond: progress.itemsPerSecond,
    tokens: progress.usage.totalTokens,
    costUsd: progress.costUsd,
  };
}

/**
 * Checks the input and output paths before anything starts, and counts the non-blank lines of a regular input file
 * (the items a run will see) for the progress total. A pipe or FIFO is not counted — that would use it up — so its
 * progress has no total. An output that is a directory is a usage error.
 */
async function countRecords(input: string, output: string): Promise<number | undefined> {
  const outputStats = await stat(output).catch(() => undefined);
  if (outputStats?.isDirectory() === true) {
    throw new UsageError(
      `--output ${output} is a directory: give the path of a results file inside it, e.g. ${join(output, 'results.jsonl')}`,
      {
        command: 'run',
      },
    );
  }
  let inputStats: Stats;
  try {
    inputStats = await stat(input);
  } catch (error) {
    throw new UsageError(`cannot read --input ${input}: ${describeFileError(error)}`, { command: 'run', cause: error });
  }
  if (inputStats.isDirectory())
    throw new UsageError(`cannot read --input ${input}: is a directory`, { command: 'run' });
  if (!inputStats.isFile()) return undefined;
  let count = 0;
  for await (const _line of readJsonlLines(input, '--input', 'run')) count += 1;
  return count;
}
