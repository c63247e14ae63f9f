/** One worked example: an input text and the reply it should get, already rendered as reply text. */
export interface PromptExample {
  input: string;
  output: string;
}

/** Options of {@link buildSystemMessage}. */
export interface SystemMessageOptions {
  /** What to do, in a sentence or two; first when given. */
  instructions?: string;
  /** The format fragment: {@link labelInstruction}, {@link jsonInstruction}, {@link linesInstruction}, … */
  format: string;
  /** Worked examples, shown after the format as `Text:` / `Reply:` pairs. */
  examples?: readonly PromptExample[];
}

/**
 * Builds the system message: instructions (when given), then the format fragment, then the examples, one part a
 * line. It depends only on the task, never on the input, so it is built once per task and forms the stable
 * prefix that DashScope's implicit context cache can reuse across calls.
 *
 * @example
 * ```ts
 * buildSystemMessage({
 *   instructions: 'Route the message to the teams that must act on it.',
 *   format: labelInstruction({ labels: ['billing', 'bug'], multi: true }),
 *   examples: [{ input: 'Charged twice and the app crashes.', output: '["billing","bug"]' }],
 * });
 * ```
 */
export function buildSystemMessage(options: SystemMessageOptions): string {
  const parts: string[] = [];
  const instructions = options.instructions?.trim() ?? '';
  if (instructions !== '') parts.push(instructions);
  parts.push(options.format);
  const examples = options.examples ?? [];
  if (examples.length > 0) {
    parts.push(examples.length === 1 ? 'Example:' : 'Examples:');
    for (const example of examples) parts.push(`Text: ${example.input}\nReply: ${example.output}`);
  }
  return parts.join('\n');
}
