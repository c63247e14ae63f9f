import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { previewTask } from '../src/index.js';
import { classifyTask, extractTask, summarizeTask } from '../src/task/one-liners.js';

const TEXT = 'The battery died in an hour.';
const Contact = z.object({
  name: z.string().describe('full name'),
  email: z.string().nullable(),
  phone: z.string().optional(),
  company: z.string().optional(),
  role: z.enum(['buyer', 'seller']).describe('side of the deal'),
});

describe('the messages each built-in task builds', () => {
  it('classify', async () => {
    const { messages } = await previewTask(classifyTask(['positive', 'negative', 'neutral']), TEXT);
    expect(messages).toMatchInlineSnapshot(`
      [
        {
          "content": "Classify the text. Reply only with "positive", "negative" or "neutral".",
          "role": "system",
        },
        {
          "content": "The battery died in an hour.",
          "role": "user",
        },
      ]
    `);
  });

  it('classify with label descriptions and multi', async () => {
    const { messages } = await previewTask(
      classifyTask({ billing: 'invoices, refunds', bug: 'something broken' }, { multi: true }),
      TEXT,
    );
    expect(messages).toMatchInlineSnapshot(`
      [
        {
          "content": "Classify the text with every label that applies:
      "billing": invoices, refunds
      "bug": something broken
      Reply with a JSON array, [] if none.",
          "role": "system",
        },
        {
          "content": "The battery died in an hour.",
          "role": "user",
        },
      ]
    `);
  });

  it('extract', async () => {
    const { messages, body } = await previewTask(extractTask(Contact), TEXT);
    expect(messages).toMatchInlineSnapshot(`
      [
        {
          "content": "Extract the data from the text.
      Reply with JSON of this shape:
      {
      "name": string // full name
      "email": string|null
      "phone"?: string
      "company"?: string
      "role": "buyer"|"seller" // side of the deal
      }",
          "role": "system",
        },
        {
          "content": "The battery died in an hour.",
          "role": "user",
        },
      ]
    `);
    expect(body.response_format).toEqual({ type: 'json_object' });
  });

  it('summarize as bullets and as a paragraph', async () => {
    expect(
      (await previewTask(summarizeTask({ format: 'bullets', maxItems: 5 }), TEXT)).messages[0],
    ).toMatchInlineSnapshot(`
      {
        "content": "Summarize the text.
      Reply with at most 5 bullet points, one per line.",
        "role": "system",
      }
    `);
    expect(
      (await previewTask(summarizeTask({ format: 'paragraph', maxWords: 80 }), TEXT)).messages[0],
    ).toMatchInlineSnapshot(`
      {
        "content": "Summarize the text.
      Reply with plain text, at most 80 words.",
        "role": "system",
      }
    `);
  });
});

describe('the one-liners build each task once', () => {
  it('return the same task for equal labels, schema and settings, and a new one when any of them differs', () => {
    const labels = ['positive', 'negative'];
    const task = classifyTask(labels, { temperature: 0.2 });
    expect(classifyTask(['positive', 'negative'], { temperature: 0.2, timeoutMs: 5000 })).toBe(task);
    expect(classifyTask(labels, { temperature: 0.3 })).not.toBe(task);
    expect(classifyTask(labels, { temperature: 0.2, multi: true })).not.toBe(task);
    expect(classifyTask(['positive', 'neutral'], { temperature: 0.2 })).not.toBe(task);
    expect(classifyTask(labels)).toBe(classifyTask(labels, {}));
    expect(classifyTask(labels)).not.toBe(task);
    expect(extractTask(Contact)).toBe(extractTask(Contact, { maxRepairs: 2 }));
    expect(extractTask(Contact, { instructions: 'Find the buyer.' })).not.toBe(extractTask(Contact));
    expect(summarizeTask({ format: 'bullets', maxItems: 5 })).toBe(summarizeTask({ format: 'bullets', maxItems: 5 }));
    expect(summarizeTask({ format: 'bullets', maxItems: 5, model: 'qwen-plus' })).not.toBe(
      summarizeTask({ format: 'bullets', maxItems: 5 }),
    );
  });

  it('notice a label list or label object changed in place since the last call', () => {
    const labels = ['positive', 'negative'];
    const before = classifyTask(labels);
    expect(classifyTask(labels)).toBe(before);
    labels.push('neutral');
    const after = classifyTask(labels);
    expect(after).not.toBe(before);
    expect(after.labels).toEqual(['positive', 'negative', 'neutral']);
    expect(classifyTask(labels)).toBe(after);
    labels[2] = 'mixed';
    expect(classifyTask(labels).labels).toEqual(['positive', 'negative', 'mixed']);

    const described: Record<string, string> = { bug: 'something broken' };
    const first = classifyTask(described);
    expect(classifyTask(described)).toBe(first);
    described.bug = 'a crash or an error';
    expect(classifyTask(described)).not.toBe(first);
    expect(classifyTask(described).labelDescriptions).toEqual({ bug: 'a crash or an error' });
  });
});

describe('prompt overhead, counted with the Qwen3 tokenizer', () => {
  it('a 3-label classify of a 5-token text costs at most 20 tokens beyond the text', async () => {
    const preview = await previewTask(classifyTask(['positive', 'negative', 'neutral']), 'Great battery, awful screen');
    expect(preview.exactTokens).toBe(true);
    expect(preview.overheadTokens).toBeLessThanOrEqual(20);
  });

  it('prints the overhead of each built-in', async () => {
    const rows = {
      classify: classifyTask(['positive', 'negative', 'neutral']),
      'classify multi': classifyTask(['positive', 'negative', 'neutral'], { multi: true }),
      'extract (5 fields)': extractTask(Contact),
      'summarize bullets': summarizeTask({ format: 'bullets', maxItems: 5 }),
    };
    for (const [name, task] of Object.entries(rows)) {
      const preview = await previewTask(task, 'Great battery, awful screen');
      console.log(
        `prompt overhead ${name}: ${preview.overheadTokens} tokens (request ${preview.promptTokens} with the chat template)`,
      );
      expect(preview.overheadTokens).toBeGreaterThan(0);
    }
  });
});
