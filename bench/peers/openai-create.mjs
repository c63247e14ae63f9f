/** `openai` v6: `chat.completions.create` in JSON mode, then `JSON.parse` and zod. */
import OpenAI from 'openai';
import { z } from 'zod';
import { zodSchemaOf } from '../corpus.mjs';
import { CLASSIFY_JSON_SYSTEM, extractJsonSystem, LABELS, MODEL } from './shared.mjs';

const Reply = z.object({ label: z.enum(LABELS) });

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const client = new OpenAI({ baseURL, apiKey });

  async function complete(system, text) {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: text },
      ],
      temperature: 0,
      response_format: { type: 'json_object' },
    });
    return JSON.parse(completion.choices[0].message.content ?? '');
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
