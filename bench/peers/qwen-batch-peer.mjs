/**
 * qwen-tasks `runBatch` over the same classify task as qwen-run-task: `classifyAll` streams the texts through it
 * (`concurrency` requests in flight) and `runToFile` streams a JSONL input file to a JSONL results file. Reports itself unavailable when
 * the built library has no `runBatch` (or no packing) yet.
 */
import { existsSync } from 'node:fs';
import * as library from '../../dist/src/index.js';
import { LABELS } from './shared.mjs';

/** @param {{ baseURL: string, apiKey: string, pack: number | undefined }} options */
export async function createBatchPeer({ baseURL, apiKey, pack }) {
  const runBatch = await loadRunBatch();
  if (runBatch === undefined) return { unavailable: 'not built yet', close: async () => {} };
  const client = library.createClient({ provider: 'openai-compatible', baseURL, apiKey });
  const sentiment = library.defineTask({
    name: 'sentiment',
    kind: 'classify',
    format: 'label',
    output: { labels: LABELS },
  });
  const packing = pack === undefined ? {} : { pack };
  if (pack !== undefined) {
    try {
      await runBatch(sentiment, [], { client, ...packing }).summary;
    } catch (error) {
      return { unavailable: `packing not built yet: ${error.message}`, close: () => client.close() };
    }
  }

  return {
    itemsPerCall: pack ?? 1,
    async classifyAll(texts, { concurrency }) {
      const labels = new Array(texts.length);
      const run = runBatch(sentiment, texts, { client, concurrency, ...packing });
      for await (const item of run) {
        labels[item.index] = item.ok ? item.value : new Error(item.error?.message ?? 'failed');
      }
      return labels;
    },
    async runToFile(inputPath, { concurrency, path }) {
      const run = runBatch(sentiment, inputPath, { client, concurrency, output: path, ...packing });
      return await run.summary;
    },
    close: () => client.close(),
  };
}

/** `runBatch` from the package entry point, else from the batch module (before it is exported), else undefined. */
async function loadRunBatch() {
  if (typeof library.runBatch === 'function') return library.runBatch;
  const batchModule = new URL('../../dist/src/batch/run-batch.js', import.meta.url);
  if (!existsSync(batchModule)) return undefined;
  const { runBatch } = await import(batchModule.href);
  return typeof runBatch === 'function' ? runBatch : undefined;
}
