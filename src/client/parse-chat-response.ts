import { isRecord } from '../json.js';
import { nonEmptyString } from './non-empty-string.js';
import { normalizeUsage } from './normalize-usage.js';
import type { ToolCall, Usage } from './types.js';

/** The fields of a reply the client reports, before cost and timing are added. @internal */
export interface ParsedReply {
  content: string;
  reasoning?: string;
  finishReason: string;
  toolCalls?: ToolCall[];
  /** `undefined` when the reply carried no usage. */
  usage: Usage | undefined;
  requestId?: string;
}

/**
 * Reads a `chat.completion` body leniently (DashScope omits `refusal` and sends `system_fingerprint: null`; the
 * native `output.choices` shape is accepted too). Thinking text (`reasoning_content`, or `reasoning` as vLLM and
 * Ollama send it) goes to `reasoning`, never into `content`. Returns `undefined` when the body has no choice.
 * @internal
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
  const requestId = nonEmptyString(body.request_id) ?? nonEmptyString(body.id);
  if (requestId !== undefined) reply.requestId = requestId;
  return reply;
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

/** Text of a content value: a string, or the text parts of an array; `null` is empty. @internal */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}
