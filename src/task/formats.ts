/**
 * The four output formats (`json`, `label`, `lines`, `text`): for each, the prompt fragment, the request fields, how
 * an example output is written and how a reply is parsed. See `docs/tasks.md` and `docs/output-repair.md`.
 * @module
 */
import type { ChatRequest, ChatResponse } from '../client/types.js';
import type { JsonSchema } from '../json.js';
import { citedSchema, exampleQuotes, groundValue, splitCitedReply } from '../output/citations.js';
import { parseJsonReply } from '../output/json-reply.js';
import { type LabelMatcher, parseLabelReply, parseLabelsReply } from '../output/labels.js';
import type { ParseOutcome } from '../output/outcome.js';
import { createJsonSchemaValidator, createZodValidator } from '../output/schema.js';
import { parseLinesReply, parseTextReply } from '../output/text-reply.js';
import { jsonInstruction, labelInstruction, linesInstruction, textInstruction } from '../prompt/messages.js';
import type { JsonMode, OutputFormat, Task } from './types.js';

/** What makes one output format. The pipeline only ever talks to this interface. */
export interface FormatStrategy {
  /** The format part of the system message. */
  instruction(task: Task): string;
  /** Request fields this format needs (response_format, tools…). */
  request(task: Task): Pick<ChatRequest, 'responseFormat' | 'tools' | 'toolChoice'>;
  /** An example output as the model should write it (`input`: the example's text, for a cited example's quotes). */
  renderExample(output: unknown, task: Task, input: string): string;
  /**
   * Builds the per-task reply parser (parse, repair, coerce, validate), once; label tasks get their matcher. The
   * parser is given the input text too (a cited reply's quotes are checked against it).
   */
  createParser(
    task: Task,
    labelMatcher: LabelMatcher | undefined,
  ): (reply: string, text?: string) => ParseOutcome<unknown>;
  /** The text of a reply to parse (the content, or a tool call's arguments). */
  replyText(response: ChatResponse): string;
}

/** Content of a reply, the default {@link FormatStrategy.replyText}. */
function contentOf(response: ChatResponse): string {
  return response.content;
}

/** JSON mode actually used: JSON mode is refused together with thinking, so thinking tasks fall back to the prompt. */
function effectiveJsonMode(task: Task): JsonMode {
  return task.settings.thinking && task.settings.jsonMode !== 'tool' ? 'prompt' : task.settings.jsonMode;
}

/** A function name the API accepts, from the task's name. */
function toolName(task: Task): string {
  return task.name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'output';
}

/** Removes the library's own `x-` markers from a schema before it goes on the wire. */
function wireSchema(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key.startsWith('x-') ? undefined : value))) as JsonSchema;
}

/** `json` format: a JSON value of the task's schema, via JSON mode, a JSON Schema response format, or a tool call. */
const jsonFormat: FormatStrategy = {
  instruction: (task) =>
    jsonInstruction({ schema: task.jsonSchema, mode: effectiveJsonMode(task), cite: task.settings.cite }),
  request(task) {
    const mode = effectiveJsonMode(task);
    const schema = task.settings.cite === true ? citedSchema(task.jsonSchema) : task.jsonSchema;
    if (mode === 'json_object') return { responseFormat: { type: 'json_object' } };
    if (mode === 'json_schema') {
      return {
        responseFormat: {
          type: 'json_schema',
          jsonSchema: { name: toolName(task), schema: wireSchema(schema), strict: true },
        },
      };
    }
    if (mode === 'tool') {
      const name = toolName(task);
      return { tools: [{ name, parameters: wireSchema(schema) }], toolChoice: { name } };
    }
    return {};
  },
  renderExample: (output, task, input) =>
    JSON.stringify(task.settings.cite === true ? { value: output, quotes: exampleQuotes(output, input) } : output),
  createParser(task) {
    const validate: (value: unknown) => ParseOutcome<unknown> = task.zodSchema
      ? createZodValidator(task.zodSchema)
      : createJsonSchemaValidator(task.jsonSchema);
    if (task.settings.cite === true) return createCitedParser(task, validate);
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

/**
 * The parser of a cited json task: the `{ value, quotes }` envelope read (tolerating the value's fields beside
 * `quotes`), the value validated, then every quote checked against the input text ({@link groundValue}); an
 * unsupported or missing quote is an issue for the repair turn like any other.
 */
function createCitedParser(
  task: Task,
  validate: (value: unknown) => ParseOutcome<unknown>,
): (reply: string, text?: string) => ParseOutcome<unknown> {
  const envelope = citedSchema(task.jsonSchema);
  return (reply, text) => {
    const parsed = parseJsonReply(reply, envelope);
    if (!parsed.ok) return parsed;
    const split = splitCitedReply(parsed.value, task.jsonSchema, parsed.repairs);
    if (!split.ok) return split;
    const validated = validate(split.value.value);
    const repairs = [...split.repairs, ...validated.repairs];
    if (!validated.ok) {
      return {
        ok: false,
        issues: validated.issues.map((issue) => ({ ...issue, path: ['value', ...issue.path] })),
        repairs,
      };
    }
    const grounded = groundValue(text ?? '', validated.value, split.value.quotes, task.jsonSchema);
    if (!grounded.ok) return { ok: false, issues: grounded.issues, repairs };
    return { ok: true, value: validated.value, repairs, citations: grounded.citations };
  };
}

/** `label` format: one label (or several with `multi`) out of a fixed set. */
export const labelFormat: FormatStrategy = {
  instruction: (task) =>
    labelInstruction({
      labels: task.labels ?? [],
      multi: task.multi,
      ...(task.labelDescriptions ? { descriptions: task.labelDescriptions } : {}),
    }),
  request: () => ({}),
  renderExample: (output, task) => (task.multi ? JSON.stringify(output) : String(output)),
  createParser(task, labelMatcher) {
    const labels = labelMatcher ?? task.labels ?? [];
    return task.multi ? (reply) => parseLabelsReply(reply, labels) : (reply) => parseLabelReply(reply, labels);
  },
  replyText: contentOf,
};

/** `lines` format: bullet points, at most `maxItems`. */
const linesFormat: FormatStrategy = {
  instruction: (task) => linesInstruction(task.maxItems === undefined ? {} : { maxItems: task.maxItems }),
  request: () => ({}),
  renderExample: (output) =>
    Array.isArray(output) ? output.map((line) => `- ${String(line)}`).join('\n') : String(output),
  createParser(task) {
    const options = task.maxItems === undefined ? {} : { maxItems: task.maxItems };
    return (reply) => parseLinesReply(reply, options);
  },
  replyText: contentOf,
};

/** `text` format: plain text, at most `maxWords`. */
const textFormat: FormatStrategy = {
  instruction: (task) => textInstruction(task.maxWords === undefined ? {} : { maxWords: task.maxWords }),
  request: () => ({}),
  renderExample: (output) => String(output),
  createParser(task) {
    const options = task.maxWords === undefined ? {} : { maxWords: task.maxWords };
    return (reply) => parseTextReply(reply, options);
  },
  replyText: contentOf,
};

/** The strategy of each output format. */
export const FORMAT_STRATEGIES: Readonly<Record<OutputFormat, FormatStrategy>> = {
  json: jsonFormat,
  label: labelFormat,
  lines: linesFormat,
  text: textFormat,
};
