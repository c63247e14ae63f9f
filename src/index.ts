/**
 * qwen-tasks: dependable structured work on qwen-flash. One-liners (`classify`, `extract`, `summarize`), task
 * definitions (`defineTask`, `loadTask`, `runTask`, `previewTask`), batches (`runBatch`), the client (`createClient`)
 * and the error classes.
 * @module
 */

export { DEFAULT_CONCURRENCY, readBatchResults, runBatch } from './batch/run-batch.js';
export type {
  BatchApiProgress,
  BatchApiProgressEntry,
  BatchApiRunOptions,
  BatchInput,
  BatchInputRecord,
  BatchItemError,
  BatchItemResult,
  BatchMode,
  BatchProgress,
  BatchRun,
  BatchStopReason,
  BatchSummary,
  RunBatchOptions,
} from './batch/types.js';
export { createClient } from './client/client.js';
export { QWEN_FLASH_PRICES } from './client/config.js';
export type {
  BatchApi,
  BatchApiCallOptions,
  BatchJob,
  BatchPage,
  BatchProblem,
  BatchRequestCounts,
  BatchStatus,
  ChatMessage,
  ChatOptions,
  ChatRequest,
  ChatResponse,
  ClientOptions,
  CreateBatchOptions,
  ListBatchesOptions,
  PriceTier,
  Provider,
  QwenClient,
  RateLimit,
  Region,
  ResponseFormat,
  TextContentPart,
  ToolCall,
  ToolDefinition,
  UploadedFile,
  UploadFileOptions,
  Usage,
  UsageTotals,
} from './client/types.js';
export {
  ApiError,
  type ApiErrorDetails,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  ContentFilterError,
  InputError,
  InsufficientCreditsError,
  OutputError,
  type OutputIssue,
  QwenTasksError,
  RateLimitError,
  ServerError,
  TaskDefinitionError,
  type TaskDefinitionProblem,
  TimeoutError,
} from './errors.js';
export { defineTask, MAX_OUTPUT_TOKENS } from './task/define-task.js';
export type { TaskCallOptions } from './task/one-liners.js';
export {
  type ClassifyOptions,
  classify,
  type ExtractOptions,
  extract,
  type LabelOf,
  type Labels,
  type SummarizeOptions,
  summarize,
} from './task/one-liners.js';
export {
  DEFAULT_MAX_PACK_TOKENS,
  type PackedOutcome,
  type RunPackedLabelsOptions,
  runPackedLabels,
} from './task/packing.js';
export { type PreviewTaskOptions, previewTask, type TaskPreview } from './task/preview-task.js';
export {
  type CachedEntry,
  cacheKey,
  createFileCache,
  createMemoryCache,
  type ResultCache,
} from './task/result-cache.js';
export { MAX_INPUT_TOKENS, MAX_REPAIRS, type RunTaskOptions, runTask } from './task/run-task.js';
export { loadTask, readTaskFile, taskFileToDefinition, validateTaskFile } from './task/task-file.js';
export { type TaskFile, type TaskFileFormat, taskFileSchema } from './task/task-file-schema.js';
export type {
  AttemptInfo,
  JsonMode,
  JsonSchema,
  LabelSet,
  OutputFormat,
  Task,
  TaskDefinitionInput,
  TaskExample,
  TaskKind,
  TaskOutputSpec,
  TaskResult,
  TaskSettings,
} from './task/types.js';
