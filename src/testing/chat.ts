/**
 * The chat route of both providers: admission (key, rate limit, credits), the service's body checks, the scripted
 * or automatic reply, and the completion sent as JSON or as a stream.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { isRecord } from '../json.js';
import { deliverAnswer, faultAnswer, keepsAnswerWhole, pickFault } from './faults.js';
import { acceptsKey, type MockState } from './state.js';
import type { MockCompletionReply, MockRawReply, MockReply, MockReplySource, MockRequest } from './types.js';
import {
  buildCompletion,
  buildErrorAnswer,
  buildSseEvents,
  checkStreamPacing,
  type ErrorDescription,
  jsonAnswer,
  MAX_TOP_LOGPROBS,
  type MockAnswer,
  rawAnswer,
  SEGMIND_UNAUTHORIZED,
} from './wire.js';

type Refusal = Omit<ErrorDescription, 'shape' | 'requestId'>;

/**
 * Answers a chat request on either route: a fault that is an answer of its own, else
 * auth → rate limit → credits (Segmind) → body checks → the scripted reply, delivered whole or disturbed by a
 * transport fault. Segmind answers always carry `x-remaining-credits`.
 */
export async function handleChat(
  state: MockState,
  request: MockRequest,
  response: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const requestId = randomUUID();
  const fault = pickFault(state, request);
  const replacement = fault === undefined ? undefined : faultAnswer(fault, request, requestId);
  const answer = replacement ?? (await answerChat(state, request, requestId, keepsAnswerWhole(fault)));
  if (request.route === 'segmind') answer.headers['x-remaining-credits'] = String(state.credits);
  const delivery = { response, signal, request, now: state.now };
  await deliverAnswer(delivery, answer, replacement === undefined ? fault : undefined);
}

/** `whole`: the answer will arrive intact, so the reply is used up and Segmind takes its credits. */
async function answerChat(
  state: MockState,
  request: MockRequest,
  requestId: string,
  whole: boolean,
): Promise<MockAnswer> {
  const segmind = request.route === 'segmind';
  const shape = segmind ? 'segmind' : 'dashscope';
  const refusal = checkAdmission(state, request);
  if (refusal !== undefined) return buildErrorAnswer({ ...refusal, shape, requestId });
  const outcome = await resolveChatOutcome(state, request, whole);
  if (outcome.kind === 'refused') {
    const { code, message, param } = outcome;
    return buildErrorAnswer({ status: 400, code, message, param, shape, requestId });
  }
  const answer =
    outcome.kind === 'raw'
      ? rawAnswer(outcome.reply, requestId)
      : completionAnswer(state, request, outcome.reply, requestId);
  if (segmind && whole && answer.status < 400) state.credits = roundCredits(state.credits - state.creditsPerCall);
  return answer;
}

/** The key, the rate limit and (on Segmind) the credits, in the order a gateway checks them. */
function checkAdmission(state: MockState, request: MockRequest): Refusal | undefined {
  const segmind = request.route === 'segmind';
  if (!acceptsKey(state, request)) {
    return { status: 401, code: 'invalid_api_key', message: segmind ? SEGMIND_UNAUTHORIZED : undefined };
  }
  const slot = state.rateLimiter?.take();
  if (slot !== undefined && !slot.allowed) {
    const sendRetryAfter = state.options.rateLimit?.retryAfter !== false;
    const retryAfterSeconds = Math.max(1, Math.ceil(slot.waitMs / 1000));
    return {
      status: 429,
      code: 'limit_requests',
      headers: sendRetryAfter ? { 'retry-after': String(retryAfterSeconds) } : {},
    };
  }
  if (segmind && state.credits < state.creditsPerCall) {
    return { status: 406, code: 'insufficient_credits', message: 'Insufficient credits' };
  }
  return undefined;
}

function completionAnswer(
  state: MockState,
  request: MockRequest,
  reply: MockCompletionReply,
  requestId: string,
): MockAnswer {
  const segmind = request.route === 'segmind';
  const created = Math.floor(state.now() / 1000);
  const completion = buildCompletion(reply, request, { requestId, created, withRequestId: !segmind });
  if (!request.stream || segmind) return jsonAnswer(200, completion, { 'x-request-id': requestId });
  const streamOptions =
    isRecord(request.body) && isRecord(request.body.stream_options) ? request.body.stream_options : {};
  // The server's pacing was checked when it started; a reply's is checked here (a bad one answers a 500 that says so).
  if (reply.stream !== undefined) checkStreamPacing(reply.stream, 'reply.stream');
  const pacing = reply.stream ?? state.options.stream;
  return {
    status: 200,
    headers: {
      'content-type': 'text/event-stream;charset=UTF-8',
      'cache-control': 'no-cache',
      'x-request-id': requestId,
    },
    body: buildSseEvents(completion, streamOptions.include_usage === true, pacing?.pieceChars),
    pacing,
  };
}

/** Keeps repeated subtraction of small fractions from drifting (100 - 0.001 × 3 stays 99.997). */
function roundCredits(credits: number): number {
  return Math.round(credits * 1e9) / 1e9;
}

/** What a chat request (or batch line) gets once auth, limits and faults are past. */
type ChatOutcome =
  | ({ kind: 'refused' } & ChatBodyProblem)
  | { kind: 'raw'; reply: MockRawReply }
  | { kind: 'completion'; reply: MockCompletionReply };

/**
 * Checks the body as the real service would, then takes the scripted reply
 * (`consume`: move on to the next reply of an array).
 */
export async function resolveChatOutcome(
  state: MockState,
  request: MockRequest,
  consume: boolean,
): Promise<ChatOutcome> {
  const problem = validateChatBody(request, {
    dashscope: request.route !== 'segmind',
    rejectMaxTokens: state.options.rejectMaxTokens === true,
    rejectMaxCompletionTokens: state.options.rejectMaxCompletionTokens === true,
    refuseLogprobs: state.options.logprobs === 'refuse',
  });
  if (problem !== undefined) return { kind: 'refused', ...problem };
  const reply = await pickReply(state, request, consume);
  if (typeof reply === 'string') return { kind: 'completion', reply: { content: reply } };
  if ('status' in reply) return { kind: 'raw', reply };
  return { kind: 'completion', reply };
}

/** A request the real service would refuse with a 400. */
interface ChatBodyProblem {
  code: string;
  message: string;
  /** The parameter at fault, when the service names it (`error.param`). */
  param?: string;
}

/** Which of the service's checks apply. */
interface ChatBodyRules {
  /**
   * DashScope's checks (`top_logprobs` range, JSON keyword, thinking conflicts, output-length field); Segmind only
   * checks the shape.
   */
  dashscope: boolean;
  rejectMaxTokens: boolean;
  rejectMaxCompletionTokens: boolean;
  /** Refuse `logprobs: true` and `top_logprobs` (on every route), as a model without log-probabilities does. */
  refuseLogprobs: boolean;
}

const INVALID = 'invalid_parameter_error';

/** The first rule of the real service that the request breaks, if any. */
function validateChatBody(request: MockRequest, rules: ChatBodyRules): ChatBodyProblem | undefined {
  const body = request.body;
  if (!isRecord(body)) return { code: INVALID, message: 'The request body is not a valid JSON object.' };
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { code: INVALID, message: "'messages' is required and must be a non-empty array." };
  }
  if (rules.refuseLogprobs) {
    const refusal = refuseLogprobs(body);
    if (refusal !== undefined) return refusal;
  }
  if (!rules.dashscope) return undefined;
  const topLogprobs = body.top_logprobs;
  if (topLogprobs != null && !isTopLogprobs(topLogprobs)) {
    return {
      code: INVALID,
      param: 'top_logprobs',
      message: `'top_logprobs' must be an integer from 0 to ${MAX_TOP_LOGPROBS}, not ${JSON.stringify(topLogprobs)}.`,
    };
  }
  if (rules.rejectMaxTokens && 'max_tokens' in body) {
    return { code: INVALID, message: "Unsupported parameter: 'max_tokens' is not supported with this model." };
  }
  if (rules.rejectMaxCompletionTokens && 'max_completion_tokens' in body) {
    return {
      code: INVALID,
      message: "Unsupported parameter: 'max_completion_tokens' is not supported with this model.",
    };
  }
  if (body.tool_choice === 'required') {
    return {
      code: INVALID,
      message: "tool_choice 'required' is not supported; use 'auto', 'none' or a named function.",
    };
  }
  const formatType = isRecord(body.response_format) ? body.response_format.type : undefined;
  const jsonMode = formatType === 'json_object' || formatType === 'json_schema';
  if (body.enable_thinking === true && jsonMode) {
    return {
      code: INVALID,
      message: `The 'response_format' of type '${formatType}' is not supported with enable_thinking.`,
    };
  }
  if (body.enable_thinking === true && body.stream !== true) {
    return { code: INVALID, message: 'parameter.enable_thinking must be set to false for non-streaming calls' };
  }
  if (formatType === 'json_object' && !mentionsJson(request)) {
    return {
      code: INVALID,
      message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    };
  }
  return undefined;
}

/** The refusal of a model without log-probabilities, naming the parameter that asks for them (if one does). */
function refuseLogprobs(body: Record<string, unknown>): ChatBodyProblem | undefined {
  const param = body.logprobs === true ? 'logprobs' : body.top_logprobs != null ? 'top_logprobs' : undefined;
  if (param === undefined) return undefined;
  const model = typeof body.model === 'string' ? body.model : 'qwen-flash';
  return { code: 'InvalidParameter', param, message: `The parameter \`${param}\` is not supported by model ${model}` };
}

function isTopLogprobs(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_TOP_LOGPROBS;
}

function mentionsJson(request: MockRequest): boolean {
  return request.messages.some(
    (message) => (message.role === 'system' || message.role === 'user') && /json/i.test(message.content),
  );
}

/**
 * The scripted reply for a request. With an array of replies, `consume` moves on to the next one;
 * without, the same reply stays in place for the next request (a faulted attempt and its retry see the same reply).
 */
async function pickReply(state: MockState, request: MockRequest, consume: boolean): Promise<MockReply> {
  const source = state.reply;
  if (source === undefined) return automaticReply(request);
  if (typeof source === 'function') return await source(request);
  if (!isReplyList(source)) return source;
  const reply = source[Math.min(state.replyPosition, source.length - 1)];
  if (consume) state.replyPosition += 1;
  return reply ?? automaticReply(request);
}

function isReplyList(source: MockReplySource): source is readonly MockReply[] {
  return Array.isArray(source);
}

/** A double-quoted label in a system message, e.g. `"positive"`. */
const QUOTED_LABEL = /"([^"\n]{1,100})"/g;

/**
 * The answer used when no reply is scripted, in this order:
 * a named `tool_choice` gets a call of that tool with arguments built from its parameter schema;
 * a `response_format` of `json_object` / `json_schema` gets a JSON object built from the schema (`{}` without one);
 * a system message listing two or more double-quoted labels gets the first label;
 * anything else gets `"ok"`.
 */
function automaticReply(request: MockRequest): MockReply {
  const body = isRecord(request.body) ? request.body : {};
  const toolCall = namedToolCall(body);
  if (toolCall !== undefined) return { toolCalls: [toolCall] };
  const format = isRecord(body.response_format) ? body.response_format : {};
  if (format.type === 'json_schema') {
    const jsonSchema = isRecord(format.json_schema) ? format.json_schema : {};
    return JSON.stringify(exampleFromSchema(jsonSchema.schema));
  }
  if (format.type === 'json_object') return '{}';
  const system = request.messages
    .filter((message) => message.role === 'system')
    .map((message) => message.content)
    .join('\n');
  const labels = [...system.matchAll(QUOTED_LABEL)].map((match) => match[1]);
  if (labels.length >= 2 && labels[0] !== undefined) return labels[0];
  return 'ok';
}

function namedToolCall(body: Record<string, unknown>): { name: string; arguments: string } | undefined {
  const choice = isRecord(body.tool_choice) && isRecord(body.tool_choice.function) ? body.tool_choice.function : {};
  if (typeof choice.name !== 'string' || !Array.isArray(body.tools)) return undefined;
  for (const tool of body.tools) {
    if (isRecord(tool) && isRecord(tool.function) && tool.function.name === choice.name) {
      return { name: choice.name, arguments: JSON.stringify(exampleFromSchema(tool.function.parameters ?? {})) };
    }
  }
  return undefined;
}

const MAX_DEPTH = 12;

/**
 * The smallest value a JSON Schema accepts, roughly: required properties only, strings `"x"`, numbers 0,
 * booleans false, arrays empty, enums and unions their first choice. Local `$ref`s (`#/$defs/…`) are followed.
 */
export function exampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isRecord(schema) || depth > MAX_DEPTH) return {};
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (typeof schema.$ref === 'string') return exampleFromSchema(resolveReference(schema.$ref, root), root, depth + 1);
  const choices = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (Array.isArray(choices) && choices.length > 0) return exampleFromSchema(choices[0], root, depth + 1);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((candidate) => candidate !== 'null') ?? types[0];
  switch (type) {
    case 'string':
      return 'x'.repeat(Math.max(1, numberOr(schema.minLength, 1)));
    case 'number':
    case 'integer':
      return numberOr(schema.minimum, 0);
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: numberOr(schema.minItems, 0) }, () =>
        exampleFromSchema(schema.items, root, depth + 1),
      );
    default:
      return exampleObject(schema, root, depth);
  }
}

function exampleObject(schema: Record<string, unknown>, root: unknown, depth: number): Record<string, unknown> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  const result: Record<string, unknown> = {};
  for (const name of required) {
    if (typeof name === 'string') result[name] = exampleFromSchema(properties[name], root, depth + 1);
  }
  return result;
}

function resolveReference(reference: string, root: unknown): unknown {
  if (!reference.startsWith('#')) return undefined;
  let target: unknown = root;
  for (const segment of reference.slice(1).split('/').filter(Boolean)) {
    target = isRecord(target) ? target[decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return target;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
