import type { ChatMessage } from './types.js';

/** Characters per token assumed by the estimate: on the low side, so the estimate errs high (CJK text is ~1). */
const CHARACTERS_PER_TOKEN = 3;

/**
 * A quick, deliberately high estimate of a request's input tokens (about one token per 3 characters), for timeouts
 * and client-side token rate limits. Exact counts come from the prompt module's tokenizer.
 * @internal
 */
export function estimateInputTokens(messages: readonly ChatMessage[]): number {
  let characters = 0;
  for (const message of messages) {
    if (typeof message.content === 'string') characters += message.content.length;
    else for (const part of message.content) characters += part.text.length;
  }
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}
