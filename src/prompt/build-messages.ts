/** A chat message as the prompt layer builds it. */
export interface PromptMessage {
  role: 'system' | 'user';
  content: string;
}

/** Options of {@link buildMessages}. */
export interface BuildMessagesOptions {
  /** The task's system message ({@link buildSystemMessage}). */
  system: string;
  /** The input text, sent as is: data, never instructions. */
  text: string;
}

/**
 * The messages of a call: the task's system message, then the input text alone as the user message. Keeping the
 * variable text last, after the stable system message, lets the provider's context cache reuse the prefix.
 *
 * @example
 * ```ts
 * buildMessages({ system, text: 'I love it' });
 * // [{ role: 'system', content: system }, { role: 'user', content: 'I love it' }]
 * ```
 */
export function buildMessages(options: BuildMessagesOptions): PromptMessage[] {
  return [
    { role: 'system', content: options.system },
    { role: 'user', content: options.text },
  ];
}
