/**
 * `createClient`: the qwen-flash client, with retries, the concurrency and rate limits, usage totals, and the clock
 * (the library's one sleep). undici
 * and the Batch API client are loaded on first use, so importing the library stays cheap. See `docs/providers.md`.
 * @module
 */
import type { Dispatcher } from 'undici';
import {
  ApiError,
  BadRequestError,
  InputError,
  RateLimitError,
  redact,
  registerSecret,
  ServerError,
} from '../errors.js';
import { estimateInputTokens } from '../tokens.js';
import type { BatchApiCalls } from './batch-api.js';
import type { BatchApiContext } from './batch-api-http.js';
import {
  CLIENT_DEFAULTS,
  checkTimeoutMs,
  defaultTimeoutMs,
  defaultTimeoutNeedsEstimate,
  resolveClientConfig,
} from './config.js';
import { createRateLimiter, createSemaphore, isRetryable, retryDelayMs } from './limits.js';
import { CallObserver, type ObserverSettings, retryReason, serverOf } from './observe.js';
import { attachTelemetry, resolveTelemetry } from './telemetry.js';
import {
  type AttemptCall,
  type AttemptResult,
  type AttemptSettings,
  createDispatcher,
  sendAttempt,
} from './transport.js';
import type {
  BatchApi,
  ChatOptions,
  ChatRequest,
  ChatResponse,
  ClientOptions,
  Clock,
  PriceTier,
  QwenClient,
  Usage,
  UsageTotals,
} from './types.js';
import {
  BATCH_PRICE_SHARE,
  buildRequestBody,
  computeCostUsd,
  type OutputLengthField,
  providerCapabilities,
  roundUsd,
  ZERO_USAGE,
} from './wire.js';

/** The real clock: `Date.now` and the one sleep of the library, which stops early, rejecting, when the signal aborts. */
export const SYSTEM_CLOCK: Clock = Object.freeze({
  now: () => Date.now(),
  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
});

/**
 * Creates a qwen-flash client. Options fall back to the environment, then to defaults; throws {@link InputError}
 * before any network call when no key is found or an option is invalid. Retries, timeouts and limits:
 * `docs/providers.md`.
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
  const telemetry = resolveTelemetry(options.telemetry);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const random = options.random ?? Math.random;
  /** The client's own pool, created with the first request (or Batch API call) unless the caller passed one. */
  let ownDispatcher: Promise<Dispatcher> | undefined;
  const semaphore =
    config.maxConcurrency === Number.POSITIVE_INFINITY ? undefined : createSemaphore(config.maxConcurrency);
  const rateLimiter = config.rateLimit === undefined ? undefined : createRateLimiter(config.rateLimit, clock);
  const totals: UsageTotals = { requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  let outputLengthField: OutputLengthField = 'max_tokens';
  /** Whether the server refused log-probabilities (a 400 naming them): later calls do not ask for them. */
  let logprobsRefused = false;
  let closing: Promise<void> | undefined;

  const endpoint = new URL(config.endpointURL);
  /** What every attempt shares, built once: no per-attempt closures or header copies. */
  const attemptSettings: AttemptSettings = {
    dispatcher: options.dispatcher,
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
      totals.costUsd = roundUsd(totals.costUsd + computeCostUsd(usage, config.prices));
    },
    onCredits: (remainingCredits) => {
      totals.remainingCredits = remainingCredits;
    },
  };

  /** What the calls' observers share; `undefined` without hooks and telemetry, so a plain call builds nothing. */
  const observed: ObserverSettings | undefined =
    config.hooks === undefined && telemetry === undefined
      ? undefined
      : {
          hooks: config.hooks,
          telemetry,
          url: redact(config.endpointURL),
          provider: config.provider,
          ...serverOf(config.endpointURL),
          now: () => clock.now(),
        };
  /** Sends an attempt (the observer's `send` calls it within the attempt's span). */
  const sendPrepared = (call: AttemptCall): Promise<AttemptResult> => sendAttempt(attemptSettings, call);

  function connect(): Promise<Dispatcher> {
    ownDispatcher ??= createDispatcher(config.proxy).then((created) => {
      attemptSettings.dispatcher = created;
      return created;
    });
    return ownDispatcher;
  }

  /** One attempt: a concurrency slot and the rate limit when the client has them, then the HTTP exchange. */
  function attempt(call: PreparedCall): Promise<AttemptResult> {
    // Only the first request waits for the pool; later ones find it in `attemptSettings` and pay nothing.
    if (attemptSettings.dispatcher === undefined) return connect().then(() => attempt(call));
    if (semaphore === undefined && rateLimiter === undefined) return send(call);
    return limitedAttempt(call);
  }

  async function limitedAttempt(call: PreparedCall): Promise<AttemptResult> {
    const release = await semaphore?.acquire(call.signal);
    try {
      await rateLimiter?.acquire(call.estimatedTokens, call.signal);
      return await send(call);
    } finally {
      release?.();
    }
  }

  /** The HTTP exchange itself, once the attempt may go: counted, and observed when the call has an observer. */
  function send(call: PreparedCall): Promise<AttemptResult> {
    totals.requests += 1;
    return call.observer === undefined ? sendAttempt(attemptSettings, call) : call.observer.send(call, sendPrepared);
  }

  /** Builds and serializes the wire body once; again only when the output-length field changes. */
  function prepare(request: ChatRequest, field: OutputLengthField): Pick<PreparedCall, 'body' | 'stream'> {
    const { body, stream } = buildRequestBody(request, {
      provider: config.provider,
      model: config.model,
      outputLengthField: field,
      jsonSchemaModels: config.jsonSchemaModels,
    });
    return { body: JSON.stringify(body), stream };
  }

  async function chat(given: ChatRequest, chatOptions: ChatOptions = {}): Promise<ChatResponse> {
    if (closing !== undefined) throw new InputError('This client is closed: create a new one', { path: 'client' });
    let request = given;
    const { signal } = chatOptions;
    if (chatOptions.timeoutMs !== undefined) checkTimeoutMs(chatOptions.timeoutMs, 'options.timeoutMs');
    const startedAt = clock.now();
    let field = outputLengthField;
    const askedLogprobs = request.logprobs !== undefined;
    // A server that refused log-probabilities once is not asked again.
    if (askedLogprobs && logprobsRefused) request = withoutLogprobs(request);
    const prepared = prepare(request, field);
    const timeoutMs = chatOptions.timeoutMs ?? config.timeoutMs;
    // The input estimate feeds a token rate limit and the default timeout of a large request, nothing else.
    const estimatedTokens =
      rateLimiter !== undefined || (timeoutMs === undefined && defaultTimeoutNeedsEstimate(prepared.body.length))
        ? estimateInputTokens(request.messages)
        : 0;
    const call: PreparedCall = {
      body: prepared.body,
      stream: prepared.stream,
      estimatedTokens,
      timeoutMs: timeoutMs ?? defaultTimeoutMs(estimatedTokens),
      signal,
      onDelta: chatOptions.onDelta,
      attempt: 0,
      // Built only when the client has hooks or telemetry: a plain call pays one comparison.
      observer:
        observed === undefined
          ? undefined
          : new CallObserver(observed, request, request.model ?? config.model, chatOptions.traceContext),
    };
    signal?.throwIfAborted();
    let attempts = 0;
    let rateLimitedAttempts = 0;
    let retries = 0;
    let fieldSwitched = false;
    let requestTimeOutRetried = false;
    for (;;) {
      attempts += 1;
      call.attempt = attempts;
      const { observer } = call;
      try {
        const result = await attempt(call);
        const response = toChatResponse(result, {
          attempts,
          rateLimitedAttempts,
          durationMs: clock.now() - startedAt,
          prices: config.prices,
        });
        observer?.succeeded(result, response.costUsd);
        if (askedLogprobs && request.logprobs === undefined) response.logprobsRefused = true;
        return response;
      } catch (error) {
        if (signal?.aborted === true) {
          observer?.failed(signal.reason, false);
          throw signal.reason;
        }
        if (request.logprobs !== undefined && refusesLogprobs(error)) {
          logprobsRefused = true;
          request = withoutLogprobs(request);
          Object.assign(call, prepare(request, field));
          observer?.resending('logprobs', error);
          continue;
        }
        if (!fieldSwitched && request.maxTokens !== undefined && namesField(error, field)) {
          fieldSwitched = true;
          field = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
          outputLengthField = field;
          Object.assign(call, prepare(request, field));
          observer?.resending(field, error);
          continue;
        }
        if (error instanceof RateLimitError) rateLimitedAttempts += 1;
        if (retries >= config.maxRetries || !isRetryable(error, requestTimeOutRetried)) {
          observer?.failed(error, false);
          throw error;
        }
        if (error instanceof ServerError && error.code === 'RequestTimeOut') requestTimeOutRetried = true;
        retries += 1;
        const retryAfterMs = error instanceof ApiError ? error.retryAfterMs : undefined;
        const delayMs = retryDelayMs(retries, retryAfterMs, random);
        if (observer !== undefined) {
          observer.failed(error, true);
          observer.retrying(delayMs, retryReason(error), error);
        }
        await clock.sleep(delayMs, signal);
      }
    }
  }

  const client: QwenClient = {
    provider: config.provider,
    model: config.model,
    baseURL: config.baseURL,
    get usage(): UsageTotals {
      return { ...totals };
    },
    capabilities: providerCapabilities(config.provider),
    chat,
    batchApi: lazyBatchApi(
      async () => ({
        provider: config.provider,
        baseURL: config.baseURL,
        headers: Object.fromEntries(Object.entries(config.headers).filter(([name]) => name !== 'content-type')),
        dispatcher: options.dispatcher ?? (await connect()),
        timeoutMs: config.timeoutMs ?? CLIENT_DEFAULTS.timeoutMs,
        maxRetries: config.maxRetries,
        maxResponseBytes: config.maxResponseBytes,
        clock,
        random,
      }),
      (usage) => computeCostUsd(usage, config.prices) * BATCH_PRICE_SHARE,
    ),
    close() {
      closing ??= ownDispatcher === undefined ? Promise.resolve() : ownDispatcher.then((created) => created.close());
      return closing;
    },
  };
  if (telemetry !== undefined) attachTelemetry(client, telemetry);
  if (config.jsonSchemaModels !== undefined) jsonSchemaOverrides.set(client, config.jsonSchemaModels);
  return client;
}

/** Each client's `jsonSchemaModels` option, for request bodies built outside `chat` (previews, Batch API lines). */
const jsonSchemaOverrides = new WeakMap<object, Readonly<Record<string, boolean>>>();

/**
 * The `jsonSchemaModels` a client was created with (`undefined` for none, or a client made elsewhere), so that a
 * request body built without calling `chat` (a preview, a Batch API request line) accepts what the client would.
 */
export function jsonSchemaModelsOf(client: object | undefined): Readonly<Record<string, boolean>> | undefined {
  return client === undefined ? undefined : jsonSchemaOverrides.get(client);
}

/** What one call sends, the same for every attempt (until the output-length field changes). */
interface PreparedCall extends AttemptCall {
  estimatedTokens: number;
  /** Reports the call's attempts to the client's hooks and spans; `undefined` when it has neither. */
  observer: CallObserver | undefined;
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
  if (reply.completionId !== undefined) response.completionId = reply.completionId;
  if (reply.logprobs !== undefined) response.logprobs = reply.logprobs;
  return response;
}

/** Whether an error is a 400 that names the log-probability parameters. */
function refusesLogprobs(error: unknown): boolean {
  return error instanceof BadRequestError && error.status === 400 && /\b(?:top_)?logprobs\b/.test(error.message);
}

function withoutLogprobs(request: ChatRequest): ChatRequest {
  const { logprobs: _refused, ...rest } = request;
  return rest;
}

/** Whether an error is a 400 that names the output-length field the request used. */
function namesField(error: unknown, field: OutputLengthField): boolean {
  return error instanceof BadRequestError && error.status === 400 && new RegExp(`\\b${field}\\b`).test(error.message);
}

/**
 * `client.batchApi`, whose implementation (`batch-api.ts`) is imported on the first call. `estimateCostUsd` needs
 * no network and answers at once.
 */
function lazyBatchApi(context: () => Promise<BatchApiContext>, estimateCostUsd: (usage: Usage) => number): BatchApi {
  let loaded: Promise<BatchApiCalls> | undefined;
  const load = () => {
    loaded ??= Promise.all([import('./batch-api.js'), context()]).then(([module, resolved]) =>
      module.createBatchApi(resolved),
    );
    return loaded;
  };
  return {
    uploadFile: async (lines, options) => (await load()).uploadFile(lines, options),
    createBatch: async (options) => (await load()).createBatch(options),
    retrieveBatch: async (batchId, options) => (await load()).retrieveBatch(batchId, options),
    cancelBatch: async (batchId, options) => (await load()).cancelBatch(batchId, options),
    listBatches: async (options) => (await load()).listBatches(options),
    async *downloadFileLines(fileId, options) {
      yield* (await load()).downloadFileLines(fileId, options);
    },
    estimateCostUsd,
  };
}
