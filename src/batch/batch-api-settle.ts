/**
 * Getting a Batch API run's results back: polling the batches with backoff, streaming the output and error files of
 * each finished batch, reading every result line into a reply or a typed error, running replies through the task's
 * output pipeline, and failing the items a batch left without a line.
 * @module
 */
import { createSemaphore } from '../client/limits.js';
import type { BatchJob, ChatResponse, Provider, Usage } from '../client/types.js';
import { classifyApiError, nonEmptyString, parseChatResponse, ZERO_USAGE } from '../client/wire.js';
import {
  ApiError,
  BadRequestError,
  ConnectionError,
  OutputError,
  redact,
  ServerError,
  TimeoutError,
} from '../errors.js';
import { isRecord } from '../json.js';
import { runTask } from '../task/run-task.js';
import { BATCH_API_DEFAULTS, type BatchApiRun, type TrackedBatch } from './batch-api-run.js';
import { failedOutcome, succeededOutcome, trackSpend } from './outcomes.js';
import { itemTraceContext } from './run-batch.js';
import type { BatchApiProgress, BatchItem, BatchItemOutcome } from './types.js';

/** Statuses after which a batch changes no more. */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'expired', 'cancelled']);

/**
 * Polls the run's batches that still have items waiting, one round at a time, and settles each as soon as it has
 * finished. The wait between rounds starts at `pollIntervalMs` and grows 1.5 times per round up to
 * `maxPollIntervalMs`. After every round `onProgress` gets each batch's status and request counts.
 */
export async function pollBatches(
  run: BatchApiRun,
  onProgress: ((progress: BatchApiProgress) => void) | undefined,
): Promise<void> {
  const live = run.batches.filter((batch) => batch.pending.size > 0 && batch.entry.batchId !== undefined);
  let delayMs = run.settings.pollIntervalMs;
  while (live.length > 0) {
    for (const batch of [...live]) {
      const job = await run.api.retrieveBatch(batch.entry.batchId!, run.callOptions);
      batch.job = job;
      if (FINISHED_STATUSES.has(job.status)) {
        live.splice(live.indexOf(batch), 1);
        await settleBatch(run, batch, job);
      }
    }
    onProgress?.(progressOf(run.batches));
    if (live.length === 0) return;
    await run.clock.sleep(delayMs, run.signal);
    delayMs = Math.min(delayMs * BATCH_API_DEFAULTS.pollBackoffFactor, run.settings.maxPollIntervalMs);
  }
}

function progressOf(batches: readonly TrackedBatch[]): BatchApiProgress {
  const requestCounts = { total: 0, completed: 0, failed: 0 };
  const entries = batches.flatMap((batch) => {
    if (batch.job === undefined) return [];
    const counts = batch.job.requestCounts;
    requestCounts.total += counts.total;
    requestCounts.completed += counts.completed;
    requestCounts.failed += counts.failed;
    return [{ id: batch.job.id, status: batch.job.status, requestCounts: { ...counts } }];
  });
  return { batches: entries, requestCounts };
}

/** Downloads of a result file that fail mid-way are started again this many times (handled lines are skipped). */
const MAX_DOWNLOAD_RESTARTS = 2;
const DOWNLOAD_RESTART_DELAY_MS = 1_000;

/**
 * Finishes the items of an ended batch: every reply through the output pipeline (`concurrency` at a time), every
 * error line a failed item, and the items left without a line failed with the reason the batch ended. Each item is
 * emitted once; nothing after the signal aborted.
 */
async function settleBatch(run: BatchApiRun, batch: TrackedBatch, job: BatchJob): Promise<void> {
  const pool = createWorkPool(run.settings.concurrency);
  const context = { provider: run.client.provider, batchId: job.id, estimateCostUsd: run.api.estimateCostUsd };

  async function handleLine(line: string): Promise<void> {
    const result = readBatchResultLine(line, context);
    if (result === undefined || !batch.pending.has(result.customId)) return;
    batch.pending.delete(result.customId);
    const item = await run.spool.get(result.customId);
    if (item === undefined) return;
    const requestId = result.ok ? result.response.requestId : result.error.requestId;
    await pool.run(async () => {
      const outcome = result.ok ? await completeBatchItem(run, item, result.response) : failedOutcome(result.error, 1);
      await emit(run, item, requestId === undefined ? outcome : { ...outcome, requestId });
    });
  }

  try {
    for (const fileId of [job.outputFileId, job.errorFileId]) {
      if (fileId !== undefined) await readResultFile(run, fileId, handleLine);
    }
  } finally {
    await pool.drain().catch((error: unknown) => {
      if (run.signal?.aborted !== true) throw error;
    });
  }
  run.signal?.throwIfAborted();
  const leftovers = [...batch.pending];
  batch.pending.clear();
  for (const id of leftovers) {
    const item = await run.spool.get(id);
    if (item !== undefined) await emit(run, item, failedOutcome(leftoverError(job, run.client.provider)));
  }
}

/** Streams one result file into `handleLine`, starting again after a cut connection (handled lines are skipped). */
async function readResultFile(
  run: BatchApiRun,
  fileId: string,
  handleLine: (line: string) => Promise<void>,
): Promise<void> {
  for (let restarts = 0; ; restarts += 1) {
    try {
      for await (const line of run.api.downloadFileLines(fileId, run.callOptions)) {
        await handleLine(line);
      }
      return;
    } catch (error) {
      const transient = error instanceof ConnectionError || error instanceof TimeoutError;
      if (run.signal?.aborted === true || !transient || restarts >= MAX_DOWNLOAD_RESTARTS) throw error;
      await run.clock.sleep(DOWNLOAD_RESTART_DELAY_MS * (restarts + 1), run.signal);
    }
  }
}

async function emit(run: BatchApiRun, item: BatchItem, outcome: BatchItemOutcome): Promise<void> {
  if (run.signal?.aborted === true) return;
  run.spool.delete(item.id);
  await run.emit(item, outcome);
}

/** A line of an output or error file: the reply of one request, or why it failed. */
type BatchResultLine =
  | { customId: string; ok: true; response: ChatResponse }
  | { customId: string; ok: false; error: ApiError };

/** What reading a result line needs to know. */
interface ResultLineContext {
  provider: Provider;
  batchId: string;
  /** Cost of one batch request (half the online price). */
  estimateCostUsd: (usage: Usage) => number;
}

/**
 * Reads a result line `{id, custom_id, response: {status_code, request_id, body}, error}`: a reply priced as a batch
 * request, or the typed error a chat call would have thrown (`RateLimitError` for 429, …); `undefined` for a line
 * that is not JSON or names no `custom_id`.
 */
export function readBatchResultLine(line: string, context: ResultLineContext): BatchResultLine | undefined {
  const parsed = parseObject(line);
  const customId = parsed === undefined ? undefined : nonEmptyString(parsed.custom_id);
  if (parsed === undefined || customId === undefined) return undefined;
  const response = asObject(parsed.response) ?? {};
  const status = typeof response.status_code === 'number' ? response.status_code : undefined;
  const body = response.body;
  const requestId = nonEmptyString(response.request_id);
  const failure = asObject(parsed.error) ?? asObject(asObject(body)?.error);
  if (failure !== undefined || (status !== undefined && status >= 300)) {
    return { customId, ok: false, error: lineError(status, failure ?? {}, requestId, context) };
  }
  const reply = parseChatResponse(body);
  if (reply === undefined) {
    const error = new ServerError(`Batch request failed: the reply has no choices — batch ${context.batchId}`, {
      ...(status === undefined ? {} : { status }),
      ...(requestId === undefined ? {} : { requestId: redact(requestId) }),
      provider: context.provider,
    });
    return { customId, ok: false, error };
  }
  const usage = reply.usage ?? { ...ZERO_USAGE };
  const chatResponse: ChatResponse = {
    content: reply.content,
    finishReason: reply.finishReason,
    usage,
    costUsd: context.estimateCostUsd(usage),
    durationMs: 0,
    attempts: 1,
    rateLimitedAttempts: 0,
    raw: body,
  };
  if (reply.reasoning !== undefined) chatResponse.reasoning = reply.reasoning;
  if (reply.toolCalls !== undefined) chatResponse.toolCalls = reply.toolCalls;
  // The provider's request id of the line, not the completion's id (`chatcmpl-…`), which is kept apart.
  const replyRequestId = requestId ?? reply.requestId;
  if (replyRequestId !== undefined) chatResponse.requestId = replyRequestId;
  const completionId = nonEmptyString(asObject(body)?.id);
  if (completionId !== undefined)
    (chatResponse as ChatResponse & { completionId?: string }).completionId = completionId;
  return { customId, ok: true, response: chatResponse };
}

function lineError(
  status: number | undefined,
  failure: Record<string, unknown>,
  requestId: string | undefined,
  context: ResultLineContext,
): ApiError {
  const code = nonEmptyString(failure.code) ?? nonEmptyString(failure.type);
  const message = nonEmptyString(failure.message) ?? 'no message';
  const ErrorClass = classifyApiError(status ?? 500, code, context.provider);
  const label = [status, code].filter((part) => part !== undefined).join(' ');
  return new ErrorClass(
    `Batch request failed${label === '' ? '' : ` (${label})`}: ${message} — batch ${context.batchId}`,
    {
      ...(status === undefined ? {} : { status }),
      ...(code === undefined ? {} : { code: redact(code) }),
      ...(requestId === undefined ? {} : { requestId: redact(requestId) }),
      provider: context.provider,
    },
  );
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/**
 * Why an item of a finished batch has no result line: the batch failed validation (its first problem), expired,
 * was cancelled by someone else, or completed without a line for the item.
 */
export function leftoverError(job: BatchJob, provider: string): ApiError {
  const where = `batch ${job.id}`;
  switch (job.status) {
    case 'failed': {
      const problem = job.problems[0];
      const detail =
        problem === undefined
          ? 'no reason given'
          : `${problem.code}${problem.line === undefined ? '' : ` at line ${problem.line}`}: ${problem.message}`;
      return new BadRequestError(`The batch failed (${detail}) — ${where}`, {
        code: problem?.code ?? 'batch_failed',
        provider,
      });
    }
    case 'expired':
      return new ApiError(`The batch expired before this item was processed — ${where}`, {
        code: 'batch_expired',
        provider,
      });
    case 'cancelled':
    case 'cancelling':
      return new ApiError(`The batch was cancelled before this item was processed — ${where}`, {
        code: 'batch_cancelled',
        provider,
      });
    default:
      return new ServerError(`The batch ended (${job.status}) without a result for this item — ${where}`, {
        code: 'batch_result_missing',
        provider,
      });
  }
}

/**
 * Runs a batch reply through the task's output pipeline ({@link runTask} with the reply as its first response),
 * repairing online only with `repairOnline` (else an unfixable reply is an {@link OutputError}). Never rejects: a
 * failure is an outcome with what the item spent.
 */
async function completeBatchItem(run: BatchApiRun, item: BatchItem, response: ChatResponse): Promise<BatchItemOutcome> {
  const { settings, clock } = run;
  const started = clock.now();
  const spend = trackSpend();
  if (!settings.repairOnline && response.finishReason === 'length') {
    const error = new OutputError(
      `Task "${run.task.name}": the batch reply was cut off (finish_reason "length") and repairOnline is off`,
      {
        attempts: [run.compiled.replyText(response)],
        issues: [{ path: [], message: 'the reply was cut off (finish_reason "length")' }],
        finishReason: 'length',
      },
    );
    return { ok: false, error, calls: 1, usage: { ...response.usage }, costUsd: response.costUsd, durationMs: 0 };
  }
  try {
    const result = await runTask(run.task, item.text, {
      client: run.client,
      initialResponse: response,
      maxRepairs: settings.repairOnline ? (settings.maxRepairs ?? 1) : 0,
      onAttempt: spend.onAttempt,
      ...run.callOptions,
      ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
      ...(run.trace === undefined ? {} : { traceContext: itemTraceContext(run.trace, item.index) }),
    });
    return succeededOutcome(result, clock.now() - started, false);
  } catch (error) {
    const { calls, usage, costUsd } = spend;
    return { ok: false, error, calls, usage, costUsd, durationMs: clock.now() - started };
  }
}

/** Runs async work with at most `limit` pieces at once. */
interface WorkPool {
  /** Starts `work` once a place is free (waits for one). Rejects at once when earlier work failed. */
  run(work: () => Promise<void>): Promise<void>;
  /** Waits for all started work; rejects with the first failure. */
  drain(): Promise<void>;
}

/** A pool of at most `limit` concurrent pieces of work on the client's semaphore; the first failure is kept. */
function createWorkPool(limit: number): WorkPool {
  const semaphore = createSemaphore(limit);
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  return {
    async run(work) {
      const release = await semaphore.acquire();
      if (failure !== undefined) {
        release();
        throw failure.error;
      }
      const piece: Promise<void> = work()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          running.delete(piece);
          release();
        });
      running.add(piece);
    },
    async drain() {
      while (running.size > 0) await Promise.all(running);
      if (failure !== undefined) throw failure.error;
    },
  };
}
