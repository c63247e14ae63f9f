import type { Usage } from '../types.js';

/** Life stages of a batch on the provider's Batch API (other values are passed through as the server sends them). */
export type BatchStatus =
  | 'validating'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'failed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** How many requests of a batch are done, as the server counts them. */
export interface BatchRequestCounts {
  total: number;
  completed: number;
  failed: number;
}

/** A problem the server found in a batch's input file (it then fails the whole batch). */
export interface BatchProblem {
  code: string;
  message: string;
  /** 1-based line of the input file, when the server says. */
  line?: number;
}

/** A batch as the Batch API describes it, in camelCase. */
export interface BatchJob {
  id: string;
  /** `validating` → `in_progress` → `finalizing` → `completed`, or `failed`, `expired`, `cancelling`, `cancelled`. */
  status: BatchStatus | (string & {});
  inputFileId: string | undefined;
  /** The file of successful result lines, once the batch is done. */
  outputFileId: string | undefined;
  /** The file of failed result lines, once the batch is done (absent when every line succeeded). */
  errorFileId: string | undefined;
  requestCounts: BatchRequestCounts;
  /** Why the batch failed as a whole (bad lines in the input file). */
  problems: BatchProblem[];
  /** Creation time, seconds since the epoch, when the server says. */
  createdAt: number | undefined;
  metadata: Record<string, unknown> | undefined;
  /** The batch object exactly as received. */
  raw: unknown;
}

/** An uploaded file. */
export interface UploadedFile {
  id: string;
  /** Size of the uploaded file in bytes. */
  bytes: number;
}

/** Options of every Batch API call. */
export interface BatchApiCallOptions {
  /** Aborts the call (and its retries). */
  signal?: AbortSignal;
}

/** Options of {@link BatchApi.uploadFile}. */
export interface UploadFileOptions extends BatchApiCallOptions {
  /** Name the file gets on the server. @defaultValue 'requests.jsonl' */
  filename?: string;
}

/** Options of {@link BatchApi.createBatch}. */
export interface CreateBatchOptions extends BatchApiCallOptions {
  /** The uploaded request file. */
  inputFileId: string;
  /** How long the provider may take, `24h` to `336h` (or in days, e.g. `14d`). @defaultValue '24h' */
  completionWindow?: string;
  /** Free-form metadata stored with the batch (DashScope reads `ds_name` and `ds_description`). */
  metadata?: Record<string, string>;
}

/** Options of {@link BatchApi.listBatches}. */
export interface ListBatchesOptions extends BatchApiCallOptions {
  /** Id of the last batch of the previous page. */
  after?: string;
  /** Batches per page. @defaultValue the server's (20) */
  limit?: number;
}

/** One page of batches, newest first. */
export interface BatchPage {
  batches: BatchJob[];
  /** Whether another page follows (ask for it with `after: lastId`). */
  hasMore: boolean;
  lastId: string | undefined;
}

/**
 * The provider's Batch API (OpenAI-compatible files and batches), at half the online price. Calls are retried like
 * chat calls (rate limits, 5xx, connection errors, timeouts), except that a batch creation whose outcome is unknown
 * is not sent again. Errors are the same typed errors as chat errors. Segmind has no Batch API: every method rejects
 * with an `InputError`.
 */
export interface BatchApi {
  /**
   * Writes the lines (one JSON request each, without line breaks) to a temporary file, uploads it with
   * `purpose=batch` and removes the temporary file.
   */
  uploadFile(lines: AsyncIterable<string> | Iterable<string>, options?: UploadFileOptions): Promise<UploadedFile>;
  /** Starts a batch over an uploaded request file. */
  createBatch(options: CreateBatchOptions): Promise<BatchJob>;
  /** The current state of a batch. */
  retrieveBatch(batchId: string, options?: BatchApiCallOptions): Promise<BatchJob>;
  /** Asks the server to cancel a batch; it goes through `cancelling` to `cancelled`. */
  cancelBatch(batchId: string, options?: BatchApiCallOptions): Promise<BatchJob>;
  /** One page of the account's batches, newest first. */
  listBatches(options?: ListBatchesOptions): Promise<BatchPage>;
  /**
   * The non-blank lines of a file (an output or error file), streamed as they arrive: the file is never held whole
   * in memory and is not bounded by `maxResponseBytes`. Stopping the iteration closes the connection.
   */
  downloadFileLines(fileId: string, options?: BatchApiCallOptions): AsyncIterable<string>;
  /** Estimated cost in USD of one batch request with this usage: half the online price of the client's price table. */
  estimateCostUsd(usage: Usage): number;
}
