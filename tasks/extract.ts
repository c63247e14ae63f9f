import type { z } from 'zod';
import { InputError, TaskDefinitionError } from '../src/errors.js';
import { defineTask, type JsonMode, type JsonSchema, runTask, type Task } from '../src/task/index.js';
import { createTaskCache } from './task-cache.js';
import { type TaskCallOptions, taskSettings } from './task-call-options.js';

/** Options of {@link extract}. */
export interface ExtractOptions extends TaskCallOptions {
  /** How to ask for JSON: JSON mode (default), a JSON Schema response format, or a tool call. */
  jsonMode?: JsonMode;
}

const caches = new WeakMap<object, ReturnType<typeof createTaskCache>>();

/** The task {@link extract} runs for a schema and options (cached per schema). @internal */
export function extractTask(schema: z.ZodType | JsonSchema, options: ExtractOptions = {}): Task<unknown> {
  if (schema === null || typeof schema !== 'object')
    throw new InputError('schema must be a zod schema or a JSON Schema object', { path: 'schema' });
  let cache = caches.get(schema);
  if (!cache) {
    cache = createTaskCache();
    caches.set(schema, cache);
  }
  const fields = taskSettings(options);
  return cache(JSON.stringify([fields, options.jsonMode]), () => {
    try {
      return defineTask({
        name: 'extract',
        kind: 'extract',
        format: 'json',
        output: schema,
        instructions: options.instructions ?? 'Extract the data from the text.',
        ...fields,
        ...(options.jsonMode === undefined ? {} : { jsonMode: options.jsonMode }),
      });
    } catch (error) {
      if (error instanceof TaskDefinitionError) throw new InputError(error.message, { path: 'schema', cause: error });
      throw error;
    }
  });
}

/**
 * Extracts structured data from a text into a value valid against a zod schema (or a JSON Schema).
 *
 * @example
 * ```ts
 * const Contact = z.object({ name: z.string(), email: z.string().email().nullable() });
 * const contact = await extract(signature, Contact); // { name: string; email: string | null }
 * ```
 */
export function extract<S extends z.ZodType>(text: string, schema: S, options?: ExtractOptions): Promise<z.output<S>>;
export function extract(text: string, schema: JsonSchema, options?: ExtractOptions): Promise<unknown>;
export async function extract(
  text: string,
  schema: z.ZodType | JsonSchema,
  options: ExtractOptions = {},
): Promise<unknown> {
  const result = await runTask(extractTask(schema, options), text, options);
  return result.value;
}
