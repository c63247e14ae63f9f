import type { CliOutput } from './cli-io.js';
import { formatCount, formatDuration, formatRate, formatUsd } from './format-number.js';

/** What the progress display shows at one moment. @internal */
export interface ProgressSnapshot {
  /** Items finished in this run (succeeded + failed). */
  done: number;
  failed: number;
  /** Items skipped because an earlier run already finished them (resume). */
  skipped: number;
  /** All items, when known. */
  total: number | undefined;
  itemsPerSecond: number;
  tokens: number;
  costUsd: number;
}

/** Options of {@link createProgressReporter}. @internal */
export interface ProgressReporterOptions {
  stream: CliOutput;
  /** Redraw a bar in place (`\r`) rather than print lines. @defaultValue whether the stream is a TTY */
  tty?: boolean;
  /** Milliseconds between redraws (TTY) or lines (otherwise). @defaultValue 100 on a TTY, 2000 otherwise */
  intervalMs?: number;
  /** Clock in milliseconds. @defaultValue performance.now */
  now?: () => number;
}

/** Shows progress while a command works; `finish` prints the last state for good. @internal */
export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  finish(snapshot: ProgressSnapshot): void;
}

const BAR_WIDTH = 24;

/**
 * A progress display on stderr: on a terminal, a bar redrawn in place at most every 100 ms (items, percent,
 * rate, tokens, cost, ETA); otherwise a plain line every 2 s and at the end, e.g.
 * `progress: 120/1000 done, 3 failed, 41.2 items/s, 10,233 tokens, $0.0012`.
 * @internal
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const tty = options.tty ?? options.stream.isTTY === true;
  const intervalMs = options.intervalMs ?? (tty ? 100 : 2000);
  const now = options.now ?? (() => performance.now());
  let lastShownAt: number | undefined;
  let finished = false;
  const show = (snapshot: ProgressSnapshot): void => {
    if (tty) options.stream.write(`\r${barLine(snapshot, options.stream.columns)}\u001b[K`);
    else options.stream.write(`${plainLine(snapshot)}\n`);
  };
  return {
    update(snapshot) {
      if (finished) return;
      const time = now();
      if (lastShownAt !== undefined && time - lastShownAt < intervalMs) return;
      if (lastShownAt === undefined && !tty) {
        lastShownAt = time; // the first plain line waits one interval, so quick runs print only the final one
        return;
      }
      lastShownAt = time;
      show(snapshot);
    },
    finish(snapshot) {
      if (finished) return;
      finished = true;
      show(snapshot);
      if (tty) options.stream.write('\n');
    },
  };
}

/** The plain progress line. @internal */
export function plainLine(snapshot: ProgressSnapshot): string {
  const count =
    snapshot.total === undefined
      ? formatCount(processed(snapshot))
      : `${formatCount(processed(snapshot))}/${formatCount(snapshot.total)}`;
  const parts = [
    `progress: ${count} done`,
    `${formatCount(snapshot.failed)} failed`,
    ...(snapshot.skipped > 0 ? [`${formatCount(snapshot.skipped)} already done`] : []),
    `${formatRate(snapshot.itemsPerSecond)} items/s`,
    `${formatCount(snapshot.tokens)} tokens`,
    formatUsd(snapshot.costUsd),
  ];
  return parts.join(', ');
}

/** The terminal progress bar, fitted to `columns`. @internal */
export function barLine(snapshot: ProgressSnapshot, columns = 100): string {
  const finishedItems = processed(snapshot);
  const parts: string[] = [];
  if (snapshot.total !== undefined && snapshot.total > 0) {
    const share = Math.min(1, finishedItems / snapshot.total);
    const filled = Math.round(share * BAR_WIDTH);
    parts.push(`[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`);
    parts.push(`${formatCount(finishedItems)}/${formatCount(snapshot.total)} ${Math.floor(share * 100)}%`);
  } else {
    parts.push(`${formatCount(finishedItems)} done`);
  }
  if (snapshot.failed > 0) parts.push(`${formatCount(snapshot.failed)} failed`);
  parts.push(
    `${formatRate(snapshot.itemsPerSecond)}/s`,
    `${formatCount(snapshot.tokens)} tok`,
    formatUsd(snapshot.costUsd),
  );
  if (snapshot.total !== undefined && snapshot.itemsPerSecond > 0) {
    const remaining = Math.max(0, snapshot.total - finishedItems);
    parts.push(`ETA ${formatDuration((remaining / snapshot.itemsPerSecond) * 1000)}`);
  }
  const line = parts.join('  ');
  return line.length < columns ? line : line.slice(0, Math.max(10, columns - 1));
}

/** Items accounted for: finished in this run or skipped as already done. */
function processed(snapshot: ProgressSnapshot): number {
  return snapshot.done + snapshot.skipped;
}
