import { isRecord } from './is-record.js';
import type { MockCompletionReply } from './mock-reply.js';
import type { MockRequest } from './mock-types.js';

/** @internal A tool call in OpenAI's wire form. */
export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** @internal A `chat.completion` body as DashScope sends it. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [
    {
      index: 0;
      message: { role: 'assistant'; content: string; reasoning_content?: string; tool_calls?: WireToolCall[] };
      finish_reason: string;
      logprobs: null;
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

/** @internal Identity of one answer. */
export interface CompletionIdentity {
  requestId: string;
  /** Seconds since the epoch. */
  created: number;
  /** Adds `request_id` to the body, as DashScope does. */
  withRequestId: boolean;
}

/** @internal Turns a scripted reply into a `chat.completion` body; token counts are estimated when not given. */
export function buildCompletion(
  reply: MockCompletionReply,
  request: MockRequest,
  identity: CompletionIdentity,
): ChatCompletion {
  const content = reply.content ?? '';
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
  const promptTokens = reply.usage?.promptTokens ?? estimateTokens(request.messages.map((item) => item.content));
  const completionTokens = reply.usage?.completionTokens ?? estimateTokens(generated);
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
        logprobs: null,
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

/** @internal About one token per four characters, at least one. */
export function estimateTokens(texts: readonly string[]): number {
  const characters = texts.reduce((total, text) => total + text.length, 0);
  return Math.max(1, Math.ceil(characters / 4));
}
