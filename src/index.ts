/**
 * qwen-tasks: dependable structured work on qwen-flash. One-liners (`classify`, `extract`, `summarize`), task
 * definitions (`defineTask`, `loadTask`, `runTask`, `previewTask`), batches (`runBatch`), the client (`createClient`)
 * and the error classes.
 * @module
 */
export { type ClassifyOptions, classify, type LabelOf, type Labels } from '../tasks/classify.js';
export { type ExtractOptions, extract } from '../tasks/extract.js';
export { type SummarizeOptions, summarize } from '../tasks/summarize.js';
export type { TaskCallOptions } from '../tasks/task-call-options.js';
export {
  type BatchApiProgress,
  type BatchApiProgressEntry,
  type BatchApiRunOptions,
  type BatchInput,
  type BatchInputRecord,
  type BatchItemError,
  type BatchItemResult,
  type BatchMode,
  type BatchProgress,
  type BatchRun,
  type BatchStopReason,
  type BatchSummary,
  DEFAULT_CONCURRENCY,
  type RunBatchOptions,
  readBatchResults,
  runBatch,
} from './batch/index.js';
export type {
  BatchApi,
  BatchApiCallOptions,
  BatchJob,
  BatchPage,
  BatchProblem,
  BatchRequestCounts,
  BatchStatus,
  CreateBatchOptions,
  ListBatchesOptions,
  UploadedFile,
  UploadFileOptions,
} from './client/batch-api/index.js';
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
} from './client/index.js';
export { createClient, QWEN_FLASH_PRICES } from './client/index.js';
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
export {
  type AttemptInfo,
  type CachedEntry,
  cacheKey,
  createFileCache,
  createMemoryCache,
  DEFAULT_MAX_PACK_TOKENS,
  defineTask,
  type JsonMode,
  type JsonSchema,
  type LabelSet,
  MAX_INPUT_TOKENS,
  MAX_OUTPUT_TOKENS,
  MAX_REPAIRS,
  type OutputFormat,
  type PackedOutcome,
  type PreviewTaskOptions,
  previewTask,
  type ResultCache,
  type RunPackedLabelsOptions,
  type RunTaskOptions,
  runPackedLabels,
  runTask,
  type Task,
  type TaskDefinitionInput,
  type TaskExample,
  type TaskKind,
  type TaskOutputSpec,
  type TaskPreview,
  type TaskResult,
  type TaskSettings,
} from './task/index.js';
export { loadTask } from './task/load-task.js';
export { readTaskFile } from './task/read-task-file.js';
export { type TaskFile, type TaskFileFormat, taskFileSchema } from './task/task-file-schema.js';
export { taskFileToDefinition } from './task/task-file-to-definition.js';
export { validateTaskFile } from './task/validate-task-file.js';
