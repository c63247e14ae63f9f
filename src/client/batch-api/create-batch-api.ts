import { InputError } from '../../errors.js';
import { isRecord } from '../../json.js';
import { computeCostUsd } from '../compute-cost.js';
import type { Usage } from '../types.js';
import type { BatchApiContext } from './batch-api-context.js';
import type { BatchApi, BatchJob, BatchPage, CreateBatchOptions } from './batch-api-types.js';
import { downloadFileLines } from './download-file-lines.js';
import { parseBatchJob } from './parse-batch-job.js';
import { requestBatchApiJson } from './request-batch-api-json.js';
import { uploadBatchFile } from './upload-batch-file.js';

/** Share of the online price that the Batch API charges. @internal */
export const BATCH_PRICE_SHARE = 0.5;

/** The endpoint every batch line is sent to. */
const CHAT_ENDPOINT = '/v1/chat/completions';
/** The default of {@link CreateBatchOptions.completionWindow}. */
const DEFAULT_COMPLETION_WINDOW = '24h';

/**
 * The Batch API methods of a client ({@link BatchApi}). For Segmind, which has no Batch API, every method rejects
 * with an {@link InputError} before any network call.
 * @internal
 */
export function createBatchApi(context: BatchApiContext): BatchApi {
  const estimateCostUsd = (usage: Usage) => computeCostUsd(usage, context.prices) * BATCH_PRICE_SHARE;
  if (context.provider === 'segmind') return unsupportedBatchApi(estimateCostUsd);

  async function batchCall(
    method: 'GET' | 'POST',
    path: string,
    options: { signal?: AbortSignal | undefined; body?: string; resendWhenOutcomeUnknown?: boolean },
  ): Promise<BatchJob> {
    const reply = await requestBatchApiJson(
      context,
      { method, path, signal: options.signal, ...(options.body === undefined ? {} : { body: options.body }) },
      { resendWhenOutcomeUnknown: options.resendWhenOutcomeUnknown ?? true },
    );
    return parseBatchJob(reply, `${method} ${context.baseURL}${path}`);
  }

  return {
    uploadFile: (lines, options) => uploadBatchFile(context, lines, options),
    createBatch(options: CreateBatchOptions) {
      if (typeof options.inputFileId !== 'string' || options.inputFileId === '') {
        return Promise.reject(new InputError('createBatch needs an inputFileId', { path: 'inputFileId' }));
      }
      const body = JSON.stringify({
        input_file_id: options.inputFileId,
        endpoint: CHAT_ENDPOINT,
        completion_window: options.completionWindow ?? DEFAULT_COMPLETION_WINDOW,
        ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      });
      return batchCall('POST', '/batches', { signal: options.signal, body, resendWhenOutcomeUnknown: false });
    },
    retrieveBatch: (batchId, options = {}) => batchCall('GET', `/batches/${encodeURIComponent(batchId)}`, options),
    cancelBatch: (batchId, options = {}) =>
      batchCall('POST', `/batches/${encodeURIComponent(batchId)}/cancel`, options),
    async listBatches(options = {}): Promise<BatchPage> {
      const query = new URLSearchParams();
      if (options.after !== undefined) query.set('after', options.after);
      if (options.limit !== undefined) query.set('limit', String(options.limit));
      const path = `/batches${query.size === 0 ? '' : `?${query.toString()}`}`;
      const reply = await requestBatchApiJson(context, { method: 'GET', path, signal: options.signal });
      const data = Array.isArray(reply.data) ? reply.data : [];
      const where = `GET ${context.baseURL}${path}`;
      const batches = data.map((entry) => parseBatchJob(isRecord(entry) ? entry : {}, where));
      return {
        batches,
        hasMore: reply.has_more === true,
        lastId: typeof reply.last_id === 'string' ? reply.last_id : batches.at(-1)?.id,
      };
    },
    downloadFileLines: (fileId, options) => downloadFileLines(context, fileId, options),
    estimateCostUsd,
  };
}

/** Segmind's stand-in: every method fails with the same {@link InputError}. */
function unsupportedBatchApi(estimateCostUsd: BatchApi['estimateCostUsd']): BatchApi {
  const refuse = () =>
    new InputError('The Batch API needs the dashscope or openai-compatible provider; Segmind has none', {
      path: 'provider',
    });
  return {
    uploadFile: () => Promise.reject(refuse()),
    createBatch: () => Promise.reject(refuse()),
    retrieveBatch: () => Promise.reject(refuse()),
    cancelBatch: () => Promise.reject(refuse()),
    listBatches: () => Promise.reject(refuse()),
    // biome-ignore lint/correctness/useYield: the iteration fails at once
    async *downloadFileLines() {
      throw refuse();
    },
    estimateCostUsd,
  };
}
