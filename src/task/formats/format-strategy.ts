import type { ChatRequest, ChatResponse } from '../../client/types.js';
import type { ParseOutcome } from '../../output/index.js';
import type { Task } from '../types.js';

/**
 * What makes one output format: the prompt fragment, the request fields it needs, how it renders an example
 * output, and how it parses and validates a reply. The pipeline only ever talks to this interface.
 * @internal
 */
export interface FormatStrategy {
  /** The format part of the system message. */
  instruction(task: Task): string;
  /** Request fields this format needs (response_format, tools…). */
  request(task: Task): Pick<ChatRequest, 'responseFormat' | 'tools' | 'toolChoice'>;
  /** An example output as the model should write it. */
  renderExample(output: unknown, task: Task): string;
  /** Builds the per-task reply parser (parse, repair, coerce, validate), once. */
  createParser(task: Task): (reply: string) => ParseOutcome<unknown>;
  /** The text of a reply to parse (the content, or a tool call's arguments). */
  replyText(response: ChatResponse): string;
}

/** Content of a reply, the default for {@link FormatStrategy.replyText}. @internal */
export function contentOf(response: ChatResponse): string {
  return response.content;
}
