/**
 * Vercel AI SDK 6: `generateText` with `Output.choice` (classify) / `Output.object` (corpus) through
 * `@ai-sdk/openai-compatible` with structured outputs on (a `json_schema` response format).
 */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, Output } from 'ai';
import { z } from 'zod';
import { zodSchemaOf } from '../corpus.mjs';
import { CLASSIFY_SYSTEM, EXTRACT_SYSTEM, LABELS, MODEL } from './shared.mjs';

/** @param {{ baseURL: string, apiKey: string }} options */
export function createPeer({ baseURL, apiKey }) {
  const provider = createOpenAICompatible({ name: 'qwen', baseURL, apiKey, supportsStructuredOutputs: true });
  const model = provider.chatModel(MODEL);
  const choice = Output.choice({ options: LABELS });

  return {
    async classify(text) {
      const result = await generateText({
        model,
        system: CLASSIFY_SYSTEM,
        prompt: text,
        temperature: 0,
        output: choice,
      });
      return result.output;
    },
    async extract(message, expected) {
      const output = Output.object({ schema: zodSchemaOf(z, expected) });
      const result = await generateText({ model, system: EXTRACT_SYSTEM, prompt: message, temperature: 0, output });
      return result.output;
    },
    close: async () => {},
  };
}
