/**
 * `@instructor-ai/instructor` 1.7 over `openai` v6, with zod 3 (this folder has its own install). `mode` is
 * `TOOLS` (a named tool call) or `JSON` (JSON mode with the schema in the system message). Instructor retries a
 * zod validation failure by itself (`max_retries`), sending the errors back; it does not retry invalid JSON.
 */
import Instructor from '@instructor-ai/instructor';
import OpenAI from 'openai';
import { z } from 'zod';
import { zodSchemaOf } from '../corpus.mjs';
import { CLASSIFY_SYSTEM, EXTRACT_SYSTEM, LABELS, MODEL } from '../peers/shared.mjs';

const Sentiment = z.object({ label: z.enum(LABELS) });

/** @param {'TOOLS' | 'JSON'} mode */
export function instructorPeer(mode) {
  /** @param {{ baseURL: string, apiKey: string }} options */
  return ({ baseURL, apiKey }) => {
    const client = Instructor({ client: new OpenAI({ baseURL, apiKey }), mode });

    function create(system, text, schema, name, maxRetries) {
      return client.chat.completions.create({
        model: MODEL,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: text },
        ],
        temperature: 0,
        response_model: { schema, name },
        max_retries: maxRetries,
      });
    }

    return {
      async classify(text) {
        return (await create(CLASSIFY_SYSTEM, text, Sentiment, 'sentiment', 0)).label;
      },
      async extract(message, expected) {
        const { _meta, ...value } = await create(EXTRACT_SYSTEM, message, zodSchemaOf(z, expected), 'extraction', 2);
        return value;
      },
      close: async () => {},
    };
  };
}
