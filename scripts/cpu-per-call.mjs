// CPU per sequential `runTask` call of a build, against the loopback server of a (possibly other) build running in
// a child process, so that two builds can be compared against one server:
//
//   npm run build && node scripts/cpu-per-call.mjs [--calls 4000]
//   QWEN_TASKS_DIST=<other build>/dist QWEN_TASKS_SERVER_DIST=<other build>/dist node scripts/cpu-per-call.mjs
//
// Prints the CPU (user + system) per call in µs after a warm-up of 300 calls; run the builds alternately, several
// times, and compare medians.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = resolve(process.env.QWEN_TASKS_DIST ?? join(here, '..', 'dist'));
const serverDir = resolve(process.env.QWEN_TASKS_SERVER_DIST ?? distDir);
const load = (directory, path) => import(pathToFileURL(join(directory, path)).href);
const KEY = 'sk-cpu-per-call';
const { values } = parseArgs({
  options: { server: { type: 'boolean', default: false }, calls: { type: 'string', default: '4000' } },
});

if (values.server) {
  const { startMockQwen } = await load(serverDir, 'src/testing/index.js');
  const server = await startMockQwen({ apiKey: KEY, reply: 'positive' });
  setInterval(() => server.reset(), 1000).unref();
  process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => server.close().then(() => process.exit(0)));
} else {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { baseURL } = await new Promise((resolveURL) =>
    child.stdout.once('data', (chunk) => resolveURL(JSON.parse(chunk.toString()))),
  );
  const { createClient } = await load(distDir, 'src/client/client.js');
  const { defineTask } = await load(distDir, 'src/task/define-task.js');
  const { runTask } = await load(distDir, 'src/task/run-task.js');
  const client = createClient({ provider: 'dashscope', baseURL, apiKey: KEY });
  const task = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
  for (let index = 0; index < 300; index += 1) await runTask(task, `warm ${index}`, { client });
  const calls = Number(values.calls);
  const before = process.cpuUsage();
  for (let index = 0; index < calls; index += 1) await runTask(task, `review ${index}`, { client });
  const used = process.cpuUsage(before);
  console.log(`${distDir}: ${((used.user + used.system) / calls).toFixed(1)} µs CPU per runTask call`);
  await client.close();
  child.stdin.end();
}
