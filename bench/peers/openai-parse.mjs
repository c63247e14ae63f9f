/** `openai` v6: `chat.completions.parse` with `zodResponseFormat` (a `json_schema` response format). */
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { zodSchemaOf } from '../corpus.mjs';
import { CLASSIFY_SYSTEM, EXTRACT_SYSTEM, LABELS, MODEL } from './shared.mjs';

const Sentiment = z.object({ label: z.enum(LABELS) });
const sentimentFormat = zodResponseFormat(Sentiment, 'sentiment');

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const client = new OpenAI({ baseURL, apiKey });

  async function parse(system, text, responseFormat) {
    const completion = await client.chat.completions.parse({
      model: MODEL,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: text },
      ],
      temperature: 0,
      response_format: responseFormat,
    });
    const { parsed } = completion.choices[0].message;
    if (parsed == null) throw new Error('no parsed value');
    return parsed;
  }

  return {
    async classify(text) {
      return (await parse(CLASSIFY_SYSTEM, text, sentimentFormat)).label;
    },
    async extract(message, expected) {
      return parse(EXTRACT_SYSTEM, message, zodResponseFormat(zodSchemaOf(z, expected), 'extraction'));
    },
    close: async () => {},
  };
}
