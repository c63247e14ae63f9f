/**
 * How a `qwen-tasks run` stops and what it says when it does: staged Ctrl-C, the input intake a first Ctrl-C
 * closes, and the closing summary with the exact command that resumes, retries or cancels (shell-quoted so it can be
 * pasted back). See docs/cli.md.
 * @module
 */
import { parseJsonlRecord } from '../batch/inputs.js';
import type { BatchInputRecord, BatchSummary } from '../batch/types.js';
import type { CliOutput } from './command.js';
import { formatCount, formatDuration, formatUsd, readJsonlLines } from './io.js';

/** What {@link describeRunSummary} needs besides the summary. */
export interface RunSummaryContext {
  /** Items in the input file; `undefined` for a pipe (not counted ahead). */
  total: number | undefined;
  output: string;
  /** Whether Ctrl-C stopped the run. */
  interrupted: boolean;
  /** The arguments of `qwen-tasks run`, to print the command that resumes or retries. */
  args: readonly string[];
  /** A `--batch-api` run: a stopped one also prints the command that cancels the provider's batches. */
  batchApi: boolean;
}

/**
 * The closing lines of `qwen-tasks run`: counts, time, tokens, cost and the results file; then, when the run was
 * interrupted or stopped, the exact command that resumes it (the same arguments plus `--resume`), or, when items
 * failed, the command that runs them again (`--resume --retry-failed`).
 */
export function describeRunSummary(summary: BatchSummary, context: RunSummaryContext): string {
  const { total, output, interrupted, args, batchApi } = context;
  const skipped = summary.skipped > 0 ? `, ${formatCount(summary.skipped)} already done` : '';
  const cached = summary.cached > 0 ? `, ${formatCount(summary.cached)} from cache` : '';
  const all = Math.max(total ?? 0, summary.total);
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
    if (batchApi) {
      lines.push("the provider's batches keep running; to cancel them instead:");
      lines.push(`  ${shellCommand(['qwen-tasks', 'run', ...withFlags(args, ['--cancel'])])}`);
    }
  } else if (summary.failed > 0) {
    lines.push('to run the failed items again:');
    lines.push(`  ${shellCommand(['qwen-tasks', 'run', ...withFlags(args, ['--resume', '--retry-failed'])])}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The arguments with each flag added unless already there. */
export function withFlags(args: readonly string[], flags: readonly string[]): string[] {
  const result = [...args];
  for (const flag of flags) if (!result.includes(flag)) result.push(flag);
  return result;
}

/** The Ctrl-C handling of a long command. */
export interface InterruptHandling {
  /** How many times Ctrl-C was pressed. */
  readonly count: number;
  /** The work is over: from now on Ctrl-C exits at once. */
  markFinished(): void;
  /** Removes the handler. */
  dispose(): void;
}

/** What to do on each Ctrl-C. */
export interface InterruptActions {
  /** The first Ctrl-C: stop gracefully. */
  first(): void;
  /** The second Ctrl-C: stop harder; without it, the second Ctrl-C exits at once. */
  second?: () => void;
  /** Exit code of a third Ctrl-C (or one after the work is over), which exits at once. */
  exitCode: number;
}

/**
 * Handles SIGINT in stages instead of dying on the first one: the first press calls `first`, the second `second`,
 * and a press after those — or any press once the work is over — exits the process at once with `exitCode`.
 */
export function handleInterrupts(actions: InterruptActions): InterruptHandling {
  let count = 0;
  let finished = false;
  const onInterrupt = (): void => {
    count += 1;
    if (finished || count > (actions.second === undefined ? 1 : 2)) process.exit(actions.exitCode);
    if (count === 1) actions.first();
    else actions.second?.();
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
export interface StoppableRecords {
  records: AsyncIterable<BatchInputRecord>;
  /** Ends the input at the next record asked for: items already taken finish, no new ones start. */
  stop(): void;
}

/**
 * Reads the input for `runBatch` record by record, so that Ctrl-C can end it and let the items in flight finish.
 * A line that is not JSON is handed on as an unusable record (its item fails) with a warning to `warnings`.
 */
export function stoppableRecords(path: string, command: string, warnings: CliOutput): StoppableRecords {
  let stopped = false;
  async function* read(): AsyncGenerator<BatchInputRecord> {
    for await (const { line, text } of readJsonlLines(path, '--input', command, warnings)) {
      if (stopped) return;
      let record: unknown;
      try {
        record = parseJsonlRecord(text);
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
