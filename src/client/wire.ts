/**
 * The wire format both ways: camelCase requests to the provider's body (with what each provider supports), replies
 * and usage parsed back, and the cost of a call from its usage and the price table. See `docs/providers.md`.
 * @module
 */
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ContentFilterError,
  InputError,
  InsufficientCreditsError,
  RateLimitError,
  ServerError,
} from '../errors.js';
import { isRecord } from '../json.js';
import type {
  ChatMessage,
  ChatRequest,
  PriceTier,
  Provider,
  QwenClient,
  ResponseFormat,
  TextContentPart,
  TokenLogprob,
  ToolCall,
  Usage,
} from './types.js';

/** What a provider supports, as `client.capabilities` reports it. */
export type ProviderCapabilities = QwenClient['capabilities'];

const ALL_CAPABILITIES: ProviderCapabilities = Object.freeze({ stream: true, tools: true, batchApi: true });
/** Segmind's qwen-flash endpoint: JSON replies only, without tools (or thinking), and no Batch API. */
const SEGMIND_CAPABILITIES: ProviderCapabilities = Object.freeze({ stream: false, tools: false, batchApi: false });

/** The one source of what each provider supports: the client reports it, request building enforces it. */
export function providerCapabilities(provider: Provider): ProviderCapabilities {
  return provider === 'segmind' ? SEGMIND_CAPABILITIES : ALL_CAPABILITIES;
}

/** Which wire field carries the output-length limit. */
export type OutputLengthField = 'max_tokens' | 'max_completion_tokens';

/** What the body depends on besides the request. */
export interface BodySettings {
  provider: Provider;
  /** The client's model, used when the request names none. */
  model: string;
  outputLengthField: OutputLengthField;
  /** Overrides of {@link JSON_SCHEMA_MODELS} (the client's `jsonSchemaModels` option). */
  jsonSchemaModels?: Readonly<Record<string, boolean>> | undefined;
}

/**
 * Models known to give strict JSON Schema output (`response_format: json_schema`) on DashScope: its structured-output
 * page lists JSON Schema mode for "only some qwen-plus models"; qwen-flash is not clearly among them. A dated
 * snapshot (`qwen-plus-2025-07-28`) counts as its model. Overridden per client with `jsonSchemaModels`.
 */
const JSON_SCHEMA_MODELS: Readonly<Record<string, boolean>> = Object.freeze({
  'qwen-plus': true,
  'qwen-plus-latest': true,
});

/** Whether `model` is known to support strict JSON Schema output: the overrides first, then the table. */
function supportsJsonSchema(model: string, overrides?: Readonly<Record<string, boolean>>): boolean {
  const snapshotOf = model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  for (const table of [overrides, JSON_SCHEMA_MODELS]) {
    if (table === undefined) continue;
    if (Object.hasOwn(table, model)) return table[model] === true;
    if (Object.hasOwn(table, snapshotOf)) return table[snapshotOf] === true;
  }
  return false;
}

/** A wire body and whether the reply streams. */
export interface RequestBody {
  body: Record<string, unknown>;
  stream: boolean;
}

/**
 * Maps a camelCase request to the provider's wire body (`extraBody` merged last, at the top level); asking a
 * provider for what it lacks (see {@link providerCapabilities}) is an {@link InputError}. See `docs/providers.md`.
 */
export function buildRequestBody(request: ChatRequest, settings: BodySettings): RequestBody {
  const capabilities = providerCapabilities(settings.provider);
  checkRequest(request, capabilities);
  const model = request.model ?? settings.model;
  if (request.responseFormat?.type === 'json_schema') checkJsonSchema(model, settings);
  const segmind = settings.provider === 'segmind';
  const stream = capabilities.stream && (request.stream ?? request.thinking === true);
  const body: Record<string, unknown> = {};
  if (!segmind) body.model = model;
  body.messages = toWireMessages(request.messages);
  setIfDefined(body, 'temperature', request.temperature);
  setIfDefined(body, 'top_p', request.topP);
  if (settings.provider === 'dashscope' || (!segmind && request.thinking !== undefined)) {
    body.enable_thinking = request.thinking === true;
  }
  if (request.thinking === true) setIfDefined(body, 'thinking_budget', request.thinkingBudget);
  if (request.responseFormat !== undefined) body.response_format = toWireResponseFormat(request.responseFormat);
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
      },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'string'
        ? request.toolChoice
        : { type: 'function', function: { name: request.toolChoice.name } };
  }
  setIfDefined(body, 'stop', request.stop);
  setIfDefined(body, 'seed', request.seed);
  if (request.logprobs !== undefined) {
    body.logprobs = true;
    body.top_logprobs = request.logprobs;
  }
  setIfDefined(body, settings.outputLengthField, request.maxTokens);
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (request.extraBody !== undefined) Object.assign(body, request.extraBody);
  return { body, stream };
}

function checkRequest(request: ChatRequest, capabilities: ProviderCapabilities): void {
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new InputError('A chat request needs at least one message', { path: 'messages' });
  }
  // Only Segmind lacks a capability today, hence the messages; a provider that cannot stream cannot think either.
  if (!capabilities.stream && request.thinking === true) {
    throw new InputError('Segmind does not support thinking mode: use the dashscope provider', { path: 'thinking' });
  }
  if (
    !capabilities.tools &&
    ((request.tools !== undefined && request.tools.length > 0) || request.toolChoice !== undefined)
  ) {
    throw new InputError('Segmind does not support tools: use the dashscope provider', { path: 'tools' });
  }
  if (!capabilities.stream && request.stream === true) {
    throw new InputError('Segmind does not support streaming: use the dashscope provider', { path: 'stream' });
  }
}

/**
 * Refuses `json_schema` for a DashScope or Segmind model not known to support it (an OpenAI-compatible server is
 * trusted: vLLM and Ollama support it). Refusing costs nothing; a provider's 400 would cost a request.
 */
function checkJsonSchema(model: string, settings: BodySettings): void {
  if (settings.provider === 'openai-compatible' || supportsJsonSchema(model, settings.jsonSchemaModels)) return;
  throw new InputError(
    `Model ${model} is not known to support strict JSON Schema output (response_format json_schema): use jsonMode ` +
      `'json_object' (the default; the reply is still validated against the schema), or declare the model capable ` +
      `with createClient({ jsonSchemaModels: { '${model}': true } })`,
    { path: 'responseFormat' },
  );
}

function toWireResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, schema, strict } = format.jsonSchema;
  return { type: 'json_schema', json_schema: { name, schema, ...(strict === undefined ? {} : { strict }) } };
}

function setIfDefined(body: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) body[key] = value;
}

/** A message as the OpenAI-style wire format spells it. */
export type WireMessage = Record<string, unknown>;

/**
 * Maps camelCase messages to the wire: `toolCalls` → `tool_calls`, `toolCallId` → `tool_call_id`,
 * content parts' `cacheControl` → `cache_control`.
 */
function toWireMessages(messages: readonly ChatMessage[]): WireMessage[] {
  return messages.map(toWireMessage);
}

function toWireMessage(message: ChatMessage): WireMessage {
  const wire: WireMessage = { role: message.role, content: toWireContent(message.content) };
  if (message.toolCalls !== undefined && message.toolCalls.length > 0) {
    wire.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (message.toolCallId !== undefined) wire.tool_call_id = message.toolCallId;
  return wire;
}

function toWireContent(content: ChatMessage['content']): string | Record<string, unknown>[] {
  if (typeof content === 'string') return content;
  return content.map((part: TextContentPart) => {
    const wire: Record<string, unknown> = { type: part.type, text: part.text };
    if (part.cacheControl !== undefined) wire.cache_control = { type: part.cacheControl.type };
    return wire;
  });
}

/** The fields of a reply the client reports, before cost and timing are added. */
export interface ParsedReply {
  content: string;
  reasoning?: string;
  finishReason: string;
  toolCalls?: ToolCall[];
  /** `undefined` when the reply carried no usage. */
  usage: Usage | undefined;
  /** The provider's request id (the body's `request_id`; the transport puts the `x-request-id` header first). */
  requestId?: string;
  /** The completion's own id (`chatcmpl-…`). */
  completionId?: string;
  /** The content's tokens with their log-probabilities, when the reply has them. */
  logprobs?: TokenLogprob[];
}

/**
 * Reads a `chat.completion` body leniently (DashScope omits `refusal` and sends `system_fingerprint: null`; the
 * native `output.choices` shape is accepted too). Thinking text (`reasoning_content`, or `reasoning` as vLLM and
 * Ollama send it) goes to `reasoning`, never into `content`. Returns `undefined` when the body has no choice.
 */
export function parseChatResponse(body: unknown): ParsedReply | undefined {
  if (!isRecord(body)) return undefined;
  const output = isRecord(body.output) ? body.output : undefined;
  const choices = Array.isArray(body.choices) ? body.choices : Array.isArray(output?.choices) ? output.choices : [];
  const choice: unknown = choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) return undefined;
  const message = choice.message;
  const reply: ParsedReply = {
    content: textOf(message.content),
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'unknown',
    usage: normalizeUsage(body.usage),
  };
  const reasoning = textOf(message.reasoning_content ?? message.reasoning);
  if (reasoning !== '') reply.reasoning = reasoning;
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.flatMap(toToolCall) : [];
  if (toolCalls.length > 0) reply.toolCalls = toolCalls;
  const requestId = nonEmptyString(body.request_id);
  if (requestId !== undefined) reply.requestId = requestId;
  const completionId = nonEmptyString(body.id);
  if (completionId !== undefined) reply.completionId = completionId;
  const logprobs = readLogprobs(choice.logprobs);
  if (logprobs !== undefined) reply.logprobs = logprobs;
  return reply;
}

/**
 * The tokens of a choice's `logprobs` (`{ content: [{ token, logprob, top_logprobs: [{ token, logprob }] }] }`, the
 * OpenAI shape), or `undefined` when there are none; entries that are not well-formed are skipped.
 */
export function readLogprobs(value: unknown): TokenLogprob[] | undefined {
  if (!isRecord(value) || !Array.isArray(value.content) || value.content.length === 0) return undefined;
  const tokens: TokenLogprob[] = [];
  for (const entry of value.content) {
    if (!isRecord(entry) || typeof entry.token !== 'string' || typeof entry.logprob !== 'number') continue;
    const top = Array.isArray(entry.top_logprobs)
      ? entry.top_logprobs.flatMap((alternative) =>
          isRecord(alternative) && typeof alternative.token === 'string' && typeof alternative.logprob === 'number'
            ? [{ token: alternative.token, logprob: alternative.logprob }]
            : [],
        )
      : [];
    tokens.push({ token: entry.token, logprob: entry.logprob, top });
  }
  return tokens.length === 0 ? undefined : tokens;
}

function toToolCall(raw: unknown, index: number): ToolCall[] {
  if (!isRecord(raw) || !isRecord(raw.function)) return [];
  const { name, arguments: callArguments } = raw.function;
  return [
    {
      id: nonEmptyString(raw.id) ?? `call_${index}`,
      name: typeof name === 'string' ? name : '',
      arguments: typeof callArguments === 'string' ? callArguments : JSON.stringify(callArguments ?? {}),
    },
  ];
}

/** Text of a content value: a string, or the text parts of an array; `null` is empty. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

/** A usage with every count at zero. */
export const ZERO_USAGE: Readonly<Usage> = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  totalTokens: 0,
});

/**
 * Reads a wire `usage` object leniently: OpenAI names (`prompt_tokens`, `completion_tokens`,
 * `prompt_tokens_details.cached_tokens`) or DashScope's native ones (`input_tokens`, `output_tokens`); missing counts
 * are 0 and a missing total is the sum. `undefined` when there is no usage object at all.
 */
export function normalizeUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const promptTokens = count(raw.prompt_tokens) ?? count(raw.input_tokens) ?? 0;
  const completionTokens = count(raw.completion_tokens) ?? count(raw.output_tokens) ?? 0;
  const details = isRecord(raw.prompt_tokens_details) ? raw.prompt_tokens_details : {};
  const cachedTokens = count(details.cached_tokens) ?? count(raw.cached_tokens) ?? 0;
  const totalTokens = count(raw.total_tokens) ?? promptTokens + completionTokens;
  return { promptTokens, completionTokens, cachedTokens, totalTokens };
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** An error class of the API error family. */
export type ApiErrorClass = new (message: string, details?: ConstructorParameters<typeof ApiError>[1]) => ApiError;

/** Provider codes that decide the class whatever the status (DashScope's error table). */
const CLASS_BY_CODE: Readonly<Record<string, ApiErrorClass>> = {
  invalid_parameter_error: BadRequestError,
  model_not_found: BadRequestError,
  Arrearage: InsufficientCreditsError,
  PrepaidBillOverdue: InsufficientCreditsError,
  PostpaidBillOverdue: InsufficientCreditsError,
  'AllocationQuota.FreeTierOnly': InsufficientCreditsError,
  data_inspection_failed: ContentFilterError,
  DataInspectionFailed: ContentFilterError,
  invalid_api_key: AuthenticationError,
  limit_requests: RateLimitError,
  limit_burst_rate: RateLimitError,
  insufficient_quota: RateLimitError,
  internal_error: ServerError,
  RequestTimeOut: ServerError,
  ModelServingError: ServerError,
  ModelUnavailable: ServerError,
};

/**
 * The class of an API error: the provider code first (DashScope's table), then the status; 408/409 are plain
 * (retryable) {@link ApiError}s, a stream's error event with an unknown code a {@link ServerError}. See `docs/errors.md`.
 */
export function classifyApiError(
  status: number | undefined,
  code: string | undefined,
  provider: Provider,
): ApiErrorClass {
  const byCode = code === undefined ? undefined : CLASS_BY_CODE[code];
  if (byCode !== undefined) return byCode;
  if (status === undefined || status >= 500) return ServerError;
  if (status === 401 || status === 403) return AuthenticationError;
  if (status === 402 || (status === 406 && provider === 'segmind')) return InsufficientCreditsError;
  if (status === 429) return RateLimitError;
  if (status === 408 || status === 409) return ApiError;
  if (status >= 400) return BadRequestError;
  return ApiError;
}

/** Response headers as undici gives them (names in lower case). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The first value of a response header, or `undefined`. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request id the provider put in a header (`x-request-id`, `x-dashscope-request-id`). */
export function headerRequestId(headers: ResponseHeaders): string | undefined {
  return headerValue(headers, 'x-request-id') ?? headerValue(headers, 'x-dashscope-request-id');
}

/** The value when it is a non-empty string, else `undefined`. */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// The cost of a call: the price table and what a reply's usage costs.

/**
 * International qwen-flash prices in USD per million tokens, one tier per input size of a request.
 * Cached input tokens cost 20% of the input price (see `cachedInputPerMillion`).
 * Source: the public LiteLLM price map, as collected in the project's wire contract.
 */
export const QWEN_FLASH_PRICES: readonly PriceTier[] = Object.freeze([
  Object.freeze({ maxInputTokens: 256_000, inputPerMillion: 0.05, outputPerMillion: 0.4 }),
  Object.freeze({ maxInputTokens: 1_000_000, inputPerMillion: 0.25, outputPerMillion: 2.0 }),
]);

/** Share of the online price that the Batch API charges. */
export const BATCH_PRICE_SHARE = 0.5;

/** Share of the input price charged for cached input tokens, when a tier does not say. */
const CACHED_INPUT_PRICE_SHARE = 0.2;

const TOKENS_PER_MILLION = 1_000_000;

/** Costs are rounded to this many USD (a ten-thousandth of a micro-dollar), so they carry no float noise. */
const USD_PRECISION = 1e10;

/** Rounds a cost in USD to 1e-10: `0.0000024500000000000003` → `0.00000245`. */
export function roundUsd(amount: number): number {
  return Math.round(amount * USD_PRECISION) / USD_PRECISION;
}

/**
 * Estimated cost in USD of one call, rounded to 1e-10 USD: the tier is chosen by the request's input tokens (the last
 * tier when the input is larger than every tier); cached input tokens are billed at the tier's cache price.
 */
export function computeCostUsd(usage: Usage, prices: readonly PriceTier[]): number {
  const tier = prices.find((candidate) => usage.promptTokens <= candidate.maxInputTokens) ?? prices.at(-1);
  if (tier === undefined) return 0;
  const cachedTokens = Math.min(usage.cachedTokens, usage.promptTokens);
  const cachedPrice = tier.cachedInputPerMillion ?? tier.inputPerMillion * CACHED_INPUT_PRICE_SHARE;
  const inputCost = (usage.promptTokens - cachedTokens) * tier.inputPerMillion + cachedTokens * cachedPrice;
  return roundUsd((inputCost + usage.completionTokens * tier.outputPerMillion) / TOKENS_PER_MILLION);
}
