/**
 * The output pipeline: turns a model's reply text into a candidate value (repairing locally what can be
 * repaired), and validates candidates with zod or a JSON Schema. Imports nothing from the task, prompt or client
 * layers.
 *
 * @module
 */

export type { JsonSchema } from '../json.js';
export { coerceToSchema } from './coerce-to-schema.js';
export { countWords } from './count-words.js';
export { createJsonSchemaValidator } from './create-json-schema-validator.js';
export { createLabelMatcher, type LabelMatcher, type LabelMention } from './create-label-matcher.js';
export { createZodValidator } from './create-zod-validator.js';
export { MAX_JSON_DEPTH } from './exceeds-json-depth.js';
export { formatIssues } from './format-issues.js';
export { loadAjv2020 } from './load-ajv.js';
export { packedItemIndex } from './packed-item-index.js';
export { parseJsonReply } from './parse-json-reply.js';
export { parseLabelReply } from './parse-label-reply.js';
export { parseLabelsReply } from './parse-labels-reply.js';
export { parseLinesReply } from './parse-lines-reply.js';
export type { ParseOutcome } from './parse-outcome.js';
export {
  type PackedLabelsReply,
  type PackedLabelsReplyOptions,
  parsePackedLabelsReply,
} from './parse-packed-labels-reply.js';
export { parseTextReply } from './parse-text-reply.js';
export { REPAIR_NAMES, type RepairName } from './repair-name.js';
export { stripThinking } from './strip-thinking.js';
