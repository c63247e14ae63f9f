import type { ChatRequest, ChatResponse } from '../client/types.js';
import { TaskDefinitionError } from '../errors.js';
import type { ParseOutcome } from '../output/index.js';
import { buildSystemMessage, estimateTokens } from '../prompt/index.js';
import { FORMATS } from './formats/index.js';
import type { Task } from './types.js';

/** Everything about a task that does not depend on the input, computed once. @internal */
export interface CompiledTask {
  /** The system message (stable prefix for the provider's cache). */
  system: string;
  /** Estimated tokens of the system message. */
  systemTokens: number;
  /** Request fields shared by every call of the task. */
  request: Omit<ChatRequest, 'messages'>;
  /** Parses, repairs and validates a reply. */
  parse: (reply: string) => ParseOutcome<unknown>;
  /** The text of a response to parse. */
  replyText: (response: ChatResponse) => string;
}

const compiled = new WeakMap<Task<unknown>, CompiledTask>();

/** Returns the compiled form of a task, compiling it on first use. @internal */
export function compileTask(task: Task<unknown>): CompiledTask {
  const cached = compiled.get(task);
  if (cached) return cached;
  const format = FORMATS[task.format];
  let parse: CompiledTask['parse'];
  try {
    parse = format.createParser(task);
  } catch (error) {
    throw new TaskDefinitionError(
      [{ path: '/output', message: `the output schema cannot be compiled: ${(error as Error).message}` }],
      {
        cause: error,
      },
    );
  }
  const system = buildSystemMessage({
    ...(task.instructions === undefined ? {} : { instructions: task.instructions }),
    format: format.instruction(task),
    examples: task.examples.map((example) => ({
      input: example.input,
      output: format.renderExample(example.output, task),
    })),
  });
  const { settings } = task;
  const request: Omit<ChatRequest, 'messages'> = {
    temperature: settings.temperature,
    thinking: settings.thinking,
    ...(settings.model === undefined ? {} : { model: settings.model }),
    ...(settings.maxTokens === undefined ? {} : { maxTokens: settings.maxTokens }),
    ...format.request(task),
  };
  const result: CompiledTask = {
    system,
    systemTokens: estimateTokens(system),
    request,
    parse,
    replyText: format.replyText,
  };
  compiled.set(task, result);
  return result;
}
