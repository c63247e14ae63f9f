import type { ChatMessage, TextContentPart } from './types.js';

/** A message as the OpenAI-style wire format spells it. @internal */
export type WireMessage = Record<string, unknown>;

/**
 * Maps camelCase messages to the wire: `toolCalls` → `tool_calls`, `toolCallId` → `tool_call_id`,
 * content parts' `cacheControl` → `cache_control`.
 * @internal
 */
export function toWireMessages(messages: readonly ChatMessage[]): WireMessage[] {
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
