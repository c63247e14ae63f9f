import type { BatchSummary } from '../batch/batch-types.js';
import { formatCount, formatDuration, formatUsd } from './format-number.js';
import { shellCommand } from './shell-quote.js';

/** What {@link describeRunSummary} needs besides the summary. @internal */
export interface RunSummaryContext {
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
 * @internal
 */
export function describeRunSummary(summary: BatchSummary, context: RunSummaryContext): string {
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
