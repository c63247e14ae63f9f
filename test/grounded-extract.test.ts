import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createClient,
  createMemoryCache,
  defineTask,
  extract,
  InputError,
  loadTask,
  OutputError,
  runBatch,
  runTask,
  streamExtract,
  TaskDefinitionError,
} from '../src/index.js';
import { chunkSpans } from '../src/prompt/chunk-text.js';
import type { MockRequest } from '../src/testing/index.js';
import { estimateTokens } from '../src/tokens.js';
import { useLoopbackClient } from './helpers/use-loopback-client.js';

const mock = useLoopbackClient('sk-test-grounding');

const Invoice = z.object({
  number: z.string(),
  total: z.number(),
  date: z.string(),
  paid: z.boolean(),
  currency: z.enum(['EUR', 'USD']),
  notes: z.string().nullable(),
});

const INVOICE_TEXT =
  'Invoice  INV-42 from ACME GmbH.\nIssued on 3 March 2025; the total due is €1,250.00 (EUR).\nStatus: paid in full. Thank you.';

const VALUE = { number: 'INV-42', total: 1250, date: '2025-03-03', paid: true, currency: 'EUR', notes: null };

/** A cited reply: the value and its quotes. */
function cited(value: unknown, quotes: unknown): string {
  return JSON.stringify({ value, quotes });
}

const GOOD_QUOTES = {
  number: 'Invoice INV-42',
  total: '€1,250.00',
  date: 'Issued on 3 March 2025',
  paid: 'Status: paid in full',
  currency: '(EUR)',
  notes: null,
};

/** The user message of a request (the text the model was given). */
function userText(request: MockRequest): string {
  return request.messages.find((message) => message.role === 'user')?.content ?? '';
}

describe('extract with cite: true', () => {
  it('resolves to the value and a citation per non-null leaf, quoted verbatim from the input with its offsets', async () => {
    mock.server.setReply(cited(VALUE, GOOD_QUOTES));
    const { value, citations } = await extract(INVOICE_TEXT, Invoice, { client: mock.client, cite: true });
    expect(value).toEqual(VALUE);
    expect(Object.keys(citations)).toEqual(['/number', '/total', '/date', '/paid', '/currency']);
    for (const citation of Object.values(citations)) {
      expect(INVOICE_TEXT.slice(citation.start, citation.end)).toBe(citation.quote);
    }
    // The model's "Invoice INV-42" matches the text's double space: the citation quotes the text as it is.
    expect(citations['/number']).toEqual({ quote: 'Invoice  INV-42', start: 0, end: 15 });
    expect(citations['/total']?.quote).toBe('€1,250.00');
    expect(mock.server.requests).toHaveLength(1);
  });

  it('accepts quotes that differ from the text only by whitespace runs, curly quotes and full-width forms', async () => {
    const text = 'The supplier “Nordwind ＡＧ” confirmed:\n   delivery   by 12 May 2025.';
    const Schema = z.object({ supplier: z.string(), delivery: z.string() });
    mock.server.setReply(
      cited(
        { supplier: 'Nordwind AG', delivery: '2025-05-12' },
        { supplier: 'supplier "Nordwind AG"', delivery: 'delivery by 12 May 2025' },
      ),
    );
    const { citations } = await extract(text, Schema, { client: mock.client, cite: true });
    expect(citations['/supplier']?.quote).toBe('supplier “Nordwind ＡＧ”');
    expect(citations['/delivery']?.quote).toBe('delivery   by 12 May 2025');
    expect(mock.server.requests).toHaveLength(1);
  });

  it('sends a fabricated quote back in a repair turn that names the field, and takes the corrected reply', async () => {
    mock.server.setReply([cited(VALUE, { ...GOOD_QUOTES, total: 'Total: EUR 1,250.00' }), cited(VALUE, GOOD_QUOTES)]);
    const result = await runTask(defineTask({ name: 'invoice', output: Invoice, cite: true }), INVOICE_TEXT, {
      client: mock.client,
    });
    expect(result.calls).toBe(2);
    expect(result.citations?.['/total']?.quote).toBe('€1,250.00');
    const repair = mock.server.requests[1]?.messages.at(-1)?.content ?? '';
    expect(repair).toContain('/total: the quote "Total: EUR 1,250.00" is not in the text');
    expect(repair).toContain('at quotes.total');
    expect(repair).not.toContain('/number');
  });

  it('sends a quote that does not support its value, and a value without a quote, to the repair turn', async () => {
    mock.server.setReply([
      cited({ ...VALUE, number: 'INV-43' }, { ...GOOD_QUOTES, date: undefined }),
      cited(VALUE, GOOD_QUOTES),
    ]);
    const result = await extract(INVOICE_TEXT, Invoice, { client: mock.client, cite: true });
    expect(result.value.number).toBe('INV-42');
    const repair = mock.server.requests[1]?.messages.at(-1)?.content ?? '';
    expect(repair).toContain('/number: the quote "Invoice INV-42" does not contain the value "INV-43"');
    expect(repair).toContain('/date: no quote');
  });

  it('fails with an OutputError listing every failing pointer once maxRepairs is spent', async () => {
    mock.server.setReply([
      cited(VALUE, { ...GOOD_QUOTES, total: '1.300,00', date: 'on 4 March' }),
      cited(VALUE, { ...GOOD_QUOTES, total: '1.300,00', date: 'on 4 March 2025' }),
    ]);
    const error = await extract(INVOICE_TEXT, Invoice, { client: mock.client, cite: true }).catch((caught) => caught);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).message).toContain('no supported quote for /total, /date');
    expect((error as OutputError).issues.map((issue) => issue.path.join('/'))).toEqual(['quotes/total', 'quotes/date']);
    expect((error as OutputError).attempts).toHaveLength(2);
  });

  it('reads a field named quotes of a task that does not cite as an ordinary field in the error', async () => {
    mock.server.setReply(JSON.stringify({ quotes: 'many' }));
    const error = await runTask(defineTask({ name: 'q', output: z.object({ quotes: z.number() }) }), 'text', {
      client: mock.client,
      maxRepairs: 0,
    }).catch((caught) => caught);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).message).not.toContain('no supported quote');
    expect((error as OutputError).message).toContain('quotes:');
  });

  it('places a quote found several times at the occurrence nearest its neighbours’ quotes', async () => {
    const text = [
      'Shipment A: carrier DHL, weight 12 kg, status delivered.',
      'Shipment B: carrier UPS, weight 7 kg, status delivered.',
    ].join('\n');
    const Schema = z.object({ carrier: z.string(), weight: z.number(), status: z.string() });
    mock.server.setReply(
      cited(
        { carrier: 'UPS', weight: 7, status: 'delivered' },
        { carrier: 'carrier UPS', weight: 'weight 7 kg', status: 'status delivered' },
      ),
    );
    const { citations } = await extract(text, Schema, { client: mock.client, cite: true });
    const second = text.indexOf('Shipment B');
    expect(citations['/status']?.start).toBeGreaterThan(second);
    expect(text.slice(citations['/status']?.start, citations['/status']?.end)).toBe('status delivered');
  });

  it('counts offsets in UTF-16 code units through CJK text and emoji', async () => {
    const text = '🎉🎉 发票号码：ＩＮＶ－９ 😀 金额 ¥3,000 元，日期 2025年3月3日。';
    const Schema = z.object({ number: z.string(), amount: z.number(), date: z.string() });
    mock.server.setReply(
      cited(
        { number: 'INV-9', amount: 3000, date: '2025-03-03' },
        { number: '发票号码:INV-9', amount: '金额 ¥3,000 元', date: '2025年3月3日' },
      ),
    );
    const { citations } = await extract(text, Schema, { client: mock.client, cite: true });
    expect(citations['/number']).toEqual({ quote: '发票号码：ＩＮＶ－９', start: 5, end: 15 });
    expect(text.slice(citations['/amount']?.start, citations['/amount']?.end)).toBe('金额 ¥3,000 元');
    expect(citations['/date']?.start).toBe(text.indexOf('2025年'));
  });

  it('reads the value beside "quotes" and quotes keyed by JSON Pointer', async () => {
    mock.server.setReply(
      JSON.stringify({
        ...VALUE,
        quotes: {
          '/number': 'INV-42',
          '/total': '1,250.00',
          '/date': '3 March 2025',
          '/paid': 'paid',
          '/currency': 'EUR',
        },
      }),
    );
    const { value, citations } = await extract(INVOICE_TEXT, Invoice, { client: mock.client, cite: true });
    expect(value).toEqual(VALUE);
    expect(citations['/date']?.quote).toBe('3 March 2025');
  });

  it('asks for the envelope in its instruction, and with json_schema and tool sends the envelope schema', async () => {
    mock.server.setReply(cited(VALUE, GOOD_QUOTES));
    await extract(INVOICE_TEXT, Invoice, { client: mock.client, cite: true });
    expect(mock.server.requests[0]?.messages[0]?.content).toContain(
      'Reply with JSON {"value":V,"quotes":Q}; V has this shape:',
    );
    expect(mock.server.requests[0]?.messages[0]?.content).toContain(
      'Q: V with each value replaced by its exact source text.',
    );
    mock.server.reset();
    const strict = createClient({
      provider: 'dashscope',
      baseURL: mock.server.baseURL,
      apiKey: 'sk-test-grounding',
      jsonSchemaModels: { 'qwen-flash': true },
    });
    await extract(INVOICE_TEXT, Invoice, { client: strict, cite: true, jsonMode: 'json_schema' });
    const format = mock.server.requests[0]?.responseFormat as {
      json_schema: { schema: { required: string[]; properties: { quotes: { properties: Record<string, unknown> } } } };
    };
    expect(format.json_schema.schema.required).toEqual(['value', 'quotes']);
    expect(format.json_schema.schema.properties.quotes.properties.total).toEqual({ type: ['string', 'null'] });
  });

  it('keeps citations through the result cache (the quotes are checked again on a hit)', async () => {
    mock.server.setReply(cited(VALUE, GOOD_QUOTES));
    const cache = createMemoryCache();
    const task = defineTask({ name: 'invoice', output: Invoice, cite: true });
    const first = await runTask(task, INVOICE_TEXT, { client: mock.client, cache });
    const second = await runTask(task, INVOICE_TEXT, { client: mock.client, cache });
    expect(second.cached).toBe(true);
    expect(second.citations).toEqual(first.citations);
    expect(mock.server.requests).toHaveLength(1);
  });

  it('streams the value (not the envelope) as partials, with citations on the result', async () => {
    mock.server.setReply(cited(VALUE, GOOD_QUOTES));
    const stream = streamExtract(INVOICE_TEXT, Invoice, { client: mock.client, cite: true });
    const partials: unknown[] = [];
    for await (const partial of stream) partials.push(partial);
    expect(partials.at(-1)).toEqual(VALUE);
    expect(partials.every((partial) => typeof partial === 'object' && partial !== null && !('quotes' in partial))).toBe(
      true,
    );
    expect((await stream.result).citations?.['/total']?.quote).toBe('€1,250.00');
  });

  it('reads cite: true from a task file, and refuses it on a classify task file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cite-'));
    try {
      const file = join(directory, 'invoice.task.yaml');
      await writeFile(
        file,
        [
          'name: invoice',
          'kind: extract',
          'cite: true',
          'schema:',
          '  type: object',
          '  properties:',
          '    number: { type: string }',
          '    total: { type: number }',
          '  required: [number, total]',
        ].join('\n'),
      );
      mock.server.setReply(cited({ number: 'INV-42', total: 1250 }, { number: 'INV-42', total: '€1,250.00' }));
      const result = await runTask(await loadTask(file), INVOICE_TEXT, { client: mock.client });
      expect(Object.keys(result.citations ?? {})).toEqual(['/number', '/total']);
      const classify = join(directory, 'triage.task.yaml');
      await writeFile(classify, 'name: triage\nkind: classify\nlabels: [a, b]\ncite: true\n');
      await expect(loadTask(classify)).rejects.toThrow(/cite works with json tasks/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('writes each item’s citations to the results file of a run', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cite-run-'));
    try {
      mock.server.setReply(cited(VALUE, GOOD_QUOTES));
      const output = join(directory, 'results.jsonl');
      const run = runBatch(
        defineTask({ name: 'invoice', output: Invoice, cite: true }),
        [{ id: 'a', text: INVOICE_TEXT }],
        {
          client: mock.client,
          output,
        },
      );
      const summary = await run.summary;
      expect(summary.succeeded).toBe(1);
      const line = JSON.parse((await readFile(output, 'utf8')).trim());
      expect(line.citations['/total']).toEqual({
        quote: '€1,250.00',
        start: expect.any(Number),
        end: expect.any(Number),
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('refuses cite on a task that is not json, and a cite option that is not a boolean, before any call', async () => {
    expect(() => defineTask({ name: 'x', output: { labels: ['a', 'b'] }, cite: true })).toThrow(TaskDefinitionError);
    await expect(extract(INVOICE_TEXT, Invoice, { client: mock.client, cite: 'yes' as never })).rejects.toThrow(
      InputError,
    );
    expect(mock.server.requests).toHaveLength(0);
  });
});

/** A long order book: each order told in two sentences, and a governing law stated twice, differently. */
function orderBook(orders: number): { text: string; ids: string[] } {
  const sentences: string[] = ['Governing law: Germany.'];
  const ids: string[] = [];
  for (let index = 0; index < orders; index += 1) {
    const id = `A-${index + 1}`;
    ids.push(id);
    const total = ((index * 37) % 5000) + 100;
    sentences.push(
      `Order ${id} was placed by customer ${index % 97}.`,
      `It totals ${total.toLocaleString('en-US')}.00 EUR.`,
    );
    if (index === Math.floor(orders / 2)) sentences.push('Governing law: France.');
  }
  return { text: sentences.join(' '), ids };
}

/** The scripted model: reads every whole order (both sentences) and the governing law out of the chunk it is given. */
function readOrders(request: MockRequest): string {
  const text = userText(request);
  const orders: unknown[] = [];
  const quotes: unknown[] = [];
  for (const match of text.matchAll(/Order (A-\d+) was placed by customer \d+\. It totals ([\d,]+)\.00 EUR\./g)) {
    orders.push({ id: match[1], total: Number((match[2] ?? '').replaceAll(',', '')) });
    quotes.push({ id: `Order ${match[1]}`, total: `It totals ${match[2]}.00 EUR` });
  }
  const law = /Governing law: (\w+)\./.exec(text);
  const asked = request.messages[0]?.content ?? '';
  if (!asked.includes('"quotes"')) return JSON.stringify({ orders, law: law?.[1] ?? null });
  return cited({ orders, law: law?.[1] ?? null }, { orders: quotes, law: law ? `Governing law: ${law[1]}` : null });
}

const OrderBook = z.object({
  orders: z.array(z.object({ id: z.string(), total: z.number() })),
  law: z.string().nullable(),
});

describe('extract with chunk', () => {
  const book = orderBook(11_000);

  it('extracts a 300k-token text chunk by chunk, merges the orders once each, and cites into the whole text', async () => {
    expect(estimateTokens(book.text)).toBeGreaterThan(300_000);
    mock.server.setReply(readOrders);
    const result = await extract(book.text, OrderBook, { client: mock.client, cite: true, chunk: true });
    expect(result.value.orders.map((order) => order.id)).toEqual(book.ids);
    const requests = mock.server.requests.length;
    expect(requests).toBe(chunkSpans(book.text, { maxTokens: 16_000, overlapTokens: 256 }).length);
    expect(requests).toBeGreaterThanOrEqual(19);
    for (const [pointer, citation] of Object.entries(result.citations)) {
      expect(book.text.slice(citation.start, citation.end), pointer).toBe(citation.quote);
    }
    const last = result.value.orders.length - 1;
    expect(result.citations[`/orders/${last}/id`]?.quote).toBe(`Order ${book.ids[last]}`);
    expect(result.citations[`/orders/${last}/id`]?.start).toBe(book.text.lastIndexOf(`Order ${book.ids[last]} `));
    // The law: the first non-null value kept, the other reported with where it is.
    expect(result.value.law).toBe('Germany');
    expect(result.conflicts).toEqual([
      {
        pointer: '/law',
        values: [
          { value: 'Germany', chunk: 0, citation: { quote: 'Governing law: Germany', start: 0, end: 22 } },
          {
            value: 'France',
            chunk: expect.any(Number),
            citation: {
              quote: 'Governing law: France',
              start: book.text.indexOf('Governing law: France'),
              end: book.text.indexOf('Governing law: France') + 21,
            },
          },
        ],
      },
    ]);
  });

  it('finds an order whose two sentences straddle a chunk boundary thanks to the overlap, and loses it without', async () => {
    const options = { maxTokens: 16_000, overlapTokens: 256 };
    const cuts = chunkSpans(book.text, { ...options, overlapTokens: 0 })
      .slice(1)
      .map((span) => span.start);
    // The order whose second sentence starts right at a cut: its first sentence is in the chunk before.
    const straddling = cuts
      .filter((cut) => book.text.startsWith('It totals', cut))
      .map((cut) => /Order (A-\d+) was placed[^.]*\. $/.exec(book.text.slice(cut - 80, cut))?.[1]);
    expect(straddling.length).toBeGreaterThan(0);
    mock.server.setReply(readOrders);
    const withOverlap = await extract(book.text, OrderBook, { client: mock.client, chunk: options });
    const ids = withOverlap.orders.map((order) => order.id);
    for (const id of straddling) expect(ids).toContain(id);
    mock.server.reset();
    const without = await extract(book.text, OrderBook, {
      client: mock.client,
      chunk: { ...options, overlapTokens: 0 },
    });
    for (const id of straddling) expect(without.orders.map((order) => order.id)).not.toContain(id);
  });

  it('extracts from a text over the model’s input limit when chunk is set, and refuses it otherwise', async () => {
    const paragraph = 'The parties agree to the terms below. Nothing else applies here at all.\n\n';
    const filler = paragraph.repeat(33_000);
    const text = `Party: ACME GmbH.\n\n${filler}Party: Beta Ltd.\n\n${filler}`;
    expect(estimateTokens(text)).toBeGreaterThan(1_000_000);
    const Parties = z.object({ parties: z.array(z.string()) });
    mock.server.setReply((request) => {
      const names = [...userText(request).matchAll(/Party: ([^.]+)\./g)].map((match) => match[1] ?? '');
      return cited({ parties: names }, { parties: names.map((name) => `Party: ${name}`) });
    });
    await expect(extract(text, Parties, { client: mock.client, cite: true })).rejects.toThrow(InputError);
    expect(mock.server.requests).toHaveLength(0);
    const { value, citations } = await extract(text, Parties, {
      client: mock.client,
      cite: true,
      chunk: { maxTokens: 100_000 },
    });
    expect(value.parties).toEqual(['ACME GmbH', 'Beta Ltd']);
    expect(mock.server.requests.length).toBeGreaterThan(10);
    expect(citations['/parties/1']).toEqual({
      quote: 'Party: Beta Ltd',
      start: text.indexOf('Party: Beta'),
      end: text.indexOf('Party: Beta') + 15,
    });
  });

  it('chunks through runTask too: the result counts the chunks and reports conflicts without citations', async () => {
    mock.server.setReply(readOrders);
    const text = orderBook(400).text;
    const task = defineTask({ name: 'orders', output: OrderBook });
    const result = await runTask(task, { text }, { client: mock.client, chunk: { maxTokens: 2_000, concurrency: 2 } });
    expect(result.chunks).toBe(mock.server.requests.length);
    expect(result.calls).toBe(result.chunks);
    expect(result.value.orders).toHaveLength(400);
    expect(result.citations).toBeUndefined();
    expect(result.conflicts?.map((conflict) => conflict.pointer)).toEqual(['/law']);
    await expect(
      runTask(defineTask({ name: 'triage', output: { labels: ['a', 'b'] } }), text, {
        client: mock.client,
        chunk: true,
      }),
    ).rejects.toThrow(/chunk works with json tasks/);
  });

  it('takes the caller’s merge, and checks the merged value against the schema', async () => {
    mock.server.setReply(readOrders);
    const small = orderBook(300).text;
    const merged = await extract(small, OrderBook, {
      client: mock.client,
      chunk: { maxTokens: 2_000, overlapTokens: 100 },
      merge: (values: z.output<typeof OrderBook>[]) => ({
        orders: values.flatMap((value) => value.orders).slice(0, 2),
        law: 'Any',
      }),
    });
    expect(merged).toEqual({ orders: [expect.any(Object), expect.any(Object)], law: 'Any' });
    await expect(
      extract(small, OrderBook, {
        client: mock.client,
        chunk: { maxTokens: 2_000 },
        merge: () => ({ orders: 'none' }),
      }),
    ).rejects.toThrow(/the merged value of \d+ chunks is not valid/);
  });

  it('refuses a text over the input limit without chunk, and bad chunk options, before any call', async () => {
    const huge = 'word '.repeat(1_100_000);
    await expect(extract(huge, OrderBook, { client: mock.client })).rejects.toThrow(InputError);
    await expect(extract('text', OrderBook, { client: mock.client, chunk: { maxTokens: 10 } })).rejects.toThrow(
      /chunk.maxTokens/,
    );
    await expect(
      extract('text', OrderBook, { client: mock.client, chunk: { maxTokens: 1_000, overlapTokens: 600 } }),
    ).rejects.toThrow(/overlapTokens/);
    expect(() => streamExtract('text', OrderBook, { client: mock.client, chunk: true })).toThrow(InputError);
    expect(mock.server.requests).toHaveLength(0);
  });
});
