import { randomUUID } from 'node:crypto';

/** @internal An uploaded (or generated) file, as the Files API describes it. */
export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
  status_details: null;
}

/** @internal Life stages of a batch. */
export type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** @internal A batch, as the Batch API describes it. */
export interface BatchObject {
  id: string;
  object: 'batch';
  endpoint: string;
  errors: { object: 'list'; data: { code: string; message: string; line: number }[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, unknown> | null;
}

/** @internal A batch and the work behind it. */
export interface StoredBatch {
  batch: BatchObject;
  /** Polls run one after another, so two concurrent polls still advance one step each. */
  queue: Promise<void>;
  /** Result lines, kept from `finalizing` until the files are published on `completed`. */
  results?: { output: string[]; errors: string[] };
}

/** @internal Files and batches of a running mock, in creation order. */
export interface BatchStore {
  files: Map<string, { file: FileObject; content: string }>;
  batches: Map<string, StoredBatch>;
  addFile(filename: string, purpose: string, content: string, createdAt: number, prefix?: string): FileObject;
  clear(): void;
}

/** @internal */
export function createBatchStore(): BatchStore {
  const files = new Map<string, { file: FileObject; content: string }>();
  const batches = new Map<string, StoredBatch>();
  return {
    files,
    batches,
    addFile(filename, purpose, content, createdAt, prefix = 'file-batch') {
      const file: FileObject = {
        id: `${prefix}-${shortId()}`,
        object: 'file',
        bytes: Buffer.byteLength(content),
        created_at: createdAt,
        filename,
        purpose,
        status: 'processed',
        status_details: null,
      };
      files.set(file.id, { file, content });
      return file;
    },
    clear() {
      files.clear();
      batches.clear();
    },
  };
}

/** @internal A short random id. */
export function shortId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 24);
}
