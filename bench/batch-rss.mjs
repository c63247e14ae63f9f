// Memory benchmark of runBatch: 100,000 short items through the loopback server to a temp JSONL file, sampling this
// process's RSS every 100 ms. The server runs in a child process so that its own bookkeeping is not measured.
//
//   npm run build && node bench/batch-rss.mjs [--items 100000] [--concurrency 32] [--max-rss-mb 150]
//                                             [--output results.jsonl [--resume]]
//
// Prints wall time, items/s and peak RSS; exits 1 when the peak passes --max-rss-mb or an item is missing.
// --output keeps the results file (a temporary one is removed otherwise); with --resume too, the run resumes over
// that finished file instead (every item is skipped): run it once without, then once with, for a resume's peak.
// QWEN_TASKS_DIST=<dir> points at another build of the library (default: ../dist); QWEN_TASKS_SERVER_DIST=<dir> runs
// the loopback server of another build, to compare two libraries against the same server.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = resolve(process.env.QWEN_TASKS_DIST ?? join(here, '..', 'dist'));
const load = (path) => import(pathToFileURL(join(distDir, path)).href);
const KEY = 'sk-bench-batch-rss';

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    items: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '32' },
    'max-rss-mb': { type: 'string', default: '150' },
    output: { type: 'string' },
    resume: { type: 'boolean', default: false },
  },
});

if (values.server) await serve();
else await bench();

/** Child: the loopback server; recorded requests are dropped every second so the child stays small too. */
async function serve() {
  // QWEN_TASKS_SERVER_DIST: the server from another build, to compare libraries against one server.
  const serverDir = resolve(process.env.QWEN_TASKS_SERVER_DIST ?? distDir);
  const { startMockQwen } = await import(pathToFileURL(join(serverDir, 'src/testing/index.js')).href);
  const server = await startMockQwen({ apiKey: KEY });
  setInterval(() => server.reset(), 1000).unref();
  process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => server.close().then(() => process.exit(0)));
}

async function bench() {
  const items = Number(values.items);
  const concurrency = Number(values.concurrency);
  const maxRssMb = Number(values['max-rss-mb']);
  const { runBatch } = await load('src/batch/run-batch.js');
  const { createClient } = await load('src/client/client.js');
  const { defineTask } = await load('src/task/define-task.js');

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { baseURL } = await new Promise((resolveURL, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk) => resolveURL(JSON.parse(chunk.toString())));
  });

  const directory = values.output === undefined ? await mkdtemp(join(tmpdir(), 'qwen-tasks-bench-')) : undefined;
  const output = values.output ?? join(directory, 'results.jsonl');
  const task = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
  const client = createClient({ provider: 'dashscope', baseURL, apiKey: KEY });
  function* records() {
    for (let position = 0; position < items; position += 1) {
      yield { id: `item-${position}`, text: `Short review number ${position}: it works.` };
    }
  }

  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  // The peak of each tenth of the run: flat tenths mean memory does not grow with the items done.
  const tenths = new Array(10).fill(0);
  const onProgress = ({ done }) => {
    const tenth = Math.min(9, Math.floor((done * 10) / items));
    tenths[tenth] = Math.max(tenths[tenth], process.memoryUsage().rss);
  };
  const summary = await runBatch(task, records(), { client, output, concurrency, resume: values.resume, onProgress })
    .summary;
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const lines = (await readFile(output, 'utf8')).split('\n').length - 1;
  await client.close();
  child.stdin.end();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });

  const peakRssMb = peakRss / 1024 / 1024;
  const done = values.resume ? summary.skipped : summary.succeeded;
  console.log(
    `items:       ${items} (${summary.succeeded} ok, ${summary.failed} failed, ${summary.skipped} skipped, ${lines} lines in the file)`,
  );
  console.log(`concurrency: ${concurrency}`);
  console.log(`wall time:   ${(wallMs / 1000).toFixed(1)} s`);
  console.log(`items/s:     ${Math.round((items * 1000) / wallMs)}`);
  console.log(`peak RSS:    ${peakRssMb.toFixed(1)} MB (limit ${maxRssMb} MB)`);
  console.log(`by tenth:    ${tenths.map((rss) => (rss / 1024 / 1024).toFixed(0)).join(' ')} MB (progress samples)`);
  console.log(`RSS before:  ${(baselineRss / 1024 / 1024).toFixed(1)} MB (library loaded, server started)`);
  console.log(`node flags:  ${process.execArgv.join(' ') || '(none)'}`);
  const ok = peakRssMb <= maxRssMb && done === items && lines === items;
  console.log(ok ? 'PASS' : 'FAIL');
  process.exitCode = ok ? 0 : 1;
}
