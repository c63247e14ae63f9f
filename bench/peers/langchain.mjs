/**
 * LangChain: `ChatOpenAI.withStructuredOutput(zod)` (its default method for a non-GPT model: `json_schema`).
 * The corpus uses `maxRetries: 0`: LangChain retries a parse failure after a 1–2 s backoff, the same call the
 * harness makes at once (see corpus.mjs).
 */
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import { zodSchemaOf } from '../corpus.mjs';
import { CLASSIFY_SYSTEM, EXTRACT_SYSTEM, LABELS, MODEL } from './shared.mjs';

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const chat = new ChatOpenAI({ model: MODEL, apiKey, temperature: 0, configuration: { baseURL } });
  const corpusChat = new ChatOpenAI({
    model: MODEL,
    apiKey,
    temperature: 0,
    maxRetries: 0,
    configuration: { baseURL },
  });
  const sentiment = chat.withStructuredOutput(z.object({ label: z.enum(LABELS) }), { name: 'sentiment' });

  return {
    async classify(text) {
      const value = await sentiment.invoke([new SystemMessage(CLASSIFY_SYSTEM), new HumanMessage(text)]);
      return value.label;
    },
    async extract(message, expected) {
      const extraction = corpusChat.withStructuredOutput(zodSchemaOf(z, expected), { name: 'extraction' });
      return extraction.invoke([new SystemMessage(EXTRACT_SYSTEM), new HumanMessage(message)]);
    },
    close: async () => {},
  };
}
