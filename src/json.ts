/**
 * JSON values and schemas as every layer sees them. It sits at the bottom with `errors.ts` and `tokens.ts`, so the
 * prompt, client and output layers can share it without importing each other.
 * @module
 */

/** A JSON Schema (draft 2020-12) as a plain object, as `z.toJSONSchema` emits it or a task file declares it. */
export type JsonSchema = { [key: string]: unknown };

/** Whether a parsed JSON value is a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
