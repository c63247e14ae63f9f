/**
 * The benchmark orchestrator: starts the loopback server (server.mjs), runs every peer's phases, each in a fresh
 * process (run-peer.mjs), for several rounds in rotated order, then writes results/latest.json and
 * results/latest.md (report.mjs) and prints the short table for the README.
 *
 * Needs `npm run build` at the root first (the library is imported from ../dist) and `npm ci` in bench/ and
 * bench/instructor/. `npm run bench` at the root does all three.
 * Environment: BENCH_QUICK=1 (a ~2-minute smoke run), BENCH_ROUNDS=n, BENCH_PEERS=a,b (a subset).
 */
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateReviews } from './data.mjs';
import { buildReport } from './report.mjs';
import { countRequestTokens, loadTokenizer } from './tokens.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 3));
const PEER_TIMEOUT_MS = 300_000;

/** Sizes per phase; `latency` is the latency-bound run (ideal time = ⌈calls / concurrency⌉ × latencyMs). */
const SETTINGS = {
  sequential: QUICK ? { warmup: 100, calls: 300 } : { warmup: 1000, calls: 2000 },
  throughput: QUICK ? { warmup: 200, calls: 800, concurrency: 200 } : { warmup: 1000, calls: 5000, concurrency: 200 },
  latency: { calls: 2000, concurrency: 64, latencyMs: 50 },
  corpus: {},
  // runBatch's default concurrency: the run a caller gets without tuning.
  'batch-file': { count: QUICK ? 10_000 : 100_000, concurrency: 8 },
};

/** Every peer: `group` baseline | sdk | qwen; `batch` peers have no per-call path (no sequential/corpus phase). */
const PEERS = [
  { name: 'undici', label: 'undici.request + JSON.parse + zod', group: 'baseline' },
  { name: 'fetch', label: 'fetch + JSON.parse + zod', group: 'baseline' },
  { name: 'openai-parse', label: 'openai 6 parse + zodResponseFormat', group: 'sdk' },
  { name: 'openai-create', label: 'openai 6 create + zod', group: 'sdk' },
  { name: 'ai-sdk', label: 'AI SDK 6 generateText + Output', group: 'sdk' },
  { name: 'instructor-tools', label: 'instructor 1.7 TOOLS', group: 'sdk' },
  { name: 'instructor-json', label: 'instructor 1.7 JSON', group: 'sdk' },
  { name: 'langchain', label: 'LangChain withStructuredOutput', group: 'sdk' },
  { name: 'qwen-classify', label: 'qwen-tasks classify', group: 'qwen' },
  { name: 'qwen-run-task', label: 'qwen-tasks runTask', group: 'qwen' },
  { name: 'qwen-batch', label: 'qwen-tasks runBatch (online)', group: 'qwen', batch: true },
  { name: 'qwen-batch-packed', label: 'qwen-tasks runBatch (pack: 10)', group: 'qwen', batch: true },
];

const selected = process.env.BENCH_PEERS?.split(',') ?? PEERS.map((peer) => peer.name);
const peers = PEERS.filter((peer) => selected.includes(peer.name));
if (!existsSync(here('../dist/src/index.js'))) {
  console.error('bench: ../dist is missing; run `npm run build` at the repository root first');
  process.exit(1);
}

/** The server knows the labels of this many reviews: enough for every phase (a packed call holds 10 items). */
const reviewCount = Math.max(
  SETTINGS['batch-file'].count,
  (SETTINGS.latency.calls + 2 * SETTINGS.latency.concurrency) * 10,
  SETTINGS.throughput.warmup + SETTINGS.throughput.calls,
  SETTINGS.sequential.warmup + SETTINGS.sequential.calls,
);
const server = await startServer(reviewCount);
const rounds = [];
const tokens = {};
const startedAt = new Date();
const loadAverageAtStart = loadavg();
for (let round = 0; round < ROUNDS; round += 1) {
  const shift = (round * Math.ceil(peers.length / Math.max(ROUNDS, 1))) % peers.length;
  const order = [...peers.slice(shift), ...peers.slice(0, shift)];
  const results = {};
  for (const peer of order) {
    results[peer.name] = {};
    for (const phase of phasesOf(peer)) {
      const result = await runPhase(peer, phase);
      results[peer.name][phase] = result;
      console.error(`round ${round + 1}/${ROUNDS} ${peer.name} ${phase}: ${summarize(result)}`);
      if (round === 0 && phase === (peer.batch ? 'throughput' : 'sequential') && result.probeBody) {
        tokens[peer.name] = { body: result.probeBody, texts: result.probeTexts };
      }
      delete result.probeBody;
      delete result.probeTexts;
    }
  }
  rounds.push({ order: order.map((peer) => peer.name), results });
}

const batchFile = {};
for (const peer of peers.filter((item) => item.batch)) {
  batchFile[peer.name] = await runPhase(peer, 'batch-file');
  delete batchFile[peer.name].probeBody;
  delete batchFile[peer.name].probeTexts;
  console.error(`${peer.name} batch-file: ${summarize(batchFile[peer.name])}`);
}
await server.control('close');

const tokenizer = await loadTokenizer();
const probeText = generateReviews(1)[0].text;
const tokenCounts = Object.fromEntries(
  Object.entries(tokens).map(([name, { body, texts }]) => [
    name,
    countRequestTokens(tokenizer, body, texts, probeText),
  ]),
);
const loadAverage = { start: loadAverageAtStart, end: loadavg() };
const report = buildReport({
  peers,
  settings: SETTINGS,
  rounds,
  batchFile,
  tokenCounts,
  startedAt,
  loadAverage,
  quick: QUICK,
});
mkdirSync(here('results'), { recursive: true });
writeFileSync(here('results/latest.json'), `${JSON.stringify(report.json, null, 2)}\n`);
writeFileSync(here('results/latest.md'), report.markdown);
console.log(report.readme);
console.error('bench: wrote bench/results/latest.md and bench/results/latest.json');

function phasesOf(peer) {
  return peer.batch ? ['throughput', 'latency'] : ['sequential', 'throughput', 'latency', 'corpus'];
}

/** One phase of one peer in a fresh process, after setting the server up for it. */
async function runPhase(peer, phase) {
  const apiKey = `sk-bench-${peer.name}`;
  await server.control('configure', {
    mode: phase === 'corpus' ? 'corpus' : 'classify',
    latencyMs: phase === 'latency' ? SETTINGS.latency.latencyMs : 0,
  });
  await server.control('reset');
  const output = await runPeerProcess(peer.name, phase, apiKey);
  const stats = await server.control('stats', { key: apiKey });
  return {
    ...output,
    serverRequests: stats.requests,
    serverCpuUsPerRequest: stats.requests > 0 ? stats.cpuUs / stats.requests : undefined,
    probeBody: stats.probeBody,
    probeTexts: stats.probeTexts,
  };
}

function runPeerProcess(name, phase, apiKey) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [here('run-peer.mjs'), name, phase], {
      env: {
        ...process.env,
        BENCH_BASE_URL: server.baseURL,
        BENCH_API_KEY: apiKey,
        BENCH_SETTINGS: JSON.stringify(SETTINGS),
        LANGSMITH_TRACING: 'false',
        LANGCHAIN_TRACING_V2: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), PEER_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout
        .split('\n')
        .filter((item) => item.startsWith('{'))
        .at(-1);
      if (code === 0 && line) resolve(JSON.parse(line));
      else resolve({ failed: `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}` });
    });
  });
}

function startServer(reviewCount) {
  const child = fork(here('server.mjs'), [String(reviewCount)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code})`)));
    child.on('message', (message) => {
      if (message.type === 'ready') {
        resolve({
          baseURL: message.baseURL,
          control(type, fields = {}) {
            nextId += 1;
            const id = nextId;
            return new Promise((done) => {
              pending.set(id, done);
              child.send({ id, type, ...fields });
            });
          },
        });
        return;
      }
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    });
  });
}

function summarize(result) {
  if (result.failed) return `FAILED ${result.failed}`;
  if (result.unavailable) return `n/a (${result.unavailable})`;
  const figures = [
    result.p50Ms === undefined ? '' : `p50 ${result.p50Ms.toFixed(3)} ms`,
    result.callsPerSecond === undefined ? '' : `${Math.round(result.callsPerSecond)} items/s`,
    result.efficiency === undefined ? '' : `efficiency ${(result.efficiency * 100).toFixed(1)}%`,
    result.valid === undefined ? '' : `${result.valid}/${result.cases} valid`,
    result.serverRequests === undefined ? '' : `${result.serverRequests} calls`,
    result.wallMs === undefined || result.count === undefined ? '' : `${(result.wallMs / 1000).toFixed(1)} s`,
    `rss ${Math.round(result.maxRssMb)} MB`,
    result.errors || result.wrong ? `errors ${result.errors} wrong ${result.wrong} ${result.firstError ?? ''}` : '',
  ];
  return figures.filter(Boolean).join(', ');
}
