/**
 * A control for the latency-bound phase: the same 2,000 calls at 64 in flight with 50 ms latency, against a bare
 * `node:http` server (no request recording, no fault logic: parse, look the label up, wait, answer) in its own
 * process. What the raw undici baseline reaches here is the ceiling this machine and Node's timers allow any client.
 *
 *   node bench/latency-ceiling.mjs [rounds=3]
 */
import { fork, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { generateReviews } from './data.mjs';

const SETTINGS = { latency: { calls: 2000, concurrency: 64, latencyMs: 50 } };
const PEERS = ['undici', 'qwen-classify'];

if (process.argv[2] === '--server') {
  const reviewCount = (SETTINGS.latency.calls + 2 * SETTINGS.latency.concurrency) * 2;
  const truth = new Map(generateReviews(reviewCount).map((review) => [review.text, review.label]));
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const user = body.messages.find((message) => message.role === 'user')?.content ?? '';
      const label = truth.get(user.trim()) ?? 'neutral';
      const content = body.response_format ? JSON.stringify({ label }) : label;
      const reply = JSON.stringify({
        id: 'chatcmpl-ceiling',
        object: 'chat.completion',
        created: 0,
        model: body.model ?? 'qwen-flash',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 40, completion_tokens: 2, total_tokens: 42 },
      });
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
        response.end(reply);
      }, SETTINGS.latency.latencyMs);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ baseURL: `http://127.0.0.1:${server.address().port}/v1` }));
} else {
  const rounds = Number(process.argv[2] ?? 3);
  const child = fork(fileURLToPath(import.meta.url), ['--server']);
  const { baseURL } = await new Promise((resolve) => child.once('message', resolve));
  const efficiencies = Object.fromEntries(PEERS.map((peer) => [peer, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const peer of PEERS) {
      const run = spawnSync(
        process.execPath,
        [fileURLToPath(new URL('run-peer.mjs', import.meta.url)), peer, 'latency'],
        {
          env: {
            ...process.env,
            BENCH_BASE_URL: baseURL,
            BENCH_API_KEY: 'sk-ceiling',
            BENCH_SETTINGS: JSON.stringify(SETTINGS),
          },
          encoding: 'utf8',
        },
      );
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1));
      efficiencies[peer].push(result.efficiency);
    }
  }
  child.kill();
  for (const [peer, values] of Object.entries(efficiencies)) {
    const sorted = [...values].sort((a, b) => a - b);
    const percent = (value) => `${(value * 100).toFixed(1)}%`;
    console.log(
      `${peer.padEnd(14)} median ${percent(sorted[Math.floor(sorted.length / 2)])} [${percent(sorted[0])}–${percent(sorted.at(-1))}]`,
    );
  }
}
