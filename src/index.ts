/**
 * qwen-tasks: dependable structured work on qwen-flash. One-liners (`classify`, `extract`, `summarize`), task
 * definitions (`defineTask`, `loadTask`, `runTask`, `previewTask`), batches (`runBatch`), evaluation and tuning
 * (`evaluateTask`, `tuneTask`), the client (`createClient`), result caches and the error classes. Everything else
 * under `src/` is internal (see `src/README.md`).
 * @module
 */

export { type EvalReport, type EvaluateTaskOptions, evaluateTask } from './batch/evaluate.js';
export { cancelBatchRun, readBatchResults, runBatch } from './batch/run-batch.js';
export {
  type TuneProgress,
  type TuneReport,
  type TuneResult,
  type TuneTaskOptions,
  tuneTask,
} from './batch/tune.js';
export type {
  BatchApiProgress,
  BatchInput,
  BatchItemResult,
  BatchProgress,
  BatchRun,
  BatchSummary,
  RunBatchOptions,
} from './batch/types.js';
export { createClient } from './client/client.js';
export type {
  AttemptErrorEvent,
  AttemptEvent,
  BatchApi,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ClientHooks,
  ClientOptions,
  Provider,
  QwenClient,
  Region,
  RequestEvent,
  ResponseEvent,
  ResponseHeadersInfo,
  RetryEvent,
  TelemetryOptions,
  TelemetryTracer,
  Usage,
} from './client/types.js';
export {
  ApiError,
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
export { defineTask } from './task/define-task.js';
export {
  type CitedValue,
  type ClassifiedLabel,
  type ClassifyOptions,
  classify,
  type ExtractOptions,
  extract,
  type LabelOf,
  type Labels,
  type SummarizeOptions,
  streamExtract,
  streamSummarize,
  summarize,
  type TaskCallOptions,
} from './task/one-liners.js';
export { type PreviewTaskOptions, previewTask, type TaskPreview } from './task/preview-task.js';
export { createFileCache, createMemoryCache, type ResultCache } from './task/result-cache.js';
export { type RunTaskOptions, runTask } from './task/run-task.js';
export {
  type DeepPartial,
  type StreamCallKind,
  streamTask,
  type TaskStream,
  type TaskStreamEvent,
} from './task/stream-task.js';
export { loadTask, validateTaskFile } from './task/task-file.js';
export type {
  AttemptInfo,
  Citation,
  Citations,
  FieldConflict,
  Task,
  TaskDefinitionInput,
  TaskResult,
} from './task/types.js';
