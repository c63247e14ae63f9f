import type { ChatResponse } from '../../client/types.js';
import {
  createJsonSchemaValidator,
  createZodValidator,
  type ParseOutcome,
  parseJsonReply,
} from '../../output/index.js';
import { jsonInstruction } from '../../prompt/index.js';
import type { JsonMode, JsonSchema, Task } from '../types.js';
import type { FormatStrategy } from './format-strategy.js';

/** JSON mode actually used: JSON mode is refused together with thinking, so thinking tasks fall back to the prompt. */
export function effectiveJsonMode(task: Task): JsonMode {
  return task.settings.thinking && task.settings.jsonMode !== 'tool' ? 'prompt' : task.settings.jsonMode;
}

/** A function name the API accepts, from the task's name. */
export function toolName(task: Task): string {
  return task.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'output';
}

/** Removes the library's own `x-` markers from a schema before it goes on the wire. */
function wireSchema(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key.startsWith('x-') ? undefined : value))) as JsonSchema;
}

/** `json` format: a JSON value of the task's schema, via JSON mode, a JSON Schema response format, or a tool call. @internal */
export const jsonFormat: FormatStrategy = {
  instruction: (task) => jsonInstruction({ schema: task.jsonSchema, mode: effectiveJsonMode(task) }),
  request(task) {
    const mode = effectiveJsonMode(task);
    if (mode === 'json_object') return { responseFormat: { type: 'json_object' } };
    if (mode === 'json_schema') {
      return {
        responseFormat: {
          type: 'json_schema',
          jsonSchema: { name: toolName(task), schema: wireSchema(task.jsonSchema), strict: true },
        },
      };
    }
    if (mode === 'tool') {
      const name = toolName(task);
      return { tools: [{ name, parameters: wireSchema(task.jsonSchema) }], toolChoice: { name } };
    }
    return {};
  },
  renderExample: (output) => JSON.stringify(output),
  createParser(task) {
    const validate: (value: unknown) => ParseOutcome<unknown> = task.zodSchema
      ? createZodValidator(task.zodSchema)
      : createJsonSchemaValidator(task.jsonSchema);
    return (reply) => {
      const parsed = parseJsonReply(reply, task.jsonSchema);
      if (!parsed.ok) return parsed;
      const validated = validate(parsed.value);
      return { ...validated, repairs: [...parsed.repairs, ...validated.repairs] };
    };
  },
  replyText(response: ChatResponse) {
    const call = response.toolCalls?.[0];
    return call ? call.arguments : response.content;
  },
};
