/** qwen-tasks `runBatch` with packing (10 items per request), when the library has it. */
import { createBatchPeer } from './qwen-batch-peer.mjs';

export const createPeer = (options) => createBatchPeer({ ...options, pack: 10 });
