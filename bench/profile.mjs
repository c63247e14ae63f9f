/**
 * Profiles one phase of one peer: `node bench/profile.mjs <peer> [phase]` (default qwen-classify throughput).
 * Starts the loopback server, runs the peer under `node --cpu-prof`, and prints where the client's CPU time goes:
 * self time by function (file:line) and by file, and the inclusive time of the library's own functions (files
 * under dist/src and dist/tasks, shown with their source names).
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [peer = 'qwen-classify', phase = 'throughput'] = process.argv.slice(2);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const SETTINGS = {
  sequential: { warmup: 300, calls: 3000 },
  throughput: { warmup: 400, calls: 10_000, concurrency: 200 },
  latency: { calls: 2000, concurrency: 64, latencyMs: 50 },
  corpus: {},
};

const server = fork(here('server.mjs'), ['20000'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const { baseURL } = await new Promise((resolve) => server.once('message', resolve));
if (phase === 'latency' || phase === 'corpus') {
  server.send({ id: 1, type: 'configure', mode: phase === 'corpus' ? 'corpus' : 'classify', latencyMs: 50 });
  await new Promise((resolve) => server.once('message', resolve));
}
const directory = mkdtempSync(join(tmpdir(), 'qwen-tasks-profile-'));
const run = spawnSync(
  process.execPath,
  ['--cpu-prof', `--cpu-prof-dir=${directory}`, here('run-peer.mjs'), peer, phase],
  {
    env: {
      ...process.env,
      BENCH_BASE_URL: baseURL,
      BENCH_API_KEY: `sk-profile-${peer}`,
      BENCH_SETTINGS: JSON.stringify(SETTINGS),
    },
    encoding: 'utf8',
  },
);
server.kill();
console.log(run.stdout.trim() || run.stderr.trim());
const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(directory, file), 'utf8'));
rmSync(directory, { recursive: true, force: true });

const selfMs = new Map();
const byFile = new Map();
const intervalMs = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
let totalMs = 0;
for (const node of profile.nodes) {
  const ms = (counts.get(node.id) ?? 0) * intervalMs;
  if (ms === 0) continue;
  totalMs += ms;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = shortPath(url);
  const name = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
  selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
  byFile.set(where || functionName, (byFile.get(where || functionName) ?? 0) + ms);
}
// Inclusive time of the library's own functions (self plus callees; a recursive frame counts once).
const children = new Map(profile.nodes.map((node) => [node.id, node.children ?? []]));
const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const inclusiveMs = new Map();
const visit = (id, open) => {
  const node = nodesById.get(id);
  const { functionName, url, lineNumber } = node.callFrame;
  const where = shortPath(url);
  const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  const own = where.startsWith('[qwen-tasks]') && !open.has(name);
  let ms = (counts.get(id) ?? 0) * intervalMs;
  const nextOpen = own ? new Set([...open, name]) : open;
  for (const child of children.get(id)) ms += visit(child, nextOpen);
  if (own) inclusiveMs.set(name, (inclusiveMs.get(name) ?? 0) + ms);
  return ms;
};
visit(profile.nodes[0].id, new Set());
const top = (map, count) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => `${((ms / totalMs) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(6)} ms  ${name}`)
    .join('\n');
console.log(`\nself time by function (of ${totalMs.toFixed(0)} ms sampled):\n${top(selfMs, 40)}`);
console.log(`\nself time by file:\n${top(byFile, 30)}`);
console.log(`\ninclusive time of qwen-tasks functions:\n${top(inclusiveMs, 40)}`);

function shortPath(url) {
  if (!url) return '';
  const path = url.replace('file://', '');
  const library = path.indexOf('/dist/');
  if (library >= 0 && !path.includes('node_modules'))
    return `[qwen-tasks] ${path.slice(library + 6).replace(/\.js$/, '.ts')}`;
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) return path.slice(modules + 13);
  return path.replace(here('..'), '');
}
