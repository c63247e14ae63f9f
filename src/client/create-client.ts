import { ApiError, BadRequestError, InputError, RateLimitError, registerSecret, ServerError } from '../errors.js';
import { estimateInputTokens } from '../tokens.js';
import { createBatchApi } from './batch-api/create-batch-api.js';
import { buildRequestBody, type OutputLengthField } from './build-request-body.js';
import { checkTimeoutMs } from './check-timeout-ms.js';
import { computeCostUsd } from './compute-cost.js';
import { createDispatcher } from './create-dispatcher.js';
import { defaultTimeoutMs } from './default-timeout-ms.js';
import { isRetryable } from './is-retryable.js';
import { ZERO_USAGE } from './normalize-usage.js';
import { createRateLimiter } from './rate-limiter.js';
import { CLIENT_DEFAULTS, resolveClientConfig } from './resolve-client-config.js';
import { retryDelayMs } from './retry-delay.js';
import { createSemaphore } from './semaphore.js';
import { type AttemptCall, type AttemptResult, type AttemptSettings, sendAttempt } from './send-attempt.js';
import { SYSTEM_CLOCK } from './system-clock.js';
import type {
  ChatOptions,
  ChatRequest,
  ChatResponse,
  ClientOptions,
  PriceTier,
  QwenClient,
  UsageTotals,
} from './types.js';

/**
 * Creates a qwen-flash client. Options fall back to the environment (`QWEN_TASKS_BASE_URL` + `QWEN_TASKS_API_KEY`,
 * then `DASHSCOPE_API_KEY` with `DASHSCOPE_BASE_URL`/`DASHSCOPE_REGION`, then `SEGMIND_API_KEY`), then to defaults.
 * Throws {@link InputError} before any network call when no key is found or an option is invalid.
 *
 * Each attempt has `timeoutMs` (default 60 s, plus 1 s per 10,000 estimated input tokens when not set); failed
 * attempts are retried `maxRetries` times (408, 409, rate limits, 5xx, connection errors, timeouts) after the
 * server's `retry-after-ms`/`Retry-After` (when 0–60 s) or exponential backoff with full jitter (500 ms base, 8 s
 * cap). A 400 naming `max_tokens` is retried once with `max_completion_tokens`, and the client remembers it.
 *
 * @example
 * ```ts
 * const client = createClient({ apiKey: process.env.DASHSCOPE_API_KEY, region: 'intl' });
 * const reply = await client.chat({ messages: [{ role: 'user', content: 'Say hi' }], maxTokens: 20 });
 * reply.content; // the answer text; reply.usage and reply.costUsd say what it cost
 * await client.close();
 * ```
 */
export function createClient(options: ClientOptions = {}): QwenClient {
  const config = resolveClientConfig(options);
  registerSecret(config.apiKey);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  const ownDispatcher = options.dispatcher === undefined ? createDispatcher(config.proxy) : undefined;
  const dispatcher = options.dispatcher ?? ownDispatcher!;
  const semaphore =
    config.maxConcurrency === Number.POSITIVE_INFINITY ? undefined : createSemaphore(config.maxConcurrency);
  const rateLimiter = config.rateLimit === undefined ? undefined : createRateLimiter(config.rateLimit, clock);
  const totals: UsageTotals = { requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  const segmind = config.provider === 'segmind';
  let outputLengthField: OutputLengthField = 'max_tokens';
  let closing: Promise<void> | undefined;

  const endpoint = new URL(config.endpointURL);
  /** What every attempt shares, built once: no per-attempt closures or header copies. */
  const attemptSettings: AttemptSettings = {
    dispatcher,
    url: config.endpointURL,
    origin: endpoint.origin,
    path: `${endpoint.pathname}${endpoint.search}`,
    jsonHeaders: { ...config.headers, accept: 'application/json' },
    streamHeaders: { ...config.headers, accept: 'text/event-stream' },
    provider: config.provider,
    maxResponseBytes: config.maxResponseBytes,
    now: () => clock.now(),
    onUsage: (usage) => {
      totals.promptTokens += usage.promptTokens;
      totals.completionTokens += usage.completionTokens;
      totals.cachedTokens += usage.cachedTokens;
      totals.costUsd += computeCostUsd(usage, config.prices);
    },
    onCredits: (remainingCredits) => {
      totals.remainingCredits = remainingCredits;
    },
  };

  /** One attempt: a concurrency slot and the rate limit when the client has them, then the HTTP exchange. */
  function attempt(call: PreparedCall): Promise<AttemptResult> {
    if (semaphore === undefined && rateLimiter === undefined) {
      totals.requests += 1;
      return sendAttempt(attemptSettings, call);
    }
    return limitedAttempt(call);
  }

  async function limitedAttempt(call: PreparedCall): Promise<AttemptResult> {
    const release = await semaphore?.acquire(call.signal);
    try {
      await rateLimiter?.acquire(call.estimatedTokens, call.signal);
      totals.requests += 1;
      return await sendAttempt(attemptSettings, call);
    } finally {
      release?.();
    }
  }

  /** Builds and serializes the wire body once; again only when the output-length field changes. */
  function prepare(request: ChatRequest, field: OutputLengthField): Pick<PreparedCall, 'body' | 'stream'> {
    const { body, stream } = buildRequestBody(request, {
      provider: config.provider,
      model: config.model,
      outputLengthField: field,
    });
    return { body: JSON.stringify(body), stream };
  }

  async function chat(request: ChatRequest, chatOptions: ChatOptions = {}): Promise<ChatResponse> {
    if (closing !== undefined) throw new InputError('This client is closed: create a new one', { path: 'client' });
    const { signal } = chatOptions;
    if (chatOptions.timeoutMs !== undefined) checkTimeoutMs(chatOptions.timeoutMs, 'options.timeoutMs');
    const startedAt = clock.now();
    let field = outputLengthField;
    const estimatedTokens = estimateInputTokens(request.messages);
    const call: PreparedCall = {
      ...prepare(request, field),
      estimatedTokens,
      timeoutMs: chatOptions.timeoutMs ?? config.timeoutMs ?? defaultTimeoutMs(estimatedTokens),
      signal,
    };
    signal?.throwIfAborted();
    let attempts = 0;
    let rateLimitedAttempts = 0;
    let retries = 0;
    let fieldSwitched = false;
    let requestTimeOutRetried = false;
    for (;;) {
      attempts += 1;
      try {
        const result = await attempt(call);
        return toChatResponse(result, {
          attempts,
          rateLimitedAttempts,
          durationMs: clock.now() - startedAt,
          prices: config.prices,
        });
      } catch (error) {
        if (signal?.aborted === true) throw signal.reason;
        if (!fieldSwitched && request.maxTokens !== undefined && namesField(error, field)) {
          fieldSwitched = true;
          field = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
          outputLengthField = field;
          Object.assign(call, prepare(request, field));
          continue;
        }
        if (error instanceof RateLimitError) rateLimitedAttempts += 1;
        if (retries >= config.maxRetries || !isRetryable(error, requestTimeOutRetried)) throw error;
        if (error instanceof ServerError && error.code === 'RequestTimeOut') requestTimeOutRetried = true;
        retries += 1;
        const retryAfterMs = error instanceof ApiError ? error.retryAfterMs : undefined;
        await clock.sleep(retryDelayMs(retries, retryAfterMs, random), signal);
      }
    }
  }

  return {
    provider: config.provider,
    model: config.model,
    baseURL: config.baseURL,
    get usage(): UsageTotals {
      return { ...totals };
    },
    capabilities: Object.freeze({ stream: !segmind, tools: !segmind, batchApi: !segmind }),
    chat,
    batchApi: createBatchApi({
      provider: config.provider,
      baseURL: config.baseURL.replace(/\/+$/, ''),
      headers: Object.fromEntries(Object.entries(config.headers).filter(([name]) => name !== 'content-type')),
      dispatcher,
      timeoutMs: config.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs,
      maxRetries: config.maxRetries,
      maxResponseBytes: config.maxResponseBytes,
      prices: config.prices,
      clock,
      random,
    }),
    close() {
      closing ??= ownDispatcher === undefined ? Promise.resolve() : ownDispatcher.close();
      return closing;
    },
  };
}

/** What one call sends, the same for every attempt (until the output-length field changes). */
interface PreparedCall extends AttemptCall {
  estimatedTokens: number;
}

/** The caller's view of a successful attempt. */
function toChatResponse(
  { reply, raw, remainingCredits }: AttemptResult,
  call: { attempts: number; rateLimitedAttempts: number; durationMs: number; prices: readonly PriceTier[] },
): ChatResponse {
  const usage = reply.usage ?? { ...ZERO_USAGE };
  const response: ChatResponse = {
    content: reply.content,
    finishReason: reply.finishReason,
    usage,
    costUsd: computeCostUsd(usage, call.prices),
    durationMs: call.durationMs,
    attempts: call.attempts,
    rateLimitedAttempts: call.rateLimitedAttempts,
    raw,
  };
  if (reply.reasoning !== undefined) response.reasoning = reply.reasoning;
  if (reply.toolCalls !== undefined) response.toolCalls = reply.toolCalls;
  if (remainingCredits !== undefined) response.remainingCredits = remainingCredits;
  if (reply.requestId !== undefined) response.requestId = reply.requestId;
  return response;
}

/** Whether an error is a 400 that names the output-length field the request used. */
function namesField(error: unknown, field: OutputLengthField): boolean {
  return error instanceof BadRequestError && error.status === 400 && new RegExp(`\\b${field}\\b`).test(error.message);
}
