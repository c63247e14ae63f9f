/**
 * The mock's answers on the wire: completion bodies, their SSE events as DashScope streams them, and error bodies
 * in each provider's shape.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { isRecord } from '../json.js';
import type {
  MockCompletionReply,
  MockErrorShape,
  MockLogprobs,
  MockRawReply,
  MockRequest,
  MockStreamPacing,
} from './types.js';

/** An answer ready to send: a whole body, or SSE events sent one by one. */
export interface MockAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | readonly string[];
  /** How the events are spaced and sliced on the wire (events only). @defaultValue one write per event, no delay */
  pacing?: MockStreamPacing | undefined;
}

/** A JSON answer (strings are sent as they are). */
export function jsonAnswer(status: number, body: unknown, headers: Record<string, string> = {}): MockAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** A scripted raw answer: the body JSON-encoded unless it is a string, none when absent. */
export function rawAnswer(reply: MockRawReply, requestId: string): MockAnswer {
  const headers = { 'x-request-id': requestId, ...reply.headers };
  if (reply.body === undefined) return { status: reply.status, headers, body: '' };
  return jsonAnswer(reply.status, reply.body, headers);
}

/** What an error answer says. */
export interface ErrorDescription {
  status: number;
  shape: MockErrorShape;
  requestId: string;
  /** @defaultValue a code that fits the status */
  code?: string | undefined;
  /** @defaultValue a message that fits the status */
  message?: string | undefined;
  /** The request parameter at fault, sent as `error.param` in DashScope's shape. @defaultValue null */
  param?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** The message of a Segmind 401. */
export const SEGMIND_UNAUTHORIZED = 'Unauthorized: invalid or missing x-api-key';

const defaults: Record<number, { code: string; message: string }> = {
  400: { code: 'invalid_parameter_error', message: 'The request is invalid.' },
  401: { code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { code: 'AccessDenied', message: 'Access denied.' },
  404: { code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  406: { code: 'insufficient_credits', message: 'Insufficient credits' },
  429: { code: 'limit_requests', message: 'Requests rate limit exceeded, please try again later.' },
  500: { code: 'internal_error', message: 'An internal error has occurred, please try again later.' },
  503: { code: 'ModelUnavailable', message: 'The model is overloaded, please try again later.' },
};

/** An error answer in one of the providers' body shapes. */
export function buildErrorAnswer(description: ErrorDescription): MockAnswer {
  const { status, shape, requestId } = description;
  const fallback = defaults[status] ?? { code: 'error', message: STATUS_CODES[status] ?? 'Error' };
  const code = description.code ?? fallback.code;
  const message = description.message ?? fallback.message;
  const headers = { 'x-request-id': requestId, ...description.headers };
  const nested = {
    error: { code, param: description.param ?? null, message, type: errorType(status) },
    id: `chatcmpl-${requestId}`,
    request_id: requestId,
  };
  switch (shape) {
    case 'dashscope':
      return jsonAnswer(status, nested, headers);
    case 'sse':
      return {
        status,
        headers: { 'content-type': 'text/event-stream;charset=UTF-8', ...headers },
        body: event(nested),
      };
    case 'flat':
      return jsonAnswer(status, { code, message, request_id: requestId }, headers);
    case 'segmind':
      return jsonAnswer(status, { error: message }, headers);
    case 'empty':
      return { status, headers, body: '' };
    case 'html':
      return { status, headers: { 'content-type': 'text/html', ...headers }, body: htmlPage(status) };
  }
}

function errorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

function htmlPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** A tool call in OpenAI's wire form. */
interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A `chat.completion` body as DashScope sends it. */
interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string; reasoning_content?: string; tool_calls?: WireToolCall[] };
      finish_reason: string;
      logprobs: WireLogprobs | null;
    },
  ];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number };
  };
  system_fingerprint: null;
  request_id?: string;
}

/** An alternative token in OpenAI's wire form. */
interface WireTopLogprob {
  token: string;
  logprob: number;
  /** The token's UTF-8 bytes. */
  bytes: number[];
}

/** One generated token in OpenAI's wire form, with its alternatives (the most probable first). */
interface WireTokenLogprob extends WireTopLogprob {
  top_logprobs: WireTopLogprob[];
}

/** A choice's `logprobs` field in OpenAI's wire form. */
interface WireLogprobs {
  content: WireTokenLogprob[];
}

/** Identity of one answer. */
interface CompletionIdentity {
  requestId: string;
  /** Seconds since the epoch. */
  created: number;
  /** Adds `request_id` to the body, as DashScope does. */
  withRequestId: boolean;
}

/** Turns a scripted reply into a `chat.completion` body; token counts are estimated when not given. */
export function buildCompletion(
  reply: MockCompletionReply,
  request: MockRequest,
  identity: CompletionIdentity,
): ChatCompletion {
  const { content, tokens } = scriptedTokens(reply);
  const alternatives = logprobsAsked(request.body);
  const logprobs =
    tokens === undefined || alternatives === undefined
      ? null
      : { content: tokens.map((entry) => ({ ...entry, top_logprobs: entry.top_logprobs.slice(0, alternatives) })) };
  const toolCalls = reply.toolCalls?.map(
    (call, position): WireToolCall => ({
      id: call.id ?? `call_${position}`,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }),
  );
  const message: ChatCompletion['choices'][0]['message'] = { role: 'assistant', content };
  if (reply.reasoning !== undefined) message.reasoning_content = reply.reasoning;
  if (toolCalls !== undefined && toolCalls.length > 0) message.tool_calls = toolCalls;
  const generated = [content, reply.reasoning ?? '', ...(toolCalls ?? []).map((call) => call.function.arguments)];
  const promptTokens = reply.usage?.promptTokens ?? estimateUsageTokens(request.messages.map((item) => item.content));
  const completionTokens = reply.usage?.completionTokens ?? estimateUsageTokens(generated);
  const model = isRecord(request.body) ? request.body.model : undefined;
  const completion: ChatCompletion = {
    id: `chatcmpl-${identity.requestId}`,
    object: 'chat.completion',
    created: identity.created,
    model: typeof model === 'string' ? model : 'qwen-flash',
    choices: [
      {
        index: 0,
        message,
        finish_reason: reply.finishReason ?? (message.tool_calls === undefined ? 'stop' : 'tool_calls'),
        logprobs,
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: reply.usage?.cachedTokens ?? 0 },
    },
    system_fingerprint: null,
  };
  if (identity.withRequestId) completion.request_id = identity.requestId;
  return completion;
}

/**
 * The usage the mock reports when the reply gives none: about one token per four characters, at least one (a
 * documented, predictable figure for tests, not the library's estimate in `src/tokens.ts`).
 */
function estimateUsageTokens(texts: readonly string[]): number {
  const characters = texts.reduce((total, text) => total + text.length, 0);
  return Math.max(1, Math.ceil(characters / 4));
}

/** The most alternatives per token a request may ask for (`top_logprobs`), as OpenAI allows. */
export const MAX_TOP_LOGPROBS = 20;

/**
 * How many alternatives per token a request asks for, or `undefined` when it asks for no log-probabilities
 * (`logprobs` other than `true`): its `top_logprobs`, 0 when absent, kept within 0–{@link MAX_TOP_LOGPROBS}.
 */
function logprobsAsked(body: unknown): number | undefined {
  if (!isRecord(body) || body.logprobs !== true) return undefined;
  const top = body.top_logprobs;
  if (typeof top !== 'number' || !Number.isFinite(top)) return 0;
  return Math.min(MAX_TOP_LOGPROBS, Math.max(0, Math.floor(top)));
}

/**
 * The content of a completion reply and, when it scripts log-probabilities, the entry of each of its tokens with
 * every alternative (capped later by the request's `top_logprobs`). Throws on a script the mock cannot follow (the
 * server answers a 500 `mock_server_error` that says why).
 */
function scriptedTokens(reply: MockCompletionReply): { content: string; tokens: WireTokenLogprob[] | undefined } {
  const script: MockLogprobs | undefined = reply.logprobs;
  if (script === undefined) return { content: reply.content ?? '', tokens: undefined };
  if (!isRecord(script)) throw new TypeError('reply.logprobs must be an object with `tokens` or `distribution`');
  if (script.tokens !== undefined && script.distribution !== undefined) {
    throw new TypeError('reply.logprobs takes `tokens` or `distribution`, not both');
  }
  if (script.tokens !== undefined) {
    if (!Array.isArray(script.tokens)) throw new TypeError('reply.logprobs.tokens must be an array');
    const tokens = script.tokens.map((item, position) =>
      tokenEntry(item.token, item.logprob, item.top, `reply.logprobs.tokens[${position}]`),
    );
    const joined = tokens.map((entry) => entry.token).join('');
    if (reply.content !== undefined && reply.content !== joined) {
      throw new Error(
        `reply.content ${JSON.stringify(reply.content)} is not the concatenation of reply.logprobs.tokens ${JSON.stringify(joined)}`,
      );
    }
    return { content: joined, tokens };
  }
  if (!isRecord(script.distribution)) {
    throw new TypeError('reply.logprobs must have `tokens` (an array) or `distribution` (an object)');
  }
  const content = reply.content ?? '';
  const pieces = mockTokens(content);
  const at = script.at ?? 0;
  if (!Number.isInteger(at) || at < 0 || at >= pieces.length) {
    throw new RangeError(
      `reply.logprobs.at is ${String(at)}, but the content ${JSON.stringify(content)} has ${pieces.length} token(s): ${JSON.stringify(pieces)}`,
    );
  }
  const tokens = pieces.map((piece, position) =>
    tokenEntry(piece, undefined, position === at ? script.distribution : undefined, 'reply.logprobs.distribution'),
  );
  return { content, tokens };
}

/** One token's wire entry: its logprob (given, or from its probability among the alternatives, else 0). */
function tokenEntry(
  token: unknown,
  logprob: number | undefined,
  top: Readonly<Record<string, number>> | undefined,
  where: string,
): WireTokenLogprob {
  if (typeof token !== 'string' || token === '') throw new TypeError(`${where}.token must be a non-empty string`);
  if (logprob !== undefined && !(typeof logprob === 'number' && Number.isFinite(logprob) && logprob <= 0)) {
    throw new RangeError(`${where}.logprob must be a finite number of at most 0, not ${String(logprob)}`);
  }
  const alternatives = Object.entries(top ?? {}).map(([alternative, probability]) => {
    if (!(typeof probability === 'number' && probability > 0 && probability <= 1)) {
      throw new RangeError(
        `${where}: the probability of ${JSON.stringify(alternative)} must be a number in (0, 1], not ${String(probability)}`,
      );
    }
    return { alternative, probability };
  });
  // A stable sort: alternatives of equal probability keep the script's order.
  alternatives.sort((left, right) => right.probability - left.probability);
  const ownProbability = alternatives.find((entry) => entry.alternative === token)?.probability;
  return {
    token,
    logprob: logprob ?? (ownProbability === undefined ? 0 : Math.log(ownProbability)),
    bytes: utf8Bytes(token),
    top_logprobs: alternatives.map(({ alternative, probability }) => ({
      token: alternative,
      logprob: Math.log(probability),
      bytes: utf8Bytes(alternative),
    })),
  };
}

function utf8Bytes(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}

/**
 * One token of the mock's tokenization: optional leading whitespace, then a Han character, a run of letters,
 * digits and marks (other than Han), or any other single character; or whitespace that ends the text.
 */
const MOCK_TOKEN = /\s*(?:\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}\p{M}])+|\S)|\s+/gu;

/**
 * Splits a text into tokens the way the mock does for a `distribution`: a run of whitespace attaches to the token
 * that follows it; each Han (CJK) character is a token; a run of letters, digits and marks (`\p{L}\p{N}\p{M}`) is a
 * token; each other character (code point) is a token; whitespace at the end of the text is a token of its own.
 * The tokens joined give the text back. `"Negative."` → `Negative`, `.`; `" I am"` → ` I`, ` am`; `负面` → `负`, `面`.
 */
export function mockTokens(text: string): string[] {
  return text.match(MOCK_TOKEN) ?? [];
}

/** Pieces a streamed text is cut into (at most) when no `pieceChars` is given. */
const PIECES = 3;

/**
 * The SSE events (`data: …\n\n`) of a streamed completion, as DashScope sends them: a role chunk, the
 * reasoning in pieces, the content in pieces, each tool call's arguments in pieces (index-based, as OpenAI), a finish
 * chunk, a usage chunk with `choices: []` when asked for, then `data: [DONE]`. `pieceChars` sets the size of a piece
 * in code points (default: each text in up to 3 pieces).
 */
export function buildSseEvents(completion: ChatCompletion, includeUsage: boolean, pieceChars?: number): string[] {
  const splitText = (text: string) => splitCodePoints(text, pieceChars);
  const choice = completion.choices[0];
  const chunk = (
    delta: Record<string, unknown>,
    finishReason: string | null = null,
    logprobs: WireLogprobs | null = null,
  ) =>
    event({
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs }],
      usage: null,
      system_fingerprint: null,
    });
  const events = [chunk({ role: 'assistant', content: '' })];
  for (const piece of splitText(choice.message.reasoning_content ?? '')) {
    events.push(chunk({ content: null, reasoning_content: piece }));
  }
  if (choice.logprobs === null) {
    for (const piece of splitText(choice.message.content)) events.push(chunk({ content: piece }));
  } else {
    // Pieces follow token boundaries, each carrying the entries of its tokens.
    for (const group of groupTokens(choice.logprobs.content, pieceChars)) {
      events.push(chunk({ content: group.map((entry) => entry.token).join('') }, null, { content: group }));
    }
  }
  choice.message.tool_calls?.forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
      }),
    );
    for (const piece of splitText(call.function.arguments)) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(chunk({}, choice.finish_reason));
  if (includeUsage) {
    events.push(
      event({
        id: completion.id,
        object: 'chat.completion.chunk',
        created: completion.created,
        model: completion.model,
        choices: [],
        usage: completion.usage,
        system_fingerprint: null,
      }),
    );
  }
  events.push('data: [DONE]\n\n');
  return events;
}

/**
 * Streamed tokens, whole: one a piece, or as many as fit in `pieceChars` code points (at least one a piece).
 */
function groupTokens(tokens: readonly WireTokenLogprob[], pieceChars: number | undefined): WireTokenLogprob[][] {
  const groups: WireTokenLogprob[][] = [];
  let current: WireTokenLogprob[] = [];
  let size = 0;
  for (const entry of tokens) {
    const length = Array.from(entry.token).length;
    if (current.length > 0 && (pieceChars === undefined || size + length > pieceChars)) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** One SSE event carrying a JSON payload. */
export function event(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Cuts a text into pieces of `pieceChars` code points (default: up to PIECES pieces), never inside a character. */
function splitCodePoints(text: string, pieceChars: number | undefined): string[] {
  const characters = Array.from(text);
  const size = pieceChars ?? Math.ceil(characters.length / PIECES);
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += size)
    pieces.push(characters.slice(start, start + size).join(''));
  return pieces;
}

/**
 * Refuses a pacing the server could not follow (a size that is not a positive integer, a negative delay, a pause
 * without `resume`), naming where it was given.
 */
export function checkStreamPacing(pacing: MockStreamPacing | undefined, where: string): void {
  if (pacing === undefined) return;
  const integer = (name: 'pieceChars' | 'byteChunk' | 'pauseAfterEvents', minimum: number) => {
    const value = pacing[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
      throw new RangeError(`${where}.${name} must be an integer of at least ${minimum}, not ${String(value)}`);
    }
  };
  integer('pieceChars', 1);
  integer('byteChunk', 1);
  integer('pauseAfterEvents', 0);
  const { intervalMs, resume } = pacing;
  if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs >= 0)) {
    throw new RangeError(`${where}.intervalMs must be a finite number of at least 0, not ${String(intervalMs)}`);
  }
  if (pacing.pauseAfterEvents !== undefined && typeof resume?.then !== 'function') {
    throw new TypeError(`${where}.resume must be a promise when pauseAfterEvents is set`);
  }
}
