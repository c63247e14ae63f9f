import { InputError } from '../errors.js';
import { toWireMessages } from './to-wire-messages.js';
import type { ChatRequest, Provider, ResponseFormat } from './types.js';

/** Which wire field carries the output-length limit. @internal */
export type OutputLengthField = 'max_tokens' | 'max_completion_tokens';

/** What the body depends on besides the request. @internal */
export interface BodySettings {
  provider: Provider;
  /** The client's model, used when the request names none. */
  model: string;
  outputLengthField: OutputLengthField;
}

/** A wire body and whether the reply streams. @internal */
export interface RequestBody {
  body: Record<string, unknown>;
  stream: boolean;
}

/**
 * Maps a camelCase request to the provider's wire body. DashScope always gets `enable_thinking` (false unless
 * thinking); an OpenAI-compatible server gets it only when the request sets `thinking`. Thinking streams unless the
 * request says `stream: false`. Segmind gets `messages` plus the forwarded sampling fields: no model, no thinking, no
 * stream, no tools (asking for them is an {@link InputError}). `extraBody` is merged last, at the top level.
 * @internal
 */
export function buildRequestBody(request: ChatRequest, settings: BodySettings): RequestBody {
  checkRequest(request, settings.provider);
  const segmind = settings.provider === 'segmind';
  const stream = !segmind && (request.stream ?? request.thinking === true);
  const body: Record<string, unknown> = {};
  if (!segmind) body.model = request.model ?? settings.model;
  body.messages = toWireMessages(request.messages);
  setIfDefined(body, 'temperature', request.temperature);
  setIfDefined(body, 'top_p', request.topP);
  if (settings.provider === 'dashscope' || (!segmind && request.thinking !== undefined)) {
    body.enable_thinking = request.thinking === true;
  }
  if (request.thinking === true) setIfDefined(body, 'thinking_budget', request.thinkingBudget);
  if (request.responseFormat !== undefined) body.response_format = toWireResponseFormat(request.responseFormat);
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
      },
    }));
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'string'
        ? request.toolChoice
        : { type: 'function', function: { name: request.toolChoice.name } };
  }
  setIfDefined(body, 'stop', request.stop);
  setIfDefined(body, 'seed', request.seed);
  setIfDefined(body, settings.outputLengthField, request.maxTokens);
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (request.extraBody !== undefined) Object.assign(body, request.extraBody);
  return { body, stream };
}

function checkRequest(request: ChatRequest, provider: Provider): void {
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new InputError('A chat request needs at least one message', { path: 'messages' });
  }
  if (provider !== 'segmind') return;
  if (request.thinking === true) {
    throw new InputError('Segmind does not support thinking mode: use the dashscope provider', { path: 'thinking' });
  }
  if ((request.tools !== undefined && request.tools.length > 0) || request.toolChoice !== undefined) {
    throw new InputError('Segmind does not support tools: use the dashscope provider', { path: 'tools' });
  }
  if (request.stream === true) {
    throw new InputError('Segmind does not support streaming: use the dashscope provider', { path: 'stream' });
  }
}

function toWireResponseFormat(format: ResponseFormat): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, schema, strict } = format.jsonSchema;
  return { type: 'json_schema', json_schema: { name, schema, ...(strict === undefined ? {} : { strict }) } };
}

function setIfDefined(body: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) body[key] = value;
}
