import { exampleFromSchema } from './example-from-schema.js';
import { isRecord } from './is-record.js';
import type { MockReply } from './mock-reply.js';
import type { MockRequest } from './mock-types.js';

/** A double-quoted label in a system message, e.g. `"positive"`. */
const QUOTED_LABEL = /"([^"\n]{1,100})"/g;

/**
 * @internal The answer used when no reply is scripted, in this order:
 * a named `tool_choice` gets a call of that tool with arguments built from its parameter schema;
 * a `response_format` of `json_object` / `json_schema` gets a JSON object built from the schema (`{}` without one);
 * a system message listing two or more double-quoted labels gets the first label;
 * anything else gets `"ok"`.
 */
export function automaticReply(request: MockRequest): MockReply {
  const body = isRecord(request.body) ? request.body : {};
  const toolCall = namedToolCall(body);
  if (toolCall !== undefined) return { toolCalls: [toolCall] };
  const format = isRecord(body.response_format) ? body.response_format : {};
  if (format.type === 'json_schema') {
    const jsonSchema = isRecord(format.json_schema) ? format.json_schema : {};
    return JSON.stringify(exampleFromSchema(jsonSchema.schema));
  }
  if (format.type === 'json_object') return '{}';
  const system = request.messages
    .filter((message) => message.role === 'system')
    .map((message) => message.content)
    .join('\n');
  const labels = [...system.matchAll(QUOTED_LABEL)].map((match) => match[1]);
  if (labels.length >= 2 && labels[0] !== undefined) return labels[0];
  return 'ok';
}

function namedToolCall(body: Record<string, unknown>): { name: string; arguments: string } | undefined {
  const choice = isRecord(body.tool_choice) && isRecord(body.tool_choice.function) ? body.tool_choice.function : {};
  if (typeof choice.name !== 'string' || !Array.isArray(body.tools)) return undefined;
  for (const tool of body.tools) {
    if (isRecord(tool) && isRecord(tool.function) && tool.function.name === choice.name) {
      return { name: choice.name, arguments: JSON.stringify(exampleFromSchema(tool.function.parameters ?? {})) };
    }
  }
  return undefined;
}
