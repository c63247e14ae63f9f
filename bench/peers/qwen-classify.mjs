/** qwen-tasks one-liners: `classify(text, labels, { client })`; the corpus goes through `extract(text, zod)`. */
import { z } from 'zod';
import { classify, createClient, extract } from '../../dist/src/index.js';
import { zodSchemaOf } from '../corpus.mjs';
import { LABELS } from './shared.mjs';

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const client = createClient({ provider: 'openai-compatible', baseURL, apiKey });
  return {
    classify: (text) => classify(text, LABELS, { client }),
    extract: (message, expected) => extract(message, zodSchemaOf(z, expected), { client, maxRepairs: 2 }),
    close: () => client.close(),
  };
}
