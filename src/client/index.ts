/**
 * The qwen-flash HTTP client: providers, retries, streaming, usage and cost.
 * @module
 */
export { createClient } from './create-client.js';
export { QWEN_FLASH_PRICES } from './prices.js';
export type {
  ChatMessage,
  ChatOptions,
  ChatRequest,
  ChatResponse,
  ClientOptions,
  PriceTier,
  Provider,
  QwenClient,
  RateLimit,
  Region,
  ResponseFormat,
  TextContentPart,
  ToolCall,
  ToolDefinition,
  Usage,
  UsageTotals,
} from './types.js';
