/**
 * Running a task on one input: the input check, the default client, and the call loop (local repair first, then
 * repair turns and length retries). See `docs/tasks.md` and `docs/output-repair.md`.
 * @module
 */

import { createClient } from '../client/client.js';
import { checkTimeoutMs } from '../client/config.js';
import type { ChatMessage, ChatOptions, ChatRequest, ChatResponse, QwenClient, Usage } from '../client/types.js';
import { InputError, OutputError, type OutputIssue } from '../errors.js';
import { formatIssues } from '../output/schema.js';
import { buildMessages, buildRepairMessage } from '../prompt/messages.js';
import { estimateTokens } from '../tokens.js';
import { compileTask, MAX_OUTPUT_TOKENS } from './define-task.js';
import { cacheKey, cacheModel, type ResultCache, readCachedResult, storeCachedResult } from './result-cache.js';
import type { AttemptInfo, Task, TaskResult } from './types.js';

/** Options of {@link runTask}. */
export interface RunTaskOptions {
  /** Client to call; the default client (from the environment) otherwise. */
  client?: QwenClient;
  /** Aborts the call at any stage. */
  signal?: AbortSignal;
  /** Repair turns allowed after local repair fails (0–5). @defaultValue 1 */
  maxRepairs?: number;
  /** Per-attempt HTTP timeout; the client's otherwise. */
  timeoutMs?: number;
  /** Called after every chat call, for logging and tracing. */
  onAttempt?: (attempt: AttemptInfo) => void;
  /**
   * Where to look results up before calling, and store them after (see {@link ResultCache}): a hit returns at once
   * with `cached: true`, `calls: 0` and no cost, without a client (so a fully cached run needs no API key).
   */
  cache?: ResultCache;
  /**
   * A reply already obtained for the first call (e.g. from the Batch API): parsed as if the first call had returned
   * it, and only repair turns are sent. A member of a public type, so kept out of the API docs:
   * @internal
   */
  initialResponse?: ChatResponse;
}

/** Largest `maxRepairs`: more turns rarely fix what two could not, and each one costs a call. */
export const MAX_REPAIRS = 5;
const MAX_LENGTH_RETRIES = 2;

/**
 * Runs a task on one input: local repair first, a repair turn only when that cannot make the reply valid. Rejects
 * with a typed error ({@link OutputError} when no valid value was reached). See `docs/tasks.md`.
 */
export async function runTask<O>(
  task: Task<O>,
  input: string | { text: string },
  options: RunTaskOptions = {},
): Promise<TaskResult<O>> {
  const started = performance.now();
  const compiled = compileTask(task);
  // Callers from JavaScript may pass anything: checkText names what it got (an array is not a `{ text }` object).
  const given: unknown = input;
  const text = (
    typeof given === 'object' && given !== null && !Array.isArray(given) ? (given as { text?: unknown }).text : given
  ) as string;
  checkText(text, compiled.systemTokens);
  const maxRepairs = options.maxRepairs ?? 1;
  checkMaxRepairs(maxRepairs);
  if (options.timeoutMs !== undefined) checkTimeoutMs(options.timeoutMs, 'options.timeoutMs');
  const key = options.cache ? cacheKey(task, cacheModel(task, options.client), text) : undefined;
  if (options.cache && key !== undefined && !options.initialResponse) {
    const hit = await readCachedResult(options.cache, key, compiled, started);
    if (hit) return hit as TaskResult<O>;
  }
  const client = options.client ?? getDefaultClient();
  if (compiled.request.tools && !client.capabilities.tools) {
    throw new InputError(
      `task "${task.name}" asks for a tool call, which the ${client.provider} provider does not support; use jsonMode 'json_object'`,
      { path: 'task.settings.jsonMode' },
    );
  }

  let messages: ChatMessage[] = buildMessages({ system: compiled.system, text });
  let maxTokens = compiled.request.maxTokens;
  /** Built once per call; a length retry or a repair turn makes a new one (a client may keep what it was given). */
  let request: ChatRequest = { ...compiled.request, messages };
  const usage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 };
  const attempts: string[] = [];
  let costUsd = 0;
  let repairTurns = 0;
  let lengthRetries = 0;
  let kind: AttemptInfo['kind'] = 'first';
  let pending = options.initialResponse;
  const chatOptions: ChatOptions = {};
  if (options.signal) chatOptions.signal = options.signal;
  if (options.timeoutMs) chatOptions.timeoutMs = options.timeoutMs;
  for (;;) {
    const response = pending ?? (await client.chat(request, chatOptions));
    pending = undefined;
    addUsage(usage, response.usage);
    costUsd += response.costUsd;
    const raw = compiled.replyText(response);
    const previous = attempts.at(-1);
    attempts.push(raw);
    const cutOff = response.finishReason === 'length';
    const outcome = cutOff ? undefined : compiled.parse(raw);
    const issues: OutputIssue[] = cutOff
      ? [
          {
            path: [],
            message: `the reply was cut off at ${maxTokens ?? 'the default'} output tokens (finish_reason "length")`,
          },
        ]
      : outcome && !outcome.ok
        ? outcome.issues
        : [];
    options.onAttempt?.({
      call: attempts.length,
      kind,
      raw,
      finishReason: response.finishReason,
      ok: outcome?.ok ?? false,
      repairs: outcome ? [...outcome.repairs] : [],
      issues,
      usage: response.usage,
      costUsd: response.costUsd,
      durationMs: response.durationMs,
      messageCount: messages.length,
      rateLimitedAttempts: response.rateLimitedAttempts ?? 0,
    });
    if (outcome?.ok) {
      const result: TaskResult<O> = {
        value: outcome.value as O,
        raw,
        calls: attempts.length,
        repairs: [...outcome.repairs],
        usage,
        costUsd,
        durationMs: performance.now() - started,
        ...(response.remainingCredits === undefined ? {} : { remainingCredits: response.remainingCredits }),
        finishReason: response.finishReason,
      };
      if (options.cache && key !== undefined) await storeCachedResult(options.cache, key, result);
      return result;
    }
    if (cutOff) {
      if (lengthRetries >= MAX_LENGTH_RETRIES || (maxTokens ?? 0) >= MAX_OUTPUT_TOKENS) {
        throw outputError(
          task,
          'the reply was cut off (finish_reason "length") even with the largest output limit tried',
          attempts,
          issues,
          response,
        );
      }
      lengthRetries += 1;
      maxTokens = maxTokens === undefined ? 8192 : Math.min(MAX_OUTPUT_TOKENS, maxTokens * 4);
      request = { ...request, maxTokens };
      kind = 'length-retry';
      continue;
    }
    if (repairTurns >= maxRepairs) {
      throw outputError(
        task,
        `no valid value after ${repairTurns} repair turn${repairTurns === 1 ? '' : 's'}`,
        attempts,
        issues,
        response,
      );
    }
    if (raw === previous)
      throw outputError(task, 'the model repeated the same invalid reply', attempts, issues, response);
    repairTurns += 1;
    kind = 'repair';
    messages = [
      ...messages,
      { role: 'assistant', content: raw },
      { role: 'user', content: buildRepairMessage(formatIssues(issues)) },
    ];
    request = { ...request, messages };
  }
}

/** Throws an {@link InputError} unless `maxRepairs` is a whole number from 0 to {@link MAX_REPAIRS}. */
export function checkMaxRepairs(maxRepairs: number): void {
  if (!Number.isInteger(maxRepairs) || maxRepairs < 0 || maxRepairs > MAX_REPAIRS) {
    throw new InputError(`maxRepairs must be a whole number from 0 to ${MAX_REPAIRS}, got ${String(maxRepairs)}`, {
      path: 'options.maxRepairs',
    });
  }
}

function addUsage(total: Usage, usage: Usage): void {
  total.promptTokens += usage.promptTokens;
  total.completionTokens += usage.completionTokens;
  total.cachedTokens += usage.cachedTokens;
  total.totalTokens += usage.totalTokens;
}

function outputError(
  task: Task<unknown>,
  reason: string,
  attempts: string[],
  issues: OutputIssue[],
  response: ChatResponse,
): OutputError {
  const first = issues[0];
  const detail = first ? `: ${first.path.length > 0 ? `${first.path.join('.')}: ` : ''}${first.message}` : '';
  return new OutputError(`Task "${task.name}": ${reason}${detail}`, {
    attempts,
    issues,
    finishReason: response.finishReason,
  });
}

/** qwen-flash's largest input, in tokens. */
export const MAX_INPUT_TOKENS = 997_952;

/**
 * The most tokens {@link estimateTokens} gives one UTF-16 code unit (a non-ASCII symbol: 1.2), so a text of
 * `length × 1.2` tokens or fewer fits without estimating it.
 */
const MAX_TOKENS_PER_CODE_UNIT = 1.2;
const NOT_WHITESPACE = /\S/;

/**
 * Checks an input text before anything is sent: a non-blank string of valid UTF-16 that fits the model's input
 * limit together with `overheadTokens` (the system message). Short texts (the common case) fit by their length
 * alone and are not estimated.
 */
export function checkText(text: unknown, overheadTokens = 0, path = 'text'): void {
  if (typeof text !== 'string') throw new InputError(`${path} must be a string, got ${describe(text)}`, { path });
  if (!NOT_WHITESPACE.test(text)) throw new InputError(`${path} is empty or only whitespace`, { path });
  if (!text.isWellFormed()) {
    throw new InputError(`${path} is not valid Unicode: it contains a lone surrogate (broken UTF-16)`, { path });
  }
  if (text.length * MAX_TOKENS_PER_CODE_UNIT + overheadTokens <= MAX_INPUT_TOKENS) return;
  const tokens = estimateTokens(text);
  if (tokens + overheadTokens > MAX_INPUT_TOKENS) {
    throw new InputError(
      `${path} is too long: about ${tokens + overheadTokens} tokens, over qwen-flash's input limit of ${MAX_INPUT_TOKENS}`,
      { path },
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

let defaultClient: QwenClient | undefined;

/** The client used when a call names none: created from the environment on first use. */
export function getDefaultClient(): QwenClient {
  defaultClient ??= createClient();
  return defaultClient;
}
