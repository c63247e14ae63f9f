/**
 * The client's public types: requests, replies, options, usage, and the Batch API's files and batches.
 * @module
 */
import type { Dispatcher } from 'undici';
import type { TelemetryOptions } from './telemetry.js';

export type { TelemetryOptions, TelemetryTracer } from './telemetry.js';

/** Which API the client speaks. */
export type Provider = 'dashscope' | 'segmind' | 'openai-compatible';

/** DashScope region: picks the default base URL (`us` also picks the model name `qwen-flash-us`). */
export type Region = 'intl' | 'us' | 'cn' | 'hk';

/** A text part of a multi-part message content, optionally marked for DashScope's explicit context cache. */
export interface TextContentPart {
  type: 'text';
  text: string;
  cacheControl?: { type: 'ephemeral' };
}

/** A function the model may call, described by a JSON Schema for its arguments. */
export interface ToolDefinition {
  name: string;
  description?: string;
  parameters: Record<string, unknown>;
}

/** A tool call the model made; `arguments` is the raw JSON string, to be validated like any reply. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** One chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | readonly TextContentPart[];
  /** Tool calls of an assistant message. */
  toolCalls?: readonly ToolCall[];
  /** For `role: 'tool'`: the call this message answers. */
  toolCallId?: string;
}

/** How the reply must be shaped. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; jsonSchema: { name: string; schema: Record<string, unknown>; strict?: boolean } };

/** A chat request in the library's camelCase; the client maps it to the provider's wire body. */
export interface ChatRequest {
  messages: readonly ChatMessage[];
  /** Overrides the client's model for this call. */
  model?: string;
  temperature?: number;
  topP?: number;
  responseFormat?: ResponseFormat;
  tools?: readonly ToolDefinition[];
  /** `auto`, `none`, or the name of the function to call. */
  toolChoice?: 'auto' | 'none' | { name: string };
  /** Output-length limit (sent as `max_tokens`, or `max_completion_tokens` once the server asked for it). */
  maxTokens?: number;
  /** Thinking mode; always sent explicitly to DashScope as `enable_thinking`. @defaultValue false */
  thinking?: boolean;
  /** Token budget of the thinking text (`thinking_budget`). */
  thinkingBudget?: number;
  /** Stream the reply over SSE (used automatically when thinking is on). */
  stream?: boolean;
  /**
   * Ask for the token log-probabilities of the reply with this many alternatives per token (`logprobs: true`,
   * `top_logprobs`, 0–5 on DashScope). A server that refuses them (a 400 naming them) is remembered by the client:
   * the call is sent again without, and later calls do not ask (`ChatResponse.logprobsRefused`).
   */
  logprobs?: number;
  seed?: number;
  stop?: string | readonly string[];
  /** Provider fields the library does not know, merged into the top level of the wire body. */
  extraBody?: Record<string, unknown>;
}

/** Token counts of a call. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's context cache (billed at the cache price). */
  cachedTokens: number;
  totalTokens: number;
}

/** A finished chat call. */
export interface ChatResponse {
  /** The answer text (never the thinking text). */
  content: string;
  /** The thinking text, when thinking was on. */
  reasoning?: string;
  /** `stop`, `length` (cut off), `tool_calls`, … */
  finishReason: string;
  toolCalls?: ToolCall[];
  usage: Usage;
  /** Estimated cost in USD from the price table. */
  costUsd: number;
  /** Segmind credits left after this call (`x-remaining-credits`). */
  remainingCredits?: number;
  /** The provider's request id, for support tickets: the `x-request-id` header, else the body's `request_id`. */
  requestId?: string;
  /** The completion's own id (`chatcmpl-…`), kept apart from the request id. */
  completionId?: string;
  /** Wall time of the whole call, retries included. */
  durationMs: number;
  /** HTTP attempts made (1 when no retry was needed). */
  attempts: number;
  /** Attempts answered with a rate-limit 429 before this reply (a sign of sending too fast). */
  rateLimitedAttempts: number;
  /** The parsed reply body (or the assembled chunks of a stream). */
  raw: unknown;
  /** The reply's tokens with their log-probabilities, when the request asked for them and the server sent them. */
  logprobs?: TokenLogprob[];
  /** Set when the request asked for log-probabilities and the server refuses them (now or earlier). */
  logprobsRefused?: true;
}

/** A generated token, its log-probability, and the most probable alternatives at its position. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  top: { token: string; logprob: number }[];
}

/** Per-call options. */
export interface ChatOptions {
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /**
   * Called with each piece of a streamed reply as it arrives (set `stream: true` on the request; a reply that is not
   * streamed, such as Segmind's, calls nothing). A retried attempt starts its text again: `attempt` tells them apart.
   * An observer: an exception it throws is caught and ignored, and never changes the call's outcome.
   */
  onDelta?: (delta: ChatDelta) => void;
  /**
   * An OpenTelemetry `Context` the call's attempt spans are children of (`runTask` passes its task span's); only
   * read when the client has `telemetry` on. See `docs/observability.md`.
   * @defaultValue the active context
   */
  traceContext?: unknown;
}

/** A piece of a streamed reply, as {@link ChatOptions.onDelta} receives it. */
export interface ChatDelta {
  /** Which text grows: the answer, the thinking text, or the arguments of tool call `toolIndex`. */
  type: 'content' | 'reasoning' | 'tool-arguments';
  text: string;
  /** The HTTP attempt the piece belongs to, from 1: a higher number means a retry whose reply starts afresh. */
  attempt: number;
  /** The tool call's index, for `tool-arguments`. */
  toolIndex?: number;
}

/** USD per million tokens for one input-size tier. */
export interface PriceTier {
  /** The tier applies to requests with at most this many input tokens. */
  maxInputTokens: number;
  inputPerMillion: number;
  outputPerMillion: number;
  /** Price of cached input tokens; defaults to 20% of the input price. */
  cachedInputPerMillion?: number;
}

/**
 * Client-side rate limits. The client holds each request until it fits; it aims a little under the limits (each
 * window is counted 5% longer), since the server counts a request when it arrives, a moment after it was sent.
 */
export interface RateLimit {
  requestsPerMinute?: number;
  /** Estimated input tokens (the estimate errs high). */
  tokensPerMinute?: number;
  /**
   * Also hold every second to a sixtieth of the per-minute limits (at least one request), as DashScope enforces
   * them. @defaultValue true for DashScope, false otherwise
   */
  perSecond?: boolean;
}

/** Options of {@link createClient}; every field is optional and falls back to the environment, then defaults. */
export interface ClientOptions {
  provider?: Provider;
  apiKey?: string;
  baseURL?: string;
  region?: Region;
  /** @defaultValue 'qwen-flash' ('qwen-flash-us' for region us) */
  model?: string;
  /**
   * Per-attempt timeout (each retry gets a fresh one): the attempt must end within it. From 30 s up, a JSON reply
   * is bounded by undici's own timers and one shared half-second sweep instead, so allow up to a second more. When
   * unset, 60 s plus 1 s per 10,000 estimated input tokens, so very large inputs get more time.
   * @defaultValue 60000
   */
  timeoutMs?: number;
  /** Retries after the first attempt. @defaultValue 2 */
  maxRetries?: number;
  /** Cap on requests in flight through this client. @defaultValue Infinity */
  maxConcurrency?: number;
  /**
   * Client-side limits on requests and input tokens, or `false` for none. When unset, qwen-flash's published limits
   * for the provider's own hosts: DashScope Singapore (also the US and Hong Kong) 600 requests and 5M tokens a
   * minute, Beijing 30,000 and 10M, both also per second; Segmind 50 requests a minute (its Pro plan). No limit
   * for any other base URL. Set your account's own quota here when it differs.
   */
  rateLimit?: RateLimit | false;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** undici dispatcher (Agent, ProxyAgent, MockAgent…); the client's own keep-alive Agent otherwise. */
  dispatcher?: Dispatcher;
  /** Price tiers for `costUsd`; the international qwen-flash table otherwise. */
  prices?: readonly PriceTier[];
  /**
   * Largest reply accepted, in bytes: a JSON reply's body, or the text a stream assembles (content, reasoning,
   * tool-call arguments). A larger one is a `ConnectionError` with code `RESPONSE_TOO_LARGE`, not retried.
   * @defaultValue 4 MiB (twice 32,768 output tokens at 64 bytes each)
   */
  maxResponseBytes?: number;
  /**
   * Which models give strict JSON Schema output (`responseFormat: json_schema`), over the built-in table (DashScope
   * documents it only for some qwen-plus models): `{ 'qwen-flash': true }` allows it, `false` refuses it. A model
   * not known to support it gets an `InputError` before any request. Ignored by the openai-compatible provider.
   */
  jsonSchemaModels?: Readonly<Record<string, boolean>>;
  /** Environment to read keys from. @defaultValue process.env */
  env?: Record<string, string | undefined>;
  /**
   * Observers called for every HTTP attempt of `chat` (request, response, error, retry), with plain event objects.
   * Each is called synchronously and never awaited; an exception it throws is caught and ignored, and never changes
   * the call's outcome. See `docs/observability.md`.
   */
  hooks?: ClientHooks;
  /**
   * OpenTelemetry spans for every HTTP attempt, following the GenAI semantic conventions: `true` for the global
   * tracer provider's `qwen-tasks` tracer, or `{ tracer, recordContent }`. Needs the optional peer dependency
   * `@opentelemetry/api` (loaded only when on). See `docs/observability.md`.
   * @defaultValue false
   */
  telemetry?: boolean | TelemetryOptions;
  /**
   * Time source and sleep used for backoff, rate limits and `durationMs`. For tests only.
   * @internal
   */
  clock?: Clock;
  /**
   * Random source in [0, 1) for backoff jitter. For tests only.
   * @defaultValue Math.random
   * @internal
   */
  random?: () => number;
}

/** Observers of a client's HTTP attempts (see {@link ClientOptions.hooks}); each member is optional. */
export interface ClientHooks {
  /** Before an attempt is sent (after any concurrency or rate-limit wait). */
  onRequest?: (event: RequestEvent) => void;
  /** After an attempt succeeded, with the reply read whole. */
  onResponse?: (event: ResponseEvent) => void;
  /** After an attempt failed, the last one included (`willRetry` tells). */
  onError?: (event: AttemptErrorEvent) => void;
  /** When a retry is scheduled, before the wait: after the `onError` of the failed attempt. */
  onRetry?: (event: RetryEvent) => void;
}

/** What every attempt event says. */
export interface AttemptEvent {
  method: 'POST';
  /** The endpoint URL (API keys travel in headers, never in the URL). */
  url: string;
  provider: Provider;
  /** The request's model, else the client's. */
  model: string;
  /** The attempt's number within the call, from 1. */
  attempt: number;
  /** Whether the attempt streams its reply (SSE). */
  stream: boolean;
}

/** {@link ClientHooks.onRequest}: an attempt about to be sent. */
export interface RequestEvent extends AttemptEvent {
  /** The exact JSON body sent (the API key is in a header, never in the body). */
  body: string;
}

/** What a reply's headers said, as {@link ResponseEvent.headers} gives it. */
export interface ResponseHeadersInfo {
  /** The `x-request-id` (or `x-dashscope-request-id`) header. */
  requestId?: string;
  /** Segmind's `x-remaining-credits` header. */
  remainingCredits?: number;
  /** The `x-ratelimit-*` headers as the server sent them (names in lower case), when there are any. */
  rateLimit?: Record<string, string>;
}

/** {@link ClientHooks.onResponse}: a successful attempt. */
export interface ResponseEvent extends AttemptEvent {
  /** The HTTP status (2xx). */
  status: number;
  headers: ResponseHeadersInfo;
  /** The reply's usage (zeros when it reported none). */
  usage: Usage;
  /** Estimated cost in USD of this attempt. */
  costUsd: number;
  /** Wall time of this attempt, from sending to the reply read whole. */
  durationMs: number;
  finishReason: string;
  /** The provider's request id: the header's, else the body's `request_id`. */
  requestId?: string;
  /** The completion's own id (`chatcmpl-…`). */
  completionId?: string;
}

/** {@link ClientHooks.onError}: a failed attempt. */
export interface AttemptErrorEvent extends AttemptEvent {
  /**
   * The typed error of the attempt (a `QwenTasksError` subclass: `RateLimitError`, `ServerError`,
   * `TimeoutError`, …), or the signal's reason when the caller aborted.
   */
  error: unknown;
  /** The HTTP status, when the server answered with an error status. */
  status?: number;
  /** Wall time of this attempt. */
  durationMs: number;
  /**
   * Whether the client tries again (an abort during the wait that follows may still cancel the retry). `false` for
   * the attempt whose error the call throws.
   */
  willRetry: boolean;
}

/** {@link ClientHooks.onRetry}: a retry scheduled after the failed attempt `attempt` (the next is `attempt + 1`). */
export interface RetryEvent extends AttemptEvent {
  /** The wait before the next attempt, in ms (0 when the request is resent at once with another field). */
  delayMs: number;
  /**
   * Why, in short: the error's code or class and its status, e.g. `limit_requests (429)`, `internal_error (500)`,
   * `ECONNRESET`, `TimeoutError`; `max_completion_tokens` (or `max_tokens`) when the server refused the other
   * output-length field and the request is resent with this one.
   */
  reason: string;
  /** The error of the failed attempt. */
  error: unknown;
}

/**
 * Time source of a client: `now()` in milliseconds and a `sleep` that rejects with the signal's reason when it aborts.
 * Injected by tests so backoff delays are asserted without waiting.
 * @internal
 */
export interface Clock {
  now(): number;
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** Running totals of a client, failed-but-billed attempts included. */
export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  remainingCredits?: number;
}

/** A configured qwen-flash client. */
export interface QwenClient {
  readonly provider: Provider;
  readonly model: string;
  readonly baseURL: string;
  /** Running totals across all calls of this client. */
  readonly usage: UsageTotals;
  /** Whether the provider supports streaming, tools and the Batch API. */
  readonly capabilities: { stream: boolean; tools: boolean; batchApi: boolean };
  /** Sends one chat request, with retries. */
  chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResponse>;
  /** The provider's Batch API (files and batches, half price); Segmind's rejects every call with an `InputError`. */
  readonly batchApi: BatchApi;
  /** Closes the client's own connection pool (not an injected dispatcher). */
  close(): Promise<void>;
}

/** Life stages of a batch on the provider's Batch API (other values are passed through as the server sends them). */
export type BatchStatus =
  | 'validating'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'failed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** How many requests of a batch are done, as the server counts them. */
export interface BatchRequestCounts {
  total: number;
  completed: number;
  failed: number;
}

/** A problem the server found in a batch's input file (it then fails the whole batch). */
export interface BatchProblem {
  code: string;
  message: string;
  /** 1-based line of the input file, when the server says. */
  line?: number;
}

/** A batch as the Batch API describes it, in camelCase. */
export interface BatchJob {
  id: string;
  /** `validating` → `in_progress` → `finalizing` → `completed`, or `failed`, `expired`, `cancelling`, `cancelled`. */
  status: BatchStatus | (string & {});
  inputFileId: string | undefined;
  /** The file of successful result lines, once the batch is done. */
  outputFileId: string | undefined;
  /** The file of failed result lines, once the batch is done (absent when every line succeeded). */
  errorFileId: string | undefined;
  requestCounts: BatchRequestCounts;
  /** Why the batch failed as a whole (bad lines in the input file). */
  problems: BatchProblem[];
  /** Creation time, seconds since the epoch, when the server says. */
  createdAt: number | undefined;
  metadata: Record<string, unknown> | undefined;
  /** The batch object exactly as received. */
  raw: unknown;
}

/** An uploaded file. */
export interface UploadedFile {
  id: string;
  /** Size of the uploaded file in bytes. */
  bytes: number;
}

/** Options of every Batch API call. */
export interface BatchApiCallOptions {
  /** Aborts the call (and its retries). */
  signal?: AbortSignal;
}

/** Options of {@link BatchApi.uploadFile}. */
export interface UploadFileOptions extends BatchApiCallOptions {
  /** Name the file gets on the server. @defaultValue 'requests.jsonl' */
  filename?: string;
}

/** Options of {@link BatchApi.createBatch}. */
export interface CreateBatchOptions extends BatchApiCallOptions {
  /** The uploaded request file. */
  inputFileId: string;
  /** How long the provider may take, `24h` to `336h` (or in days, e.g. `14d`). @defaultValue '24h' */
  completionWindow?: string;
  /** Free-form metadata stored with the batch (DashScope reads `ds_name` and `ds_description`). */
  metadata?: Record<string, string>;
}

/** Options of {@link BatchApi.listBatches}. */
export interface ListBatchesOptions extends BatchApiCallOptions {
  /** Id of the last batch of the previous page. */
  after?: string;
  /** Batches per page. @defaultValue the server's (20) */
  limit?: number;
}

/** One page of batches, newest first. */
export interface BatchPage {
  batches: BatchJob[];
  /** Whether another page follows (ask for it with `after: lastId`). */
  hasMore: boolean;
  lastId: string | undefined;
}

/**
 * The provider's Batch API (OpenAI-compatible files and batches), at half the online price. Calls are retried like
 * chat calls (rate limits, 5xx, connection errors, timeouts), except that a batch creation whose outcome is unknown
 * is not sent again. Errors are the same typed errors as chat errors. Segmind has no Batch API: every method rejects
 * with an `InputError`.
 */
export interface BatchApi {
  /**
   * Writes the lines (one JSON request each, without line breaks) to a temporary file, uploads it with
   * `purpose=batch` and removes the temporary file.
   */
  uploadFile(lines: AsyncIterable<string> | Iterable<string>, options?: UploadFileOptions): Promise<UploadedFile>;
  /** Starts a batch over an uploaded request file. */
  createBatch(options: CreateBatchOptions): Promise<BatchJob>;
  /** The current state of a batch. */
  retrieveBatch(batchId: string, options?: BatchApiCallOptions): Promise<BatchJob>;
  /** Asks the server to cancel a batch; it goes through `cancelling` to `cancelled`. */
  cancelBatch(batchId: string, options?: BatchApiCallOptions): Promise<BatchJob>;
  /** One page of the account's batches, newest first. */
  listBatches(options?: ListBatchesOptions): Promise<BatchPage>;
  /**
   * The non-blank lines of a file (an output or error file), streamed as they arrive: the file is never held whole
   * in memory and is not bounded by `maxResponseBytes`. Stopping the iteration closes the connection.
   */
  downloadFileLines(fileId: string, options?: BatchApiCallOptions): AsyncIterable<string>;
  /** Estimated cost in USD of one batch request with this usage: half the online price of the client's price table. */
  estimateCostUsd(usage: Usage): number;
}
