/**
 * `mode: 'batch-api'` of `runBatch`: the items go to the provider's Batch API at half the price, and every reply
 * through the same output pipeline.
 * @module
 */
export type {
  BatchApiProgress,
  BatchApiProgressEntry,
  BatchApiRunOptions,
} from './batch-api-run-options.js';
