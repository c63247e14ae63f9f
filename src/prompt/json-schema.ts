/**
 * A JSON Schema (draft 2020-12) as a plain object, as `z.toJSONSchema` emits it or a task file declares it.
 * Local to `src/prompt` so that this folder depends on nothing above it.
 */
export type JsonSchema = { [key: string]: unknown };
