import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { buildCompletion } from './build-completion.js';
import { buildErrorAnswer, type ErrorDescription, SEGMIND_UNAUTHORIZED } from './build-error-answer.js';
import { buildSseEvents } from './build-sse-events.js';
import { deliverAnswer } from './deliver-answer.js';
import { faultAnswer } from './fault-answer.js';
import { isRecord } from './is-record.js';
import { jsonAnswer, type MockAnswer, rawAnswer } from './mock-answer.js';
import type { MockCompletionReply } from './mock-reply.js';
import { acceptsKey, type MockState } from './mock-state.js';
import type { MockRequest } from './mock-types.js';
import { keepsAnswerWhole, pickFault } from './pick-fault.js';
import { resolveChatOutcome } from './resolve-chat-outcome.js';

type Refusal = Omit<ErrorDescription, 'shape' | 'requestId'>;

/**
 * @internal Answers a chat request on either route: a fault that is an answer of its own, else
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
  await deliverAnswer(response, answer, replacement === undefined ? fault : undefined, signal);
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
  if (outcome.kind === 'refused')
    return buildErrorAnswer({ status: 400, code: outcome.code, message: outcome.message, shape, requestId });
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
  return {
    status: 200,
    headers: {
      'content-type': 'text/event-stream;charset=UTF-8',
      'cache-control': 'no-cache',
      'x-request-id': requestId,
    },
    body: buildSseEvents(completion, streamOptions.include_usage === true),
  };
}

/** Keeps repeated subtraction of small fractions from drifting (100 - 0.001 × 3 stays 99.997). */
function roundCredits(credits: number): number {
  return Math.round(credits * 1e9) / 1e9;
}
