/**
 * The entry of batches, kept light for the package's cold start: {@link runBatch} checks its arguments, returns the
 * run at once and loads the driver of its mode when work starts; {@link readBatchResults} loads the results-file
 * reader when iterated. Also the options checks and the channel that hands results to the run's iterator.
 * See `docs/running-at-scale.md`.
 * @module
 */

import { SYSTEM_CLOCK } from '../client/client.js';
import { checkTimeoutMs } from '../client/config.js';
import {
  endWithError,
  setAttributes,
  spanParent,
  startSpan,
  suppressedContext,
  type Telemetry,
  type TelemetryContext,
  type TelemetrySpan,
  telemetryOf,
  withSpan,
} from '../client/telemetry.js';
import type { Clock, QwenClient } from '../client/types.js';
import { InputError } from '../errors.js';
import { compileTask } from '../task/define-task.js';
import { getDefaultClient, MAX_REPAIRS } from '../task/run-task.js';
import type { Task } from '../task/types.js';
import type {
  BatchApiRunOptions,
  BatchInput,
  BatchItemResult,
  BatchRun,
  BatchSummary,
  RunBatchOptions,
} from './types.js';

/** Default {@link RunBatchOptions.concurrency}. */
export const DEFAULT_CONCURRENCY = 8;

/** What the driver of a mode gets from {@link runBatch}: the checked arguments and what was made of them. */
export interface BatchRunStart {
  task: Task<unknown>;
  inputs: BatchInput;
  options: RunBatchOptions;
  /** `undefined` with a cache and no client: the default client is made on the first cache miss. */
  client: QwenClient | undefined;
  clock: Clock;
  channel: ResultChannel<BatchItemResult>;
  /** The run's span and how items are traced, when the client has telemetry on. */
  trace?: BatchTrace;
}

/** How a run's items are traced: under the run's span, every `every`-th item by position (0: none). */
export interface BatchTrace {
  telemetry: Telemetry;
  /** The context whose active span is the run's. */
  context: TelemetryContext;
  every: number;
}

/** The trace context of an item's calls: the run's span for a sampled item, else one that records nothing. */
export function itemTraceContext(trace: BatchTrace | undefined, index: number): unknown {
  if (trace === undefined) return undefined;
  return trace.every > 0 && index % trace.every === 0
    ? trace.context
    : suppressedContext(trace.telemetry, trace.context);
}

/**
 * Runs a task over many inputs, streaming, with bounded rate-limit-aware concurrency and a resumable results file.
 * Invalid options throw an {@link InputError} at once; iterate the run for results, await `summary` for the totals.
 * See `docs/running-at-scale.md`.
 *
 * @example
 * ```ts
 * const run = runBatch(sentiment, 'reviews.jsonl', { output: 'results.jsonl', resume: true, concurrency: 16 });
 * for await (const result of run) if (!result.ok) failures.push(`${result.id}: ${result.error?.message}`);
 * const summary = await run.summary; // { total, succeeded, failed, skipped, costUsd, … }
 * ```
 */
export function runBatch<O>(task: Task<O>, inputs: BatchInput, options: RunBatchOptions = {}): BatchRun<O> {
  if (!isBatchInput(inputs)) {
    throw new InputError(
      'inputs must be an array, an iterable, an async iterable, or the path of a JSONL file (ending in .jsonl)',
      { path: 'inputs' },
    );
  }
  validateBatchOptions(task as Task<unknown>, options);
  const compiled = compileTask(task as Task<unknown>);
  // With a cache, a run whose items are all cached needs no key: the default client is then made on the first miss.
  const client = options.client ?? (options.cache === undefined ? getDefaultClient() : undefined);
  if (compiled.request.tools && client !== undefined && !client.capabilities.tools) {
    throw new InputError(
      `task "${task.name}" asks for a tool call, which the ${client.provider} provider does not support; use jsonMode 'json_object'`,
      { path: 'task.settings.jsonMode' },
    );
  }
  const channel = createResultChannel<BatchItemResult>();
  const start: BatchRunStart = {
    task: task as Task<unknown>,
    inputs,
    options,
    client,
    clock: options.clock ?? SYSTEM_CLOCK,
    channel,
  };
  const telemetry = client === undefined ? undefined : telemetryOf(client);
  const parent = telemetry === undefined ? undefined : spanParent(telemetry, options.traceContext);
  const span =
    telemetry === undefined || parent === undefined
      ? undefined
      : startSpan(telemetry, `batch ${task.name}`, parent, {
          'qwen_tasks.task.name': task.name,
          'qwen_tasks.batch.mode': options.mode ?? 'online',
          'qwen_tasks.batch.concurrency': options.concurrency,
          'qwen_tasks.batch.pack': options.pack,
        });
  if (telemetry !== undefined && parent !== undefined && span !== undefined) {
    const share = options.traceItems ?? 0;
    start.trace = {
      telemetry,
      context: withSpan(telemetry, parent, span),
      every: share > 0 ? Math.round(1 / share) : 0,
    };
  }
  const work: Promise<BatchSummary> =
    options.mode === 'batch-api'
      ? import('./batch-api-run.js').then((mode) => mode.runBatchApiMode(start))
      : import('./drive.js').then((mode) => mode.runOnlineMode(start));
  const summary = work.then(
    (value) => {
      if (span !== undefined) endRunSpan(span, value);
      channel.close();
      return value;
    },
    (error: unknown) => {
      if (span !== undefined && telemetry !== undefined) endWithError(telemetry, span, error);
      channel.close(error);
      throw error;
    },
  );
  // The caller may only iterate; the iterator reports the error then, so it must not also be an unhandled rejection.
  summary.catch(() => undefined);
  return {
    summary,
    [Symbol.asyncIterator]: () => channel.iterator() as AsyncIterator<BatchItemResult<O>>,
  };
}

/** Ends a run's span with the run's totals. */
function endRunSpan(span: TelemetrySpan, summary: BatchSummary): void {
  setAttributes(span, {
    'qwen_tasks.batch.total': summary.total,
    'qwen_tasks.batch.succeeded': summary.succeeded,
    'qwen_tasks.batch.failed': summary.failed,
    'qwen_tasks.batch.skipped': summary.skipped,
    'qwen_tasks.batch.cached': summary.cached,
    'qwen_tasks.batch.aborted': summary.aborted,
    'qwen_tasks.batch.stopped_by': summary.stoppedBy?.name,
    'qwen_tasks.usage.input_tokens': summary.usage.promptTokens,
    'qwen_tasks.usage.output_tokens': summary.usage.completionTokens,
    'qwen_tasks.usage.cached_tokens': summary.usage.cachedTokens,
    'qwen_tasks.cost_usd': summary.costUsd,
    'qwen_tasks.cost_estimated': summary.costEstimated === true ? true : undefined,
  });
  span.end();
}

/**
 * Streams the results of a results file (the `output` of {@link runBatch}) in file order; a torn last line is
 * skipped. With `retryFailed` an id can appear more than once: its last line is its final result. Throws
 * {@link InputError} when the file cannot be read or a complete line is not a result.
 */
export async function* readBatchResults(path: string): AsyncGenerator<BatchItemResult> {
  const { readResultLines } = await import('./results-file.js');
  for await (const line of readResultLines(path)) {
    if (line.result !== undefined) yield line.result;
  }
}

/**
 * Cancels the provider's batches of a `mode: 'batch-api'` run that was stopped (Ctrl-C, its `signal`), found through
 * the state file beside its `output`. Stopping a run leaves its batches running so that `resume: true` re-attaches to
 * them; this is the separate, explicit way to cancel them (a resume then submits their items again). Resolves with the
 * ids of the batches asked to cancel. See `docs/running-at-scale.md` (The Batch API).
 */
export async function cancelBatchRun(
  output: string,
  options: { client?: QwenClient; signal?: AbortSignal } = {},
): Promise<string[]> {
  if (typeof output !== 'string' || output.trim() === '') fail('output', 'output must be the path of the results file');
  const { cancelBatchApiRun } = await import('./batch-api-run.js');
  return cancelBatchApiRun(output, options);
}

/** Whether a value is a {@link BatchInput}. */
function isBatchInput(inputs: unknown): inputs is BatchInput {
  if (typeof inputs === 'string') return inputs.toLowerCase().endsWith('.jsonl');
  if (typeof inputs !== 'object' || inputs === null) return false;
  return Symbol.iterator in inputs || Symbol.asyncIterator in inputs;
}

/** Largest `concurrency`. */
const MAX_CONCURRENCY = 1000;
/** Largest `pack`. */
const MAX_PACK = 100;
const MODES = ['online', 'batch-api'];

/** Checks the options of a batch before anything is read or sent; throws {@link InputError} naming the option. */
function validateBatchOptions(task: Task<unknown>, options: RunBatchOptions): void {
  const { concurrency, maxCostUsd, pack, output, mode, maxRepairs, timeoutMs } = options;
  if (concurrency !== undefined) checkWhole('concurrency', concurrency, 1, MAX_CONCURRENCY);
  if (pack !== undefined) {
    checkWhole('pack', pack, 1, MAX_PACK);
    if (task.format !== 'label') {
      throw new InputError(`pack only works with label tasks; task "${task.name}" has format ${task.format}`, {
        path: 'options.pack',
      });
    }
  }
  if (maxRepairs !== undefined) checkWhole('maxRepairs', maxRepairs, 0, MAX_REPAIRS);
  if (maxCostUsd !== undefined && !(typeof maxCostUsd === 'number' && maxCostUsd >= 0 && maxCostUsd < Infinity)) {
    fail('maxCostUsd', `maxCostUsd must be a number of USD, 0 or more, got ${String(maxCostUsd)}`);
  }
  if (timeoutMs !== undefined) checkTimeoutMs(timeoutMs, 'options.timeoutMs');
  if (output !== undefined && (typeof output !== 'string' || output.trim() === '')) {
    fail('output', 'output must be the path of the results file');
  }
  if (mode !== undefined && !MODES.includes(mode)) {
    fail('mode', `mode must be one of ${MODES.map((name) => `"${name}"`).join(', ')}, got ${JSON.stringify(mode)}`);
  }
  if (mode === 'batch-api') {
    if (pack !== undefined) fail('pack', 'pack works in online mode only (a batch sends each item alone)');
    if (maxCostUsd !== undefined) fail('maxCostUsd', 'maxCostUsd works in online mode only');
    validateBatchApiOptions(options);
  }
  const { traceItems } = options;
  if (traceItems !== undefined && !(typeof traceItems === 'number' && traceItems >= 0 && traceItems <= 1)) {
    fail('traceItems', `traceItems must be a share of the items, from 0 to 1, got ${String(traceItems)}`);
  }
  if (options.resume === true && output === undefined) fail('resume', 'resume needs an output file to continue');
  if (options.retryFailed === true && options.resume !== true) {
    fail('retryFailed', 'retryFailed works with resume: true (it re-runs the failed ids of the output file)');
  }
  if (
    options.resumeMismatch !== undefined &&
    options.resumeMismatch !== 'refuse' &&
    options.resumeMismatch !== 'allow'
  ) {
    fail('resumeMismatch', `resumeMismatch must be "refuse" or "allow", got ${JSON.stringify(options.resumeMismatch)}`);
  }
  if (options.inputPath !== undefined && (typeof options.inputPath !== 'string' || options.inputPath === '')) {
    fail('inputPath', 'inputPath must be the path of the input file');
  }
  if (options.maxRateLimitedMs !== undefined) checkWhole('maxRateLimitedMs', options.maxRateLimitedMs, 1, 86_400_000);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    fail('onProgress', 'onProgress must be a function');
  }
}

function checkWhole(name: string, value: unknown, min: number, max: number): void {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) {
    fail(name, `${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

function fail(name: string, message: string): never {
  throw new InputError(message, { path: `options.${name}` });
}

/** Results a run keeps for an iterator that is not attached yet, or that is behind. */
const RESULT_BUFFER_SIZE = 256;

/**
 * A bounded hand-over from the runner to one optional iterator. Before an iterator is attached, the latest
 * `bufferSize` results are kept (older ones dropped). Once attached, `push` waits while the buffer is full, so a slow
 * consumer slows the run instead of filling memory. After the iterator returns (a `break`), results are dropped.
 */
export interface ResultChannel<T> {
  /** Hands a result over; resolves at once unless an attached iterator is behind. */
  push(value: T): Promise<void>;
  /** Ends the iteration after the buffered results; with an error, the iterator then throws it. */
  close(error?: unknown): void;
  /** The iterator (one per channel). */
  iterator(): AsyncIterator<T>;
}

type State = 'waiting' | 'attached' | 'detached';

/** A channel keeping up to `bufferSize` results. */
export function createResultChannel<T>(bufferSize = RESULT_BUFFER_SIZE): ResultChannel<T> {
  const buffer: T[] = [];
  let state: State = 'waiting';
  let closed = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let producersWaiting: (() => void)[] = [];

  function releaseProducers(): void {
    const waiting = producersWaiting;
    producersWaiting = [];
    for (const resolve of waiting) resolve();
  }

  function notifyConsumer(): void {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  }

  return {
    async push(value) {
      if (state === 'detached' || closed) return;
      if (state === 'waiting') {
        buffer.push(value);
        if (buffer.length > bufferSize) buffer.shift();
        return;
      }
      while (state === 'attached' && buffer.length >= bufferSize) {
        await new Promise<void>((resolve) => producersWaiting.push(resolve));
      }
      if (state !== 'attached') return;
      buffer.push(value);
      notifyConsumer();
    },
    close(error) {
      if (closed) return;
      closed = true;
      if (error !== undefined) failure = { error };
      notifyConsumer();
    },
    iterator() {
      if (state !== 'waiting') throw new InputError('A batch run can be iterated only once', { path: 'run' });
      state = 'attached';
      return {
        async next(): Promise<IteratorResult<T>> {
          for (;;) {
            if (state !== 'attached') return { done: true, value: undefined };
            if (buffer.length > 0) {
              const value = buffer.shift() as T;
              releaseProducers();
              return { done: false, value };
            }
            if (closed) {
              state = 'detached';
              if (failure !== undefined) throw failure.error;
              return { done: true, value: undefined };
            }
            await new Promise<void>((resolve) => {
              wakeConsumer = resolve;
            });
          }
        },
        async return(): Promise<IteratorResult<T>> {
          state = 'detached';
          buffer.length = 0;
          releaseProducers();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** `24h`..`336h` or `1d`..`14d`, as the Batch API accepts them. */
const COMPLETION_WINDOW = /^(\d+)([hd])$/;
const MIN_WINDOW_HOURS = 24;
const MAX_WINDOW_HOURS = 336;

/** Checks the batch-only options before anything is read or sent; throws {@link InputError} naming the option. */
export function validateBatchApiOptions(options: BatchApiRunOptions): void {
  const { completionWindow, batchIds, repairOnline } = options;
  for (const name of [
    'pollIntervalMs',
    'maxPollIntervalMs',
    'maxLinesPerFile',
    'maxBytesPerFile',
    'maxBytesPerLine',
  ] as const) {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
      fail(name, `${name} must be a whole number above 0, got ${String(value)}`);
    }
  }
  if (completionWindow !== undefined) {
    const match = COMPLETION_WINDOW.exec(String(completionWindow));
    const hours = match === null ? Number.NaN : Number(match[1]) * (match[2] === 'd' ? 24 : 1);
    if (!(hours >= MIN_WINDOW_HOURS && hours <= MAX_WINDOW_HOURS)) {
      fail('completionWindow', `completionWindow must be 24h to 336h (or 1d to 14d), got ${String(completionWindow)}`);
    }
  }
  if (batchIds !== undefined) {
    if (!Array.isArray(batchIds) || batchIds.some((id) => typeof id !== 'string' || id.trim() === '')) {
      fail('batchIds', 'batchIds must be a list of batch ids (non-empty strings)');
    }
  }
  if (repairOnline !== undefined && typeof repairOnline !== 'boolean') {
    fail('repairOnline', 'repairOnline must be true or false');
  }
  if (options.onBatchApiProgress !== undefined && typeof options.onBatchApiProgress !== 'function') {
    fail('onBatchApiProgress', 'onBatchApiProgress must be a function');
  }
}
