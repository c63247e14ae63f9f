/**
 * Packing: many short texts of a `label` task classified with one request per pack, each item answered from the
 * packed reply or, when its answer is unusable, run again alone. See
 * `docs/running-at-scale.md#packing-short-label-items-pack`.
 * @module
 */
import { checkTimeoutMs } from '../client/config.js';
import { createSemaphore } from '../client/limits.js';
import type { ChatResponse, QwenClient, Usage } from '../client/types.js';
import { AuthenticationError, InputError, InsufficientCreditsError, RateLimitError } from '../errors.js';
import { packedAnswerOffset, parsePackedLabelsReply } from '../output/packed-reply.js';
import {
  buildPackedUserMessage,
  buildSystemMessage,
  packedItemCode,
  packedLabelInstruction,
} from '../prompt/messages.js';
import { estimateTokens } from '../tokens.js';
import { isLowConfidence, readConfidence } from './confidence.js';
import { type CompiledTask, compileTask, MAX_OUTPUT_TOKENS } from './define-task.js';
import { labelFormat } from './formats.js';
import { cacheKey, cacheModel, type ResultCache, readCachedResult, storeCachedResult } from './result-cache.js';
import { checkMaxRepairs, checkTextWithTokenizer, getDefaultClient, type RunTaskOptions, runTask } from './run-task.js';
import type { Task, TaskResult } from './types.js';

/** Options of {@link runPackedLabels}: those of `runTask`, plus the size limit of a pack. */
export interface RunPackedLabelsOptions extends RunTaskOptions {
  /**
   * Most estimated tokens of item texts in one request; an item larger than it is sent alone. A request also holds
   * at most 702 items (letter codes `A` to `ZZ`). @defaultValue 4000
   */
  maxPackTokens?: number;
}

/** Default of {@link RunPackedLabelsOptions.maxPackTokens}. */
export const DEFAULT_MAX_PACK_TOKENS = 4000;

/**
 * What {@link runPackedLabels} gives for one item: its result, or the error that kept it from one, with what the
 * item spent before failing (absent when nothing was), so that summing over items gives the real total.
 */
export type PackedOutcome =
  | { ok: true; result: TaskResult<unknown> }
  | { ok: false; error: unknown; calls?: number; usage?: Usage; costUsd?: number };

/**
 * Classifies many short texts of a `label` task with one request per pack; one {@link PackedOutcome} per item, in
 * order. An unusable answer is never guessed: that item runs again alone. Invalid texts fail their own item; the
 * promise rejects only for a non-label task, invalid options, no client, an authentication or credits error, or an
 * abort. See `docs/running-at-scale.md#packing-short-label-items-pack`.
 */
export async function runPackedLabels(
  task: Task,
  items: readonly { text: string }[],
  options: RunPackedLabelsOptions = {},
): Promise<PackedOutcome[]> {
  const startedMs = performance.now();
  if (task.format !== 'label') {
    throw new InputError(`packing works with label tasks only; task "${task.name}" has format ${task.format}`, {
      path: 'task.format',
    });
  }
  if (!Array.isArray(items)) throw new InputError('items must be an array of { text } objects', { path: 'items' });
  checkOptions(options);
  const { cache, maxPackTokens = DEFAULT_MAX_PACK_TOKENS, client: givenClient } = options;
  const taskOptions: PackedContext['taskOptions'] = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.onAttempt === undefined ? {} : { onAttempt: options.onAttempt }),
    ...(options.traceContext === undefined ? {} : { traceContext: options.traceContext }),
  };
  const compiled = compileTask(task);
  const outcomes = new Array<PackedOutcome | undefined>(items.length);
  const pending: PendingItem[] = [];
  for (const [index, item] of items.entries()) {
    const text: unknown = (item as { text?: unknown } | null | undefined)?.text;
    try {
      await checkTextWithTokenizer(text, compiled);
      const tokens = estimateTokens(text as string);
      const key = cache ? cacheKey(task, cacheModel(task, givenClient), text as string) : undefined;
      pending.push({ index, text: text as string, tokens, key });
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  }
  const misses: PendingItem[] = [];
  for (const item of pending) {
    const hit =
      cache && item.key !== undefined
        ? await readCachedResult(cache, item.key, compiled, startedMs, item.text)
        : undefined;
    if (hit) outcomes[item.index] = { ok: true, result: hit };
    else misses.push(item);
  }
  if (misses.length > 0) {
    const context: PackedContext = {
      task,
      compiled,
      client: givenClient ?? getDefaultClient(),
      taskOptions,
      cache,
      startedMs,
    };
    for (const group of packedGroups(misses, maxPackTokens)) {
      const first = group[0];
      const results =
        group.length === 1 && first
          ? [await runItemAlone(context, first, NO_SHARE)]
          : await runPackedRequest(context, group);
      for (const [position, item] of group.entries()) outcomes[item.index] = results[position];
    }
  }
  return outcomes as PackedOutcome[];
}

function checkOptions(options: RunPackedLabelsOptions): void {
  const { maxRepairs, timeoutMs, maxPackTokens } = options;
  if (maxRepairs !== undefined) checkMaxRepairs(maxRepairs);
  if (timeoutMs !== undefined) checkTimeoutMs(timeoutMs, 'options.timeoutMs');
  if (maxPackTokens !== undefined && !(Number.isInteger(maxPackTokens) && maxPackTokens > 0)) {
    throw new InputError(`maxPackTokens must be a positive whole number, got ${String(maxPackTokens)}`, {
      path: 'options.maxPackTokens',
    });
  }
}

/** What the steps of {@link runPackedLabels} share. */
interface PackedContext {
  task: Task<unknown>;
  compiled: CompiledTask;
  client: QwenClient;
  /** Options for the one-item calls (`runTask`); not the cache: the packed runner looks up and stores results itself. */
  taskOptions: Pick<RunTaskOptions, 'signal' | 'maxRepairs' | 'timeoutMs' | 'onAttempt' | 'traceContext'>;
  cache: ResultCache | undefined;
  /** `performance.now()` when the run started; every item's `durationMs` counts from it. */
  startedMs: number;
}

/** An item waiting for a call: its place in the caller's list, its text and its cache key. */
export interface PendingItem {
  index: number;
  text: string;
  tokens: number;
  key: string | undefined;
}

/** The most items in one pack: 26 + 26 × 26, so every item's letter code (`A` … `ZZ`) has one or two letters. */
export const MAX_PACK_ITEMS = 702;

/**
 * Splits items, in order, into packs of at most `maxPackTokens` estimated tokens and {@link MAX_PACK_ITEMS} items.
 * An item larger than the budget gets a pack of its own (sent as a plain one-item call).
 */
export function packedGroups(items: readonly PendingItem[], maxPackTokens: number): PendingItem[][] {
  const groups: PendingItem[][] = [];
  let current: PendingItem[] = [];
  let tokens = 0;
  for (const item of items) {
    if (current.length === MAX_PACK_ITEMS || (current.length > 0 && tokens + item.tokens > maxPackTokens)) {
      groups.push(current);
      current = [];
      tokens = 0;
    }
    current.push(item);
    tokens += item.tokens;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** One item's part of a call it shared with others. */
export interface CallShare {
  calls: number;
  usage: Usage;
  costUsd: number;
}

/**
 * Splits one call's usage and cost evenly over `count` items (token remainders to the first items), so the shares
 * sum to the call's exact totals. Each share counts the call once (`calls: 1`).
 */
export function packedCallShares(usage: Usage, costUsd: number, count: number): CallShare[] {
  const split = (total: number, index: number): number => Math.floor(total / count) + (index < total % count ? 1 : 0);
  return Array.from({ length: count }, (_, index) => ({
    calls: 1,
    usage: {
      promptTokens: split(usage.promptTokens, index),
      completionTokens: split(usage.completionTokens, index),
      cachedTokens: split(usage.cachedTokens, index),
      totalTokens:
        split(usage.promptTokens, index) +
        split(usage.completionTokens, index) +
        split(usage.totalTokens - usage.promptTokens - usage.completionTokens, index),
    },
    costUsd: costUsd / count,
  }));
}

/** A share with nothing in it. */
export const NO_SHARE: CallShare = Object.freeze({
  calls: 0,
  usage: Object.freeze({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 }),
  costUsd: 0,
});

/** The sum of two shares. */
export function addShares(left: CallShare, right: CallShare): CallShare {
  return {
    calls: left.calls + right.calls,
    usage: {
      promptTokens: left.usage.promptTokens + right.usage.promptTokens,
      completionTokens: left.usage.completionTokens + right.usage.completionTokens,
      cachedTokens: left.usage.cachedTokens + right.usage.cachedTokens,
      totalTokens: left.usage.totalTokens + right.usage.totalTokens,
    },
    costUsd: left.costUsd + right.costUsd,
  };
}

/** One-item calls of a pack in flight at once (retries of unusable answers, or the fallback of a failed request). */
const MAX_PARALLEL_CALLS = 4;
/** Output tokens an answer line spends on its line break and letter code (`\nAB: `) besides the label, with room. */
const CODE_TOKENS = 4;

/**
 * Classifies a pack with one request and reads one answer per item; the others run alone, a few at a time. When the
 * request fails: authentication, credits or the caller's abort reject; a rate limit fails every item with it (a
 * batch retries them later); any other error runs every item alone, which also isolates the text that caused it.
 */
async function runPackedRequest(context: PackedContext, items: readonly PendingItem[]): Promise<PackedOutcome[]> {
  const { task, compiled, client, taskOptions } = context;
  const perItemTokens = task.settings.maxTokens;
  const maxTokens =
    perItemTokens === undefined ? undefined : Math.min(MAX_OUTPUT_TOKENS, (perItemTokens + CODE_TOKENS) * items.length);
  let response: ChatResponse;
  try {
    response = await client.chat(
      {
        ...compiled.request,
        ...(maxTokens === undefined ? {} : { maxTokens }),
        messages: [
          { role: 'system', content: packedSystemMessage(task).system },
          { role: 'user', content: buildPackedUserMessage(items.map((item) => item.text)) },
        ],
      },
      {
        ...(taskOptions.signal ? { signal: taskOptions.signal } : {}),
        ...(taskOptions.timeoutMs ? { timeoutMs: taskOptions.timeoutMs } : {}),
        ...(taskOptions.traceContext === undefined ? {} : { traceContext: taskOptions.traceContext }),
      },
    );
  } catch (error) {
    if (
      error instanceof AuthenticationError ||
      error instanceof InsufficientCreditsError ||
      taskOptions.signal?.aborted === true
    ) {
      throw error;
    }
    if (error instanceof RateLimitError) return items.map(() => ({ ok: false, error }));
    return mapLimited(items, MAX_PARALLEL_CALLS, (item) => runItemAlone(context, item, NO_SHARE));
  }
  const shares = packedCallShares(response.usage, response.costUsd, items.length);
  const labels = compiled.labelMatcher ?? task.labels ?? [];
  const reply = parsePackedLabelsReply(compiled.replyText(response), labels, items.length, {
    multi: task.multi,
    truncated: response.finishReason === 'length',
  });
  const outcomes = new Array<PackedOutcome>(items.length);
  const retries: number[] = [];
  for (const [index, item] of items.entries()) {
    const answer = reply.answers[index];
    if (answer?.ok !== true) {
      retries.push(index);
      continue;
    }
    const share = shares[index] ?? NO_SHARE;
    const result: TaskResult<unknown> = {
      value: answer.value,
      raw: reply.answerTexts[index] ?? '',
      calls: share.calls,
      repairs: [...answer.repairs],
      usage: share.usage,
      costUsd: share.costUsd,
      durationMs: performance.now() - context.startedMs,
      ...(response.remainingCredits === undefined ? {} : { remainingCredits: response.remainingCredits }),
      finishReason: response.finishReason,
    };
    if (task.settings.confidence === true) {
      // Each item's confidence comes from its own answer's tokens: those after its code on its line.
      const start = packedAnswerOffset(response.content, index);
      Object.assign(
        result,
        start === undefined
          ? { warnings: ['no confidence: the item has no "ID: label" line in the packed reply'] }
          : readConfidence(task, response, answer.value, start),
      );
      if (isLowConfidence(task, result.confidence)) {
        // Escalated or rejected by a call of its own, as `runTask` does it.
        retries.push(index);
        continue;
      }
    }
    if (context.cache && item.key !== undefined) await storeCachedResult(context.cache, item.key, result);
    outcomes[index] = { ok: true, result };
  }
  await mapLimited(retries, MAX_PARALLEL_CALLS, async (index) => {
    outcomes[index] = await runItemAlone(context, items[index] as PendingItem, shares[index] ?? NO_SHARE);
  });
  return outcomes;
}

/**
 * Runs one item as a plain {@link runTask} call, for an item the packed reply did not answer validly or that could
 * not be packed. `share` (what it spent on a packed request) is added to its result or failure.
 */
async function runItemAlone(context: PackedContext, item: PendingItem, share: CallShare): Promise<PackedOutcome> {
  let spent = share;
  try {
    const result = await runTask(context.task, item.text, {
      ...context.taskOptions,
      client: context.client,
      onAttempt: (attempt) => {
        spent = addShares(spent, { calls: 1, usage: attempt.usage, costUsd: attempt.costUsd });
        context.taskOptions.onAttempt?.(attempt);
      },
    });
    if (context.cache && item.key !== undefined) await storeCachedResult(context.cache, item.key, result);
    const total = addShares(share, result);
    return {
      ok: true,
      result: { ...result, ...total, durationMs: performance.now() - context.startedMs },
    };
  } catch (error) {
    return spent.calls === 0 ? { ok: false, error } : { ok: false, error, ...spent };
  }
}

/** The system message of a packed request, with its estimated tokens. */
export interface PackedSystemMessage {
  system: string;
  systemTokens: number;
}

const systems = new WeakMap<Task<unknown>, PackedSystemMessage>();

/**
 * The system message of a packed label request, built once per task: the instructions, the packed label instruction
 * and the examples shown as one small pack. It never depends on the items, so every pack shares it (and the
 * provider's prefix cache).
 */
export function packedSystemMessage(task: Task<unknown>): PackedSystemMessage {
  const cached = systems.get(task);
  if (cached) return cached;
  const examples = task.examples;
  const system = buildSystemMessage({
    ...(task.instructions === undefined ? {} : { instructions: task.instructions }),
    format: packedLabelInstruction({
      labels: task.labels ?? [],
      multi: task.multi,
      ...(task.labelDescriptions ? { descriptions: task.labelDescriptions } : {}),
    }),
    examples:
      examples.length === 0
        ? []
        : [
            {
              input: buildPackedUserMessage(examples.map((example) => example.input)),
              output: examples
                .map(
                  (example, index) =>
                    `${packedItemCode(index)}: ${labelFormat.renderExample(example.output, task, example.input)}`,
                )
                .join('\n'),
            },
          ],
  });
  const result = { system, systemTokens: estimateTokens(system) };
  systems.set(task, result);
  return result;
}

/**
 * Maps `items` with an async function, at most `limit` at a time (on the client's one semaphore), results in input
 * order. Rejects with the first error once the running calls finish; no new call starts after a failure.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const semaphore = createSemaphore(Math.max(1, limit));
  let failure: { error: unknown } | undefined;
  const results = await Promise.all(
    items.map(async (item, index) => {
      const release = await semaphore.acquire();
      try {
        return failure === undefined ? await map(item, index) : undefined;
      } catch (error) {
        failure ??= { error };
        return undefined;
      } finally {
        release();
      }
    }),
  );
  if (failure !== undefined) throw failure.error;
  return results as R[];
}
