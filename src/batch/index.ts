/**
 * Batches: `runBatch` streams many inputs through a task with bounded, rate-limit-aware concurrency, progress, and
 * a results file written as it goes (resumable after a crash); `readBatchResults` reads that file back.
 * @module
 */
export type { BatchApiProgress, BatchApiProgressEntry, BatchApiRunOptions } from './batch-api/index.js';
export type {
  BatchInput,
  BatchInputRecord,
  BatchItemError,
  BatchItemResult,
  BatchProgress,
  BatchRun,
  BatchStopReason,
  BatchSummary,
} from './batch-types.js';
export { readBatchResults } from './read-batch-results.js';
export { DEFAULT_CONCURRENCY, runBatch } from './run-batch.js';
export type { BatchMode, RunBatchOptions } from './run-batch-options.js';
