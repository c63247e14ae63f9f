/** qwen-tasks `runBatch` online (one request per item), when the library has it. */
import { createBatchPeer } from './qwen-batch-peer.mjs';

export const createPeer = (options) => createBatchPeer({ ...options, pack: undefined });
