import type { JsonSchema } from '../json.js';
import { renderSchema } from './render-schema.js';

/** How a json task asks for JSON (mirrors the task layer's `JsonMode`). */
export type JsonInstructionMode = 'json_object' | 'json_schema' | 'tool' | 'prompt';

/** Options of {@link jsonInstruction}. */
export interface JsonInstructionOptions {
  /** JSON Schema of the value to produce. */
  schema: JsonSchema;
  /** How the request asks for JSON. */
  mode: JsonInstructionMode;
}

/**
 * The format part of a json task's system message: reply with JSON of the schema's compact shape
 * ({@link renderSchema}). Always contains the word "JSON", which DashScope requires in the messages of a
 * `json_object` request.
 *
 * - `json_object`, `json_schema`: `Reply with JSON of this shape:` and the shape (kept for `json_schema` too, as
 *   that mode is unverified for qwen-flash and the shape carries the field descriptions);
 * - `prompt` (no response format): the same, with "only", since nothing else stops prose around the JSON;
 * - `tool`: a short note to call the function; the tool's parameters already carry the schema.
 *
 * @example
 * ```ts
 * jsonInstruction({ schema: { type: 'object', properties: { city: { type: 'string' } } }, mode: 'json_object' });
 * // 'Reply with JSON of this shape:\n{\n"city"?: string\n}'
 * ```
 */
export function jsonInstruction(options: JsonInstructionOptions): string {
  if (options.mode === 'tool') return 'Reply by calling the function with JSON arguments.';
  const lead = options.mode === 'prompt' ? 'Reply only with JSON of this shape:' : 'Reply with JSON of this shape:';
  return `${lead}\n${renderSchema(options.schema)}`;
}
