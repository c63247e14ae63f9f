/**
 * qwen-tasks task definitions: `runTask(defineTask(…), text)`; the corpus uses a `json` task whose output schema is
 * the inferred JSON Schema (as a task file would declare it, validated with ajv).
 */
import { createClient, defineTask, runTask } from '../../dist/src/index.js';
import { LABELS } from './shared.mjs';

const sentiment = defineTask({ name: 'sentiment', kind: 'classify', format: 'label', output: { labels: LABELS } });

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const client = createClient({ provider: 'openai-compatible', baseURL, apiKey });
  return {
    async classify(text) {
      return (await runTask(sentiment, text, { client })).value;
    },
    async extract(message, _expected, jsonSchema) {
      const task = defineTask({ name: 'extraction', kind: 'extract', format: 'json', output: jsonSchema });
      return (await runTask(task, message, { client, maxRepairs: 2 })).value;
    },
    close: () => client.close(),
  };
}
