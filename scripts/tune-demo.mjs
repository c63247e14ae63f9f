// The figures of docs/tuning.md: `tuneTask` on the scripted set of its tests (test/fixtures/tune: 36 reviews, a
// sentiment task with label descriptions) against the loopback server, whose model answers a review's label
// correctly only when the system message holds an example of that label (and, for sarcastic praise, says how to
// read it), and falls back to the first label otherwise; asked for instructions, it proposes the sarcasm rule.
//
//   npm run build && node scripts/tune-demo.mjs [--seed 2]
//
// Prints the test split before and after (macro-F1, accuracy, prompt tokens per item), the candidates, the
// requests, the cost, and the wall time of a first run and of a second run on the same cache.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { values } = parseArgs({ options: { seed: { type: 'string', default: '2' } } });
const { createClient, createMemoryCache, loadTask, tuneTask } = await load('src/index.js');
const { startMockQwen } = await load('src/testing/index.js');

const reviews = readFileSync(join(root, 'test/fixtures/tune/reviews.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const labelOf = new Map(reviews.map((review) => [review.text, review.label]));
const proposed = 'Sarcastic praise is negative: read the whole review before you choose a label.';

/** The same rule as test/helpers/tune-reply.ts. */
function reply(request) {
  const system = request.messages.find((message) => message.role === 'system')?.content ?? '';
  const text = request.messages.find((message) => message.role === 'user')?.content ?? '';
  if (system.startsWith('You improve the instructions')) return proposed;
  const label = labelOf.get(text);
  const sarcastic = text.startsWith('Oh wonderful');
  const knows = system.includes(`\nReply: ${label}`) && (!sarcastic || system.includes('Sarcastic praise'));
  return label !== undefined && knows ? label : 'positive';
}

const server = await startMockQwen({ apiKey: 'sk-tune-demo', reply });
const client = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: 'sk-tune-demo' });
const task = await loadTask(join(root, 'test/fixtures/tune/sentiment.task.yaml'));
const data = reviews.map((review) => ({ text: review.text, expected: review.label }));
const cache = createMemoryCache();
const options = { client, cache, maxCostUsd: 1, seed: Number(values.seed) };

let started = performance.now();
const { task: tuned, report } = await tuneTask(task, data, options);
const firstMs = performance.now() - started;
const firstRequests = server.chatRequests().length;
started = performance.now();
const again = await tuneTask(task, data, options);
const secondMs = performance.now() - started;

const { before, after, promptTokensPerItem } = report.test;
const lines = [
  `seed ${report.seed}: ${report.split.train} train, ${report.split.dev} dev, ${report.split.test} test`,
  ...report.candidates.map(
    (candidate) =>
      `${candidate.index === report.chosen ? '*' : ' '}${String(candidate.index).padStart(2)} dev macro-F1 ${candidate.dev.macroF1.toFixed(3)}  ${candidate.promptTokensPerItem.toFixed(1).padStart(6)} tokens/item  ${candidate.name}`,
  ),
  `test macro-F1 ${before.macroF1.toFixed(3)} -> ${after.macroF1.toFixed(3)}, accuracy ${before.accuracy.toFixed(3)} -> ${after.accuracy.toFixed(3)}`,
  `test prompt tokens/item ${promptTokensPerItem.before} -> ${promptTokensPerItem.after}`,
  `first run: ${report.requests} requests (${firstRequests} seen by the server), ${report.spentUsd} USD, ${firstMs.toFixed(0)} ms`,
  `second run, same cache: ${again.report.requests} requests (${server.chatRequests().length - firstRequests} seen by the server), ${again.report.spentUsd} USD, ${secondMs.toFixed(0)} ms, same task: ${again.task.hash === tuned.hash}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
await client.close();
await server.close();
