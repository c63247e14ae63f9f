/**
 * How commands read their input and show their work: a text from an argument, a file or stdin; JSONL streamed line
 * by line; numbers, costs and durations formatted for people; the progress display; and the client a command
 * calls the model with. See docs/cli.md.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { type FileLine, parseJsonlRecord, readFileLines } from '../batch/inputs.js';
import type { ClientOptions, QwenClient } from '../client/types.js';
import { InputError } from '../errors.js';
import { isRecord } from '../json.js';
import { type CliIo, type CliOutput, UsageError } from './command.js';

/** Where a one-off command's text can come from. */
export interface TextInputSource {
  /** The command's positional arguments: at most one, the text itself or `-` for stdin. */
  positionals: readonly string[];
  /** `--file`: a path, or `-` for stdin. */
  file: string | undefined;
  stdin: NodeJS.ReadableStream;
  command: string;
}

/**
 * Reads the input text of a one-off command: the positional argument, the file named by `--file`, or stdin when
 * either is `-`. Exactly one source must be given (no implicit stdin, so a forgotten argument never hangs).
 */
export async function readTextInput({ positionals, file, stdin, command }: TextInputSource): Promise<string> {
  if (positionals.length > 1) {
    throw new UsageError(`expected one text argument, got ${positionals.length}: quote the text`, { command });
  }
  const [positional] = positionals;
  if (positional !== undefined && file !== undefined) {
    throw new UsageError('give the text as an argument or with --file, not both', { command });
  }
  const source = positional ?? file;
  if (source === undefined) {
    throw new UsageError('no text: give it as an argument, with --file PATH, or "-" to read stdin', { command });
  }
  if (source === '-') return readStream(stdin);
  if (positional !== undefined) return positional;
  return readTextFile(source, '--file', command);
}

/** Reads a UTF-8 file named by a flag, without its byte-order mark; a failure is a {@link UsageError}. */
export async function readTextFile(path: string, flag: string, command: string): Promise<string> {
  try {
    return stripByteOrderMark(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${path}: ${describeFileError(error)}`, { command, cause: error });
  }
}

/** A short reason for a failed file read. */
export function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return stripByteOrderMark(Buffer.concat(chunks).toString('utf8'));
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** One non-blank line of a JSONL file, trimmed, and its 1-based line number. */
export interface JsonlLine {
  line: number;
  text: string;
}

/** One parsed JSONL line and its 1-based line number. */
export interface JsonlRecord {
  line: number;
  value: unknown;
}

/**
 * Streams the non-blank lines of a JSONL file (or a pipe) without reading it into memory, with the library's line
 * reader (`readFileLines`): lines end at `\n` only (a lone `\r` is JSON whitespace), a `\r` before the `\n` and a
 * byte-order mark are dropped. A file that cannot be read is a {@link UsageError} naming the flag; so is a file that
 * is not UTF-8 because it holds NUL bytes (UTF-16). Other bytes that are not UTF-8 (Latin-1) are read as U+FFFD, with
 * one warning to `warnings` naming the first such line.
 */
export async function* readJsonlLines(
  path: string,
  flag: string,
  command: string,
  warnings?: CliOutput,
): AsyncGenerator<JsonlLine> {
  let previousEnd = 0;
  let warned = warnings === undefined;
  for await (const { text: raw, lineNumber: line, endOffset, complete } of readLines(path, flag, command)) {
    if (raw.includes('\u0000')) throw notUtf8(path, flag, line, command);
    if (!warned && raw.includes('\uFFFD') && !isFaithful(raw, endOffset - previousEnd - (complete ? 1 : 0), line)) {
      warned = true;
      warnings?.write(
        `warning: ${path}:${line} holds bytes that are not UTF-8, read as "\uFFFD" (later lines are not checked); convert the file, e.g. iconv -f LATIN1 -t UTF-8\n`,
      );
    }
    previousEnd = endOffset;
    const text = raw.trim();
    if (text !== '') yield { line, text };
  }
}

/** The library's line reader, a failed read turned into a {@link UsageError} naming the flag. */
async function* readLines(path: string, flag: string, command: string): AsyncGenerator<FileLine> {
  try {
    yield* readFileLines(path);
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${path}: ${describeFileError(error)}`, { command, cause: error });
  }
}

/** The usage error of a file with NUL bytes: UTF-16 (or a binary file), which no JSONL reader can use. */
function notUtf8(path: string, flag: string, line: number, command: string): UsageError {
  return new UsageError(
    `${flag} ${path} is not UTF-8: line ${line} holds NUL bytes, as UTF-16 text does; convert it, e.g. iconv -f UTF-16 -t UTF-8 ${path} > converted.jsonl`,
    { command },
  );
}

/**
 * Whether a decoded line holding U+FFFD is the file's bytes as written (a real U+FFFD, encoded in 3 bytes): invalid
 * bytes turned into U+FFFD change the length, beyond the `\r` and the byte-order mark the reader drops.
 */
function isFaithful(text: string, bytes: number, line: number): boolean {
  const dropped = bytes - Buffer.byteLength(text);
  return dropped === 0 || dropped === 1 || (line === 1 && (dropped === 3 || dropped === 4));
}

/**
 * Streams the records of a JSONL file, one parsed value per non-blank line (a numeric `id` kept as written, as the
 * library reads it). A line that is not JSON, or a file that cannot be read, is a {@link UsageError} naming the file
 * and line.
 */
export async function* readJsonl(
  path: string,
  flag: string,
  command: string,
  warnings?: CliOutput,
): AsyncGenerator<JsonlRecord> {
  for await (const { line, text } of readJsonlLines(path, flag, command, warnings)) {
    let value: unknown;
    try {
      value = parseJsonlRecord(text);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UsageError(`${path}:${line}: not valid JSON (${reason})`, { command, cause: error });
    }
    yield { line, value };
  }
}

/** The text of an input record: the string itself, or its `text` field; `undefined` when there is none. */
export function recordText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.text === 'string') return value.text;
  return undefined;
}

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const RATE = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const SMALL_USD = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });

/** How a column of {@link renderTable} is aligned. */
export type ColumnAlignment = 'left' | 'right';

/**
 * Lays rows of cells out as an aligned plain-text table: columns padded to their widest cell and separated by two
 * spaces; the first row is the header. Columns are left-aligned unless `alignments` says otherwise.
 */
export function renderTable(rows: readonly (readonly string[])[], alignments: readonly ColumnAlignment[] = []): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, [...cell].length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          const padding = ' '.repeat((widths[column] ?? 0) - [...cell].length);
          return alignments[column] === 'right' ? padding + cell : cell + padding;
        })
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** A whole count with thousands separators: `10,233`. */
export function formatCount(count: number): string {
  return COUNT.format(count);
}

/** A rate with one decimal: `41.2`. */
function formatRate(rate: number): string {
  return RATE.format(Number.isFinite(rate) ? rate : 0);
}

/**
 * A USD amount that stays readable from fractions of a cent to dollars: `$0`, `$0.0000098`, `$0.0012`, `$12.34`.
 */
export function formatUsd(amount: number): string {
  if (amount === 0) return '$0';
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  if (amount >= 0.0001) return `$${amount.toFixed(4)}`;
  return `$${SMALL_USD.format(amount)}`;
}

/** A duration as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(durationMs: number): string {
  const seconds = Math.max(0, Math.round(durationMs / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** The one line printed when no API key is configured. */
const MISSING_KEY_MESSAGE =
  'no API key: set QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY (any OpenAI-compatible server), DASHSCOPE_API_KEY ' +
  '(optionally with DASHSCOPE_BASE_URL or DASHSCOPE_REGION) or SEGMIND_API_KEY; "qwen-tasks preview" needs no key';

/**
 * Creates the command's client from its connection flags and the environment, runs `work` with it and closes it (so
 * the process can exit at once). A missing key is a {@link UsageError} naming the variables. When no flag chooses the
 * provider and the environment sets variables of several providers, the library's warning saying which one wins is
 * written once to stderr. The client module is loaded here, only by the commands that call a model.
 */
export async function withClient<T>(
  options: ClientOptions,
  { env, stderr }: Pick<CliIo, 'env' | 'stderr'>,
  work: (client: QwenClient) => Promise<T>,
): Promise<T> {
  const [{ createClient }, { describeEnvironment }] = await Promise.all([
    import('../client/client.js'),
    import('../client/config.js'),
  ]);
  if (options.provider === undefined && options.baseURL === undefined && options.region === undefined) {
    const { warning } = describeEnvironment(env);
    if (warning !== undefined) stderr.write(`warning: ${warning}\n`);
  }
  let client: QwenClient;
  try {
    client = createClient({ ...options, env });
  } catch (error) {
    if (error instanceof InputError && error.path === 'apiKey') throw new UsageError(MISSING_KEY_MESSAGE);
    throw error;
  }
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** What the progress display shows at one moment. */
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

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  stream: CliOutput;
  /** Redraw a bar in place (`\r`) rather than print lines. @defaultValue whether the stream is a TTY */
  tty?: boolean;
  /** Milliseconds between redraws (TTY) or lines (otherwise). @defaultValue 100 on a TTY, 2000 otherwise */
  intervalMs?: number;
  /** Clock in milliseconds. @defaultValue performance.now */
  now?: () => number;
}

/** Shows progress while a command works; `finish` prints the last state for good. */
export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  finish(snapshot: ProgressSnapshot): void;
}

const BAR_WIDTH = 24;

/**
 * A progress display on stderr: on a terminal, a bar redrawn in place at most every 100 ms (items, percent,
 * rate, tokens, cost, ETA); otherwise a plain line every 2 s and at the end, e.g.
 * `progress: 120/1000 done, 3 failed, 41.2 items/s, 10,233 tokens, $0.0012`.
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

/** The plain progress line. */
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

/** The terminal progress bar, fitted to `columns`. */
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
