/** Baseline: a hand-written Node `fetch` (the global dispatcher), `JSON.parse` and zod. No retries. */
import { z } from 'zod';
import { zodSchemaOf } from '../corpus.mjs';
import { CLASSIFY_JSON_SYSTEM, extractJsonSystem, LABELS, MODEL } from './shared.mjs';

const Reply = z.object({ label: z.enum(LABELS) });

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const url = `${baseURL}/chat/completions`;
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

  async function complete(system, text) {
    const body = JSON.stringify({
      model: MODEL,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: text },
      ],
      temperature: 0,
      response_format: { type: 'json_object' },
    });
    const response = await fetch(url, { method: 'POST', headers, body });
    const json = await response.json();
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(json)}`);
    return JSON.parse(json.choices[0].message.content);
  }

  return {
    async classify(text) {
      return Reply.parse(await complete(CLASSIFY_JSON_SYSTEM, text)).label;
    },
    async extract(message, expected, jsonSchema) {
      return zodSchemaOf(z, expected).parse(await complete(extractJsonSystem(jsonSchema), message));
    },
    close: async () => {},
  };
}
