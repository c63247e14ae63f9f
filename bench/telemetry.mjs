// CPU cost of observability on the hot path: `classify` calls through the loopback server (in a child process, so
// its CPU is not counted) with a plain client, a client with `telemetry: true` and no registered provider (the
// API's no-op tracer), a client with hooks, and a client recording to a real SDK in memory.
//
//   npm run build && node bench/telemetry.mjs [--calls 2000] [--rounds 5]
//
// Prints the median CPU µs per call of each mode over the rounds (modes interleaved in every round) and its ratio
// to the plain client measured in the same run. Goal (issue "Observability"): telemetry on with the no-op tracer
// costs at most 5% more CPU per call. QWEN_TASKS_DIST=<dir> points at another build (default: ../dist).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = resolve(process.env.QWEN_TASKS_DIST ?? join(here, '..', 'dist'));
const load = (path) => import(pathToFileURL(join(distDir, path)).href);
const KEY = 'sk-bench-telemetry';

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    calls: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
  },
});

if (values.server) await serve();
else await bench();

/** Child: the loopback server, answering every call with a label; recorded requests dropped every second. */
async function serve() {
  const { startMockQwen } = await load('src/testing/index.js');
  const server = await startMockQwen({ apiKey: KEY, reply: 'positive' });
  setInterval(() => server.reset(), 1000).unref();
  process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => server.close().then(() => process.exit(0)));
}

async function bench() {
  const calls = Number(values.calls);
  const rounds = Number(values.rounds);
  const { classify, createClient } = await load('src/index.js');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
    '@opentelemetry/sdk-trace-base'
  );
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { baseURL } = await new Promise((resolveURL, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk) => resolveURL(JSON.parse(chunk.toString())));
  });

  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const base = { provider: 'dashscope', baseURL, apiKey: KEY };
  let observed = 0;
  const modes = {
    plain: createClient(base),
    'telemetry (no-op tracer)': createClient({ ...base, telemetry: true }),
    'hooks (4 no-op hooks)': createClient({
      ...base,
      hooks: {
        onRequest: () => observed++,
        onResponse: () => observed++,
        onError: () => observed++,
        onRetry: () => observed++,
      },
    }),
    'telemetry (SDK, in memory)': createClient({ ...base, telemetry: { tracer: provider.getTracer('bench') } }),
  };
  const labels = ['positive', 'negative', 'neutral'];
  const samples = Object.fromEntries(Object.keys(modes).map((name) => [name, []]));

  /** CPU µs per call of `calls` sequential classify calls (after a warm-up). */
  async function measure(client) {
    for (let index = 0; index < 50; index += 1) await classify(`warm ${index}`, labels, { client });
    exporter.reset();
    const before = process.cpuUsage();
    for (let index = 0; index < calls; index += 1) await classify(`review ${index}`, labels, { client });
    const used = process.cpuUsage(before);
    exporter.reset();
    return (used.user + used.system) / calls;
  }

  for (let round = 0; round < rounds; round += 1) {
    // Rotate the order every round, so no mode always runs first or last.
    const names = Object.keys(modes);
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const name of order) samples[name].push(await measure(modes[name]));
  }
  for (const client of Object.values(modes)) await client.close();
  await provider.shutdown();
  child.stdin.end();

  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const baseline = median(samples.plain);
  console.log(`classify, ${calls} sequential calls a round, ${rounds} rounds, median CPU per call:\n`);
  console.log('| mode | CPU µs/call | × plain |');
  console.log('|---|---|---|');
  for (const [name, list] of Object.entries(samples)) {
    console.log(`| ${name} | ${median(list).toFixed(1)} | ${(median(list) / baseline).toFixed(3)} |`);
  }
  const noop = median(samples['telemetry (no-op tracer)']) / baseline;
  console.log(
    `\n${noop <= 1.05 ? 'PASS' : 'FAIL'}: telemetry with the no-op tracer costs ${((noop - 1) * 100).toFixed(1)}% CPU per call (goal ≤ 5%)`,
  );
  if (observed === 0) throw new Error('the hooks were never called');
}
