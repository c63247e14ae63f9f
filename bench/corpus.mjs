/**
 * The malformed-reply corpus (`test/fixtures/corpus/cases.jsonl`), as an extraction task for
 * every peer. Protocol (the same for all peers):
 * - only cases whose `expected` is a JSON object (tools and `response_format` need an object at the root);
 * - the schema a caller would have written is inferred from `expected` (types, keys — all required — and the item
 *   shape of arrays whose items are alike);
 * - the user message is `case <id>`; the server answers the first call of a case with the corpus `input` (in the
 *   shape the client asked for: tool-call arguments or message content) and every later call of that case with
 *   the expected value, as a model that gets it right on a second try would;
 * - each library's own parse path decides validity, with its own retry loop where it has one; the harness
 *   re-asks after a thrown error, up to 3 times a case; the server counts the calls.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the corpus is, relative to the repository root (`bench/..`). */
export const CORPUS_PATH = fileURLToPath(new URL('../test/fixtures/corpus/cases.jsonl', import.meta.url));

/** Calls allowed per case. */
export const MAX_CALLS_PER_CASE = 3;

/** The object-rooted cases with an expected value: `{ id, input, expected }[]`; empty when the corpus is absent. */
export function loadCorpusCases() {
  if (!existsSync(CORPUS_PATH)) return [];
  return readFileSync(CORPUS_PATH, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line))
    .filter((entry) => isPlainObject(entry.expected))
    .map(({ id, input, expected }) => ({ id, input, expected }));
}

/** The user message that names a case. */
export function caseMessage(entry) {
  return `case ${entry.id}`;
}

/** A JSON Schema for a value's shape: its type, an object's keys (all required), an array's items when alike. */
export function jsonSchemaOf(value) {
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) {
    const shapes = new Set(value.map((item) => JSON.stringify(jsonSchemaOf(item))));
    return shapes.size === 1 ? { type: 'array', items: jsonSchemaOf(value[0]) } : { type: 'array' };
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    return {
      type: 'object',
      properties: Object.fromEntries(entries.map(([key, item]) => [key, jsonSchemaOf(item)])),
      required: entries.map(([key]) => key),
    };
  }
  return { type: typeof value === 'number' ? 'number' : typeof value };
}

/**
 * The same shape as a zod schema, built with the given `z` (zod 3 or 4: only their common API is used).
 * @param {any} z
 * @param {unknown} value
 */
export function zodSchemaOf(z, value) {
  if (value === null) return z.null();
  if (Array.isArray(value)) {
    const shapes = new Set(value.map((item) => JSON.stringify(jsonSchemaOf(item))));
    return z.array(shapes.size === 1 ? zodSchemaOf(z, value[0]) : z.any());
  }
  if (isPlainObject(value)) {
    return z.object(Object.fromEntries(Object.entries(value).map(([key, item]) => [key, zodSchemaOf(z, item)])));
  }
  if (typeof value === 'number') return z.number();
  if (typeof value === 'boolean') return z.boolean();
  return z.string();
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
