/**
 * qwen-tasks one-liners: `classify(text, labels, { client })`; the corpus goes through `extract(text, zod)`. zod is
 * imported only by the corpus phase: classify does not need it, so it does not count in classify's memory.
 */
import { classify, createClient, extract } from '../../dist/src/index.js';
import { zodSchemaOf } from '../corpus.mjs';
import { LABELS } from './shared.mjs';

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const client = createClient({ provider: 'openai-compatible', baseURL, apiKey });
  return {
    classify: (text) => classify(text, LABELS, { client }),
    async extract(message, expected) {
      const { z } = await import('zod');
      return extract(message, zodSchemaOf(z, expected), { client, maxRepairs: 2 });
    },
    close: () => client.close(),
  };
}
