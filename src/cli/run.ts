/**
 * `qwen-tasks run`: a task over a JSONL file with progress, a resumable output file and staged Ctrl-C (the input is
 * read record by record so a first Ctrl-C can end it while the items in flight finish), then the closing summary
 * with the command that resumes or retries. See docs/cli.md and docs/running-at-scale.md.
 * @module
 */
import { runBatch } from '../batch/run-batch.js';
import type { BatchInputRecord, BatchProgress, BatchRun, BatchSummary } from '../batch/types.js';
import { InputError } from '../errors.js';
import {
  CLIENT_FLAGS,
  CLIENT_SECTION,
  type CliOutput,
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
  formatCount,
  formatDuration,
  formatUsd,
  type ProgressSnapshot,
  readJsonlLines,
  withClient,
} from './io.js';
import { resolveTask, TASK_FLAGS, TASK_SECTION } from './tasks.js';

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
    pack: { type: 'string', value: 'N', description: 'label tasks: classify up to N items with one request' },
    'batch-api': {
      type: 'boolean',
      description: "submit through the provider's Batch API (half price, results within 24 h)",
    },
    'max-cost': { type: 'string', value: 'USD', description: 'stop taking new items once this much would be spent' },
    'include-input': {
      type: 'boolean',
      description: 'copy each record (text and extra fields) into its result as "input"',
    },
    json: { type: 'boolean', description: 'print the final summary as JSON on stdout' },
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
        'pack',
        'batch-api',
        'max-cost',
        'include-input',
        'json',
        'help',
      ],
    },
    TASK_SECTION,
    CLIENT_SECTION,
  ],
  notes: `Progress goes to stderr: a bar on a terminal, otherwise a line every 2 s. Ctrl-C once stops taking new
items and lets the ones in flight finish; twice abandons them. Either way the output is flushed and the
command to resume is printed (exit code 130). Exit code 1 when items failed or a spend cap stopped the run.`,
  examples: [
    'qwen-tasks run tasks/support-triage.task.yaml --input tickets.jsonl --output triage.jsonl --concurrency 16',
    'qwen-tasks run tasks/support-triage.task.yaml --input tickets.jsonl --output triage.jsonl --resume --retry-failed',
    'qwen-tasks run classify --labels spam,ham --input mail.jsonl --output labels.jsonl --max-cost 0.50',
  ],
  async run(values, positionals, io, args) {
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
});

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

/** What {@link describeRunSummary} needs besides the summary. */
interface RunSummaryContext {
  /** Items in the input file. */
  total: number;
  output: string;
  /** Whether Ctrl-C stopped the run. */
  interrupted: boolean;
  /** The arguments of `qwen-tasks run`, to print the command that resumes or retries. */
  args: readonly string[];
}

/**
 * The closing lines of `qwen-tasks run`: counts, time, tokens, cost and the results file; then, when the run was
 * interrupted or stopped, the exact command that resumes it (the same arguments plus `--resume`), or, when items
 * failed, the command that runs them again (`--resume --retry-failed`).
 */
function describeRunSummary(summary: BatchSummary, context: RunSummaryContext): string {
  const { total, output, interrupted, args } = context;
  const skipped = summary.skipped > 0 ? `, ${formatCount(summary.skipped)} already done` : '';
  const cached = summary.cached > 0 ? `, ${formatCount(summary.cached)} from cache` : '';
  const all = Math.max(total, summary.total);
  const lines = [
    `done: ${formatCount(summary.succeeded)} succeeded, ${formatCount(summary.failed)} failed${skipped}${cached} of ${formatCount(all)} in ${formatDuration(summary.wallTimeMs)}`,
    `tokens: ${formatCount(summary.usage.promptTokens)} prompt + ${formatCount(summary.usage.completionTokens)} completion; cost ${formatUsd(summary.costUsd)}`,
    `results: ${output}`,
  ];
  if (interrupted || summary.stoppedBy !== undefined) {
    const left = Math.max(0, all - summary.succeeded - summary.failed - summary.skipped);
    const reason = interrupted ? 'interrupted' : `stopped by ${summary.stoppedBy?.name}: ${summary.stoppedBy?.message}`;
    lines.push(`${reason}; ${formatCount(left)} items not processed. To resume:`);
    lines.push(`  ${shellCommand(['qwen-tasks', 'run', ...withFlags(args, ['--resume'])])}`);
  } else if (summary.failed > 0) {
    lines.push('to run the failed items again:');
    lines.push(`  ${shellCommand(['qwen-tasks', 'run', ...withFlags(args, ['--resume', '--retry-failed'])])}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The arguments with each flag added unless already there. */
function withFlags(args: readonly string[], flags: readonly string[]): string[] {
  const result = [...args];
  for (const flag of flags) if (!result.includes(flag)) result.push(flag);
  return result;
}

/** The Ctrl-C handling of a long command. */
interface InterruptHandling {
  /** How many times Ctrl-C was pressed. */
  readonly count: number;
  /** The work is over: from now on Ctrl-C exits at once. */
  markFinished(): void;
  /** Removes the handler. */
  dispose(): void;
}

/** What to do on each Ctrl-C. */
interface InterruptActions {
  /** The first Ctrl-C: stop gracefully. */
  first(): void;
  /** The second Ctrl-C: stop harder. */
  second(): void;
  /** Exit code of a third Ctrl-C (or one after the work is over), which exits at once. */
  exitCode: number;
}

/**
 * Handles SIGINT in stages instead of dying on the first one: the first press calls `first`, the second `second`,
 * and a third press — or any press once the work is over — exits the process at once with `exitCode`.
 */
function handleInterrupts(actions: InterruptActions): InterruptHandling {
  let count = 0;
  let finished = false;
  const onInterrupt = (): void => {
    count += 1;
    if (finished || count > 2) process.exit(actions.exitCode);
    if (count === 1) actions.first();
    else actions.second();
  };
  process.on('SIGINT', onInterrupt);
  return {
    get count() {
      return count;
    },
    markFinished() {
      finished = true;
    },
    dispose() {
      process.off('SIGINT', onInterrupt);
    },
  };
}

/** The records of a JSONL input, read lazily, with an intake that can be closed early. */
interface StoppableRecords {
  records: AsyncIterable<BatchInputRecord>;
  /** Ends the input at the next record asked for: items already taken finish, no new ones start. */
  stop(): void;
}

/**
 * Reads the input for `runBatch` record by record, so that Ctrl-C can end it and let the items in flight finish.
 * A line that is not JSON is handed on as an unusable record (its item fails) with a warning to `warnings`.
 */
function stoppableRecords(path: string, command: string, warnings: CliOutput): StoppableRecords {
  let stopped = false;
  async function* read(): AsyncGenerator<BatchInputRecord> {
    for await (const { line, text } of readJsonlLines(path, '--input', command)) {
      if (stopped) return;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        warnings.write(`warning: ${path}:${line} is not JSON (${reason}); its item fails\n`);
        record = null;
      }
      // runBatch checks each record and fails the unusable ones without stopping the run.
      yield record as BatchInputRecord;
    }
  }
  return {
    records: read(),
    stop() {
      stopped = true;
    },
  };
}

/** Counts the non-blank lines of a JSONL file (the items a run will see), for the progress total. */
async function countRecords(path: string, command: string): Promise<number> {
  let count = 0;
  for await (const _line of readJsonlLines(path, '--input', command)) count += 1;
  return count;
}

const SAFE = /^[\w@%+=:,./-]+$/;

/**
 * Quotes one argument for a POSIX shell, so that a printed command can be pasted back as is: safe words stay bare,
 * anything else goes in single quotes (a single quote inside becomes `'\''`).
 */
export function shellQuote(argument: string): string {
  if (SAFE.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** A whole command line, each argument quoted as needed. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
