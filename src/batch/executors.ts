/**
 * The executors of online mode: one task call per item, or packs of label items classified with one request, and
 * the outcome each item gets from them.
 * @module
 */
import type { ChatOptions, ChatRequest, ChatResponse, Clock, QwenClient } from '../client/types.js';
import { ZERO_USAGE } from '../client/wire.js';
import { type PackedOutcome, runPackedLabels } from '../task/packing.js';
import { type RunTaskOptions, runTask } from '../task/run-task.js';
import type { Task } from '../task/types.js';
import type { ItemEstimate } from './budget.js';
import { succeededOutcome, trackSpend } from './outcomes.js';
import { type BatchRunStart, type BatchTrace, itemTraceContext } from './run-batch.js';
import type { BatchExecutor, BatchItem, BatchItemOutcome } from './types.js';

/** The executor of a run's online mode: one call per item, or packs of label items with `pack`. */
export function selectExecutor(start: BatchRunStart, estimate: ItemEstimate): BatchExecutor {
  const { task, options, client, clock } = start;
  const executorOptions: OnlineExecutorOptions = {
    client,
    clock,
    estimate,
    trace: start.trace,
    taskOptions: {
      ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.cache === undefined ? {} : { cache: options.cache }),
    },
  };
  return options.pack === undefined
    ? createOnlineExecutor(task, executorOptions)
    : createPackedExecutor(task, options.pack, executorOptions);
}

/** What the online executor needs besides the task. */
interface OnlineExecutorOptions {
  /** `undefined`: the default client, created on the first cache miss. */
  client: QwenClient | undefined;
  clock: Clock;
  /** Estimates the usage of a call the server reported none for. */
  estimate: ItemEstimate;
  /** The task options that are the same for every item, built once per run. */
  taskOptions: Pick<RunTaskOptions, 'maxRepairs' | 'timeoutMs' | 'cache'>;
  /** The run's span and its sampling of items, when telemetry is on. */
  trace: BatchTrace | undefined;
}

/**
 * The executor of online mode: one {@link runTask} per item (group size 1). Usage and cost are counted per attempt,
 * so a failed item still reports the calls it paid for; a cache hit comes back with `cached: true`.
 */
function createOnlineExecutor(task: Task<unknown>, options: OnlineExecutorOptions): BatchExecutor {
  const { client, clock, taskOptions, estimate, trace } = options;
  async function runItem(item: BatchItem, signal: AbortSignal | undefined): Promise<BatchItemOutcome> {
    const started = clock.now();
    const spend = trackSpend({ promptTokens: () => estimate.promptTokens(item), priceUsd: estimate.priceUsd });
    const itemOptions: RunTaskOptions = { ...taskOptions, onAttempt: spend.onAttempt };
    if (client !== undefined) itemOptions.client = client;
    if (trace !== undefined) itemOptions.traceContext = itemTraceContext(trace, item.index);
    if (signal !== undefined) itemOptions.signal = signal;
    try {
      const result = await runTask(task, item.text, itemOptions);
      const outcome = succeededOutcome(result, clock.now() - started, spend.rateLimited);
      if (!spend.estimated) return outcome;
      return { ...outcome, usage: spend.usage, costUsd: spend.costUsd, costEstimated: true };
    } catch (error) {
      const { calls, usage, costUsd } = spend;
      const estimated = spend.estimated ? { costEstimated: true } : {};
      return { ok: false, error, calls, usage, costUsd, durationMs: clock.now() - started, ...estimated };
    }
  }
  return {
    groupSize: 1,
    async execute(items, { signal }) {
      const [item] = items;
      if (items.length === 1 && item !== undefined) return [await runItem(item, signal)];
      return Promise.all(items.map((each) => runItem(each, signal)));
    },
  };
}

/**
 * The executor of `pack: N` (label tasks): up to N items per execution, classified together by
 * {@link runPackedLabels} — one request per pack, with the items it cannot answer run again alone. A rejection
 * (a refused key, no credits, an abort) fails the whole group, which the runner handles as for one item.
 */
function createPackedExecutor(task: Task<unknown>, pack: number, options: OnlineExecutorOptions): BatchExecutor {
  const { client, clock, taskOptions, trace } = options;
  return {
    groupSize: pack,
    async execute(items, { signal }) {
      const started = clock.now();
      let throttled = false;
      const outcomes = await runPackedLabels(
        task,
        items.map((item) => ({ text: item.text })),
        {
          ...taskOptions,
          ...(trace === undefined ? {} : { traceContext: itemTraceContext(trace, items[0]?.index ?? 0) }),
          ...(client === undefined
            ? {}
            : {
                client: observeRetries(client, () => {
                  throttled = true;
                }),
              }),
          ...(signal === undefined ? {} : { signal }),
        },
      );
      const durationMs = clock.now() - started;
      return outcomes.map((outcome) => toItemOutcome(outcome, durationMs, throttled));
    },
  };
}

function toItemOutcome(outcome: PackedOutcome, durationMs: number, throttled: boolean): BatchItemOutcome {
  if (outcome.ok) return succeededOutcome(outcome.result, durationMs, throttled);
  return {
    ok: false,
    error: outcome.error,
    calls: outcome.calls ?? 0,
    usage: outcome.usage ?? { ...ZERO_USAGE },
    costUsd: outcome.costUsd ?? 0,
    durationMs,
  };
}

/**
 * Wraps a client so that `onRetried` is called when a chat call was rate limited (a 429) before the client
 * recovered on its own, which still tells the runner that it is sending too fast. Other retries (5xx, resets,
 * timeouts) are not a sign of speed. Everything but `chat` is the client's own (the wrapper inherits from it).
 */
export function observeRetries(client: QwenClient, onRetried: () => void): QwenClient {
  async function chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResponse> {
    const response = await client.chat(request, options);
    if (response.rateLimitedAttempts > 0) onRetried();
    return response;
  }
  return Object.create(client, { chat: { value: chat } }) as QwenClient;
}
