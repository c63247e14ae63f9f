/**
 * Prompt building and token counting: compact schema shapes, format instructions, system and user messages,
 * repair turns, packed requests, token counts and text chunking. Depends on nothing in the library but errors.
 * @module
 */

export type { JsonSchema } from '../json.js';
export {
  type CountableMessage,
  countMessageTokens,
  countTokens,
  estimateTokens,
  type MessageTokenCount,
  type TokenCount,
} from '../tokens.js';
export { type BuildMessagesOptions, buildMessages, type PromptMessage } from './build-messages.js';
export { buildPackedUserMessage } from './build-packed-user-message.js';
export { buildRepairMessage } from './build-repair-message.js';
export { buildSystemMessage, type PromptExample, type SystemMessageOptions } from './build-system-message.js';
export { type ChunkTextOptions, chunkText } from './chunk-text.js';
export { type JsonInstructionMode, type JsonInstructionOptions, jsonInstruction } from './json-instruction.js';
export { type LabelInstructionOptions, labelInstruction } from './label-instruction.js';
export { type LinesInstructionOptions, linesInstruction } from './lines-instruction.js';
export { packedItemCode } from './packed-item-code.js';
export { packedLabelInstruction } from './packed-label-instruction.js';
export { renderSchema } from './render-schema.js';
export { type TextInstructionOptions, textInstruction } from './text-instruction.js';
