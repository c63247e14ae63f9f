/**
 * The provider's Batch API as `client.batchApi`: upload request files, create, poll, cancel and list batches, stream
 * result files.
 * @module
 */
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
} from './batch-api-types.js';
