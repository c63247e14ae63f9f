/**
 * A JSON Schema (draft 2020-12) as a plain object. Structurally identical to the task layer's `JsonSchema`;
 * declared here so the output pipeline imports nothing above it.
 */
export type JsonSchema = { [key: string]: unknown };
