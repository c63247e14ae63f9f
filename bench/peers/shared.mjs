/**
 * What every peer shares: the model name, the label set and the prompts a user of each SDK would write. The SDK
 * peers state the task in one sentence and let the schema (tool or `response_format`) carry the label set, as
 * their documentation does; the raw baselines ask for JSON in words, since `json_object` carries no schema.
 */
export { LABELS } from '../data.mjs';

/** The model every peer names. */
export const MODEL = 'qwen-flash';

/** Classify instruction for the SDK peers (the schema lists the labels). */
export const CLASSIFY_SYSTEM = 'Classify the sentiment of the product review.';

/** Classify instruction for hand-written JSON-mode requests. */
export const CLASSIFY_JSON_SYSTEM =
  'Classify the sentiment of the product review. Reply with JSON: {"label": "positive" | "negative" | "neutral"}.';

/** Extraction instruction for the corpus (the schema carries the shape). */
export const EXTRACT_SYSTEM = 'Extract the data from the text as JSON.';

/** Extraction instruction for hand-written JSON-mode requests: the shape is given in the prompt. */
export function extractJsonSystem(jsonSchema) {
  return `${EXTRACT_SYSTEM} Follow this JSON Schema: ${JSON.stringify(jsonSchema)}`;
}
