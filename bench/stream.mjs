// Streaming benchmark: what `streamTask` costs beside `runTask` on the same reply, beside the bare minimum of any SSE
// client (and of any HTTP client reading the streamed bytes), beside `runTask` on the same reply streamed, and beside
// the AI SDK's `streamObject` / `streamText` + `Output.object`. The loopback server runs in a
// child process so that its CPU is not measured; it answers every chat request with a deterministic JSON report of
// about SIZE tokens (≈ 4 characters a token; "size:SIZE" in the user message), streamed 8 characters a delta (about
// 2 tokens, as DashScope sends them) without delays, or as one JSON body when not streamed.
//
//   npm run bench:stream          # = npm run build && npm --prefix bench ci && node bench/stream.mjs
//   node bench/stream.mjs [--rounds 5] [--sizes 1000,8000,32000] [--reps N] [--peer-max-size 32000]
//
// Per size, each mode runs --reps replies in a row per round (after a warm-up), in rotated order; the table shows
// medians of rounds. Each timed block starts after a full GC, once the process is idle, and its CPU is counted until
// the process is idle again (the AI SDK goes on working ~100 ms after its final value resolves):
// - CPU per reply (process.cpuUsage user+system) and wall time: runTask; streamTask iterating every partial; the
//   bytes-only floor (undici.request of the streamed reply, its body read and dropped: no decoding, no splitting —
//   the least any streaming client can spend); the raw SSE floor (undici.request, events split and JSON.parse'd,
//   content joined and parsed: no library at all); runTask streamed (runTask on a client whose every request asks
//   for a stream: the library's SSE reading without partials); the AI SDK peers iterating every partial, then
//   awaiting the final value;
// - time from the call to the first partial, and for streamTask from the arrival of the first body chunk carrying a
//   non-empty `"content":"` delta ('undici:request:bodyChunkReceived' diagnostics channel) to that partial;
// - streamTask CPU per content chunk (the server's deltas) and streamTask CPU / runTask CPU.
// Prints Markdown tables and PASS/FAIL for the three goals; the exit code is 0 unless something crashed.
// The AI SDK re-parses the whole text at every delta: past 8k tokens its peers run one reply a round, no warm-up.
// --peer-max-size 0 skips the AI SDK peers (their table too).
// QWEN_TASKS_DIST=<dir> points at another build of the library (default: ../dist).
import { spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';

const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = resolve(process.env.QWEN_TASKS_DIST ?? join(here, '..', 'dist'));
const load = (path) => import(pathToFileURL(join(distDir, path)).href);
const KEY = 'sk-bench-stream';
const PIECE_CHARS = 8;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
/** Waits until this process is idle (under 1 ms of CPU in 20 ms): work a mode left running is charged to it. */
async function settle() {
  for (let poll = 0; poll < 250; poll += 1) {
    const before = process.cpuUsage();
    await sleep(20);
    const used = process.cpuUsage(before);
    if (used.user + used.system < 1000) return;
  }
}

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    sizes: { type: 'string', default: '1000,8000,32000' },
    reps: { type: 'string' },
    'peer-max-size': { type: 'string', default: '32000' },
  },
});

/** The reply of about `size` tokens: `{ title, items: [{ id, name, note, score }] }`, the same on every call. */
function report(size) {
  const items = [];
  const value = { title: `Quarterly report — ${size} tokens`, items };
  let chars = value.title.length + 30;
  for (let id = 1; chars < size * 4; id += 1) {
    const note = `Checked on day ${id % 31}: café crème é, 漢字 ${'ok '.repeat(id % 5)}— “quoted” \\ slash`;
    const item = { id, name: `Item ${id} of the catalogue`, note, score: ((id * 37) % 1000) / 8 };
    items.push(item);
    chars += JSON.stringify(item).length + 1;
  }
  return value;
}

if (values.server) await serve();
else await bench();

/** Child: the loopback server; recorded requests are dropped every second so the child stays small. */
async function serve() {
  const { startMockQwen } = await load('src/testing/index.js');
  const contents = new Map();
  const reply = (request) => {
    const user = request.messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
    const size = Number(/size:(\d+)/.exec(user)?.[1] ?? 100);
    if (!contents.has(size)) contents.set(size, JSON.stringify(report(size)));
    return { content: contents.get(size) };
  };
  const server = await startMockQwen({ apiKey: KEY, reply, stream: { pieceChars: PIECE_CHARS, intervalMs: 0 } });
  setInterval(() => server.reset(), 1000).unref();
  process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => server.close().then(() => process.exit(0)));
}

async function bench() {
  const rounds = Number(values.rounds);
  const sizes = values.sizes.split(',').map(Number);
  const { createClient, defineTask, runTask, streamTask } = await load('src/index.js');
  const { z } = await import('zod');
  const { request } = await import('undici');
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  const ai = await import('ai');

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { baseURL } = await new Promise((resolveURL, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk) => resolveURL(JSON.parse(chunk.toString())));
  });

  const item = z.object({ id: z.number().int(), name: z.string(), note: z.string(), score: z.number() });
  const schema = z.object({ title: z.string(), items: z.array(item) });
  const task = defineTask({ name: 'report', output: schema });
  const client = createClient({ provider: 'dashscope', baseURL, apiKey: KEY });
  // runTask has no streaming option of its own (only thinking streams, and the server refuses thinking with a JSON
  // response format): the same client, its every request with the wire option `stream: true`.
  const streamingClient = Object.create(client, {
    chat: { value: (chatRequest, options) => client.chat({ ...chatRequest, stream: true }, options) },
  });
  const provider = createOpenAICompatible({ name: 'qwen', baseURL, apiKey: KEY, supportsStructuredOutputs: true });
  const model = provider.chatModel('qwen-flash');

  // Arrival of the first body chunk with a non-empty content delta, for the one request in flight.
  const MARK = Buffer.from('"content":"');
  let armed = false;
  let arrival = 0;
  diagnostics.subscribe('undici:request:bodyChunkReceived', ({ chunk }) => {
    if (!armed) return;
    for (let at = chunk.indexOf(MARK); at >= 0; at = chunk.indexOf(MARK, at + 1)) {
      if (at + MARK.length < chunk.length && chunk[at + MARK.length] !== 0x22) {
        arrival = performance.now();
        armed = false;
        return;
      }
    }
  });

  /** Iterates `partials`; returns { firstMs: call → first partial, partials: how many }. */
  async function iterate(partials, started) {
    let first;
    let count = 0;
    for await (const partial of partials) {
      if (count++ === 0) first = performance.now();
      if (partial === undefined) throw new Error('undefined partial');
    }
    return { firstMs: first - started, partials: count };
  }

  /** The streamed reply of `prompt`, straight from undici (no library). */
  const requestStream = (prompt) => {
    const body = JSON.stringify({ model: 'qwen-flash', messages: [{ role: 'user', content: prompt }], stream: true });
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    return request(`${baseURL}/chat/completions`, { method: 'POST', headers, body });
  };

  /** One reply per mode. */
  const modes = {
    async runTask(prompt) {
      if ((await runTask(task, prompt, { client })).value.items.length === 0) throw new Error('empty reply');
      return {};
    },
    async streamTask(prompt) {
      const started = performance.now();
      arrival = 0;
      armed = true;
      const stream = streamTask(task, prompt, { client });
      const { firstMs, partials } = await iterate(stream, started);
      await stream.result;
      armed = false;
      return { firstMs, partials, lagMs: arrival > 0 ? started + firstMs - arrival : Number.NaN };
    },
    async runTaskStreamed(prompt) {
      const { value } = await runTask(task, prompt, { client: streamingClient });
      if (value.items.length === 0) throw new Error('empty reply');
      return {};
    },
    async bytesOnly(prompt) {
      const response = await requestStream(prompt);
      let bytes = 0;
      await new Promise((resolveEnd, reject) => {
        response.body.on('data', (chunk) => {
          bytes += chunk.length;
        });
        response.body.once('end', resolveEnd);
        response.body.once('error', reject);
      });
      if (bytes === 0) throw new Error('empty reply');
      return {};
    },
    async rawSse(prompt) {
      const response = await requestStream(prompt);
      const decoder = new TextDecoder();
      let buffer = '';
      let content = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event !== 'data: [DONE]') content += JSON.parse(event.slice(6)).choices[0]?.delta.content ?? '';
        }
      }
      if (JSON.parse(content).items.length === 0) throw new Error('empty reply');
      return {};
    },
    async streamObject(prompt) {
      const result = ai.streamObject({ model, schema, prompt, onError: ({ error }) => console.error(error) });
      const measured = await iterate(result.partialObjectStream, performance.now());
      await result.object;
      return measured;
    },
    async streamText(prompt) {
      const output = ai.Output.object({ schema });
      const result = ai.streamText({ model, prompt, output, onError: ({ error }) => console.error(error) });
      const measured = await iterate(result.partialOutputStream, performance.now());
      await result.output;
      return measured;
    },
  };
  if (typeof ai.streamText !== 'function' || typeof ai.Output?.object !== 'function') {
    delete modes.streamText;
    console.log('note: the installed `ai` has no streamText with Output.object: that peer is skipped');
  }
  const isPeer = (name) => name === 'streamObject' || name === 'streamText';

  const median = (list) => {
    const sorted = list.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    if (sorted.length === 0) return Number.NaN;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const lags = [];
  const rows = [];
  for (const size of sizes) {
    const prompt = `Write the report. size:${size}`;
    const content = JSON.stringify(report(size));
    const chunks = Math.ceil(Array.from(content).length / PIECE_CHARS);
    const reps = Number(values.reps ?? Math.max(3, Math.round(24_000 / size)));
    const slowPeer = (name) => isPeer(name) && size > 8000;
    const names = Object.keys(modes).filter((name) => !isPeer(name) || size <= Number(values['peer-max-size']));
    const samples = Object.fromEntries(names.map((name) => [name, { cpu: [], wall: [], first: [], partials: [] }]));
    for (const name of names) if (!slowPeer(name)) await modes[name](prompt); // warm-up
    await settle();
    for (let round = 0; round < rounds; round += 1) {
      for (const name of names.map((_, index) => names[(index + round) % names.length])) {
        const sample = samples[name];
        const count = slowPeer(name) ? 1 : reps;
        const firsts = [];
        gc();
        await settle();
        const cpuBefore = process.cpuUsage();
        const wallBefore = performance.now();
        for (let rep = 0; rep < count; rep += 1) {
          const { firstMs, lagMs, partials } = await modes[name](prompt);
          if (firstMs !== undefined) firsts.push(firstMs);
          if (lagMs !== undefined) lags.push(lagMs);
          if (partials !== undefined) sample.partials.push(partials);
        }
        sample.wall.push((performance.now() - wallBefore) / count);
        await settle();
        const cpu = process.cpuUsage(cpuBefore);
        sample.cpu.push((cpu.user + cpu.system) / 1000 / count);
        if (firsts.length > 0) sample.first.push(median(firsts));
      }
    }
    const m = (name, key) => (samples[name] ? median(samples[name][key]) : Number.NaN);
    const row = { size, chunks };
    for (const name of Object.keys(modes)) {
      row[name] = Object.fromEntries(['cpu', 'wall', 'first', 'partials'].map((key) => [key, m(name, key)]));
    }
    row.ratio = row.streamTask.cpu / row.runTask.cpu;
    row.usPerChunk = (row.streamTask.cpu * 1000) / chunks;
    rows.push(row);
    console.error(`size ${size} done (${reps} replies a mode a round, ${rounds} rounds)`);
  }
  await client.close();
  child.stdin.end();

  const f = (value, digits = 1) => (Number.isNaN(value) ? '—' : value.toFixed(digits));
  const cpuWall = (name) => (r) => `${f(r[name].cpu)} / ${f(r[name].wall)}`;
  /** Prints a Markdown table with one row per size; `columns` are [header, cell of a row] pairs. */
  const table = (columns) => {
    console.log(`| ${columns.map(([head]) => head).join(' | ')} |\n|${'---:|'.repeat(columns.length)}`);
    for (const row of rows) console.log(`| ${columns.map(([, cell]) => cell(row)).join(' | ')} |`);
  };
  console.log(`\nnode ${process.version}, ${rounds} rounds, medians; CPU and wall per reply in ms\n`);
  table([
    ['tokens', (r) => r.size],
    ['content chunks', (r) => r.chunks],
    ['runTask CPU / wall', cpuWall('runTask')],
    ['streamTask CPU / wall', cpuWall('streamTask')],
    ['ratio', (r) => `${f(r.ratio, 2)}×`],
    ['µs / chunk', (r) => f(r.usPerChunk, 2)],
    ['partials', (r) => f(r.streamTask.partials, 0)],
    ['first partial', (r) => f(r.streamTask.first, 2)],
  ]);
  const toRunTask = (name) => (r) => `${f(r[name].cpu / r.runTask.cpu, 2)}×`;
  console.log('\nThe same reply streamed, without streamTask (CPU / wall in ms, and CPU × runTask):\n');
  table([
    ['tokens', (r) => r.size],
    ['bytes-only floor', cpuWall('bytesOnly')],
    ['× runTask', toRunTask('bytesOnly')],
    ['raw SSE floor', cpuWall('rawSse')],
    ['× runTask', toRunTask('rawSse')],
    ['runTask streamed', cpuWall('runTaskStreamed')],
    ['× runTask', toRunTask('runTaskStreamed')],
    ['streamTask / raw SSE', (r) => `${f(r.streamTask.cpu / r.rawSse.cpu, 2)}×`],
    ['streamTask / runTask streamed', (r) => `${f(r.streamTask.cpu / r.runTaskStreamed.cpu, 2)}×`],
  ]);
  const peers = Object.keys(modes).filter(isPeer);
  if (rows.some((r) => peers.some((name) => !Number.isNaN(r[name].cpu)))) {
    console.log('\nAI SDK peers (same server, same schema):\n');
    table([
      ['tokens', (r) => r.size],
      ...peers.flatMap((name) => [
        [`${name} CPU / wall`, cpuWall(name)],
        [`${name} first partial`, (r) => f(r[name].first, 2)],
        ['× streamTask CPU', (r) => `${f(r[name].cpu / r.streamTask.cpu, 1)}×`],
      ]),
    ]);
  }
  const lagMedian = median(lags);
  const lagMax = Math.max(...lags.filter((lag) => !Number.isNaN(lag)));
  const missed = lags.filter((lag) => Number.isNaN(lag)).length;
  console.log(
    `\nfirst content chunk received → first partial (streamTask, ${lags.length} replies${missed ? `, ${missed} unmarked` : ''}): median ${f(lagMedian, 3)} ms, max ${f(lagMax, 3)} ms`,
  );
  const [small, large] = [rows[0], rows.at(-1)];
  const growth = large.usPerChunk / small.usPerChunk;
  const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
  console.log(`${verdict(lagMedian <= 1)} first partial within 1 ms of its chunk: median ${f(lagMedian, 3)} ms`);
  const ratios = rows.map((r) => `${r.size}: ${f(r.ratio, 2)}×`).join(', ');
  console.log(`${verdict(rows.every((r) => r.ratio <= 1.5))} streamTask CPU ≤ 1.5× runTask at every size: ${ratios}`);
  console.log(
    `${verdict(growth <= 1.5)} per-chunk CPU flat: ${f(large.usPerChunk, 2)} µs at ${large.size} vs ${f(small.usPerChunk, 2)} µs at ${small.size} tokens (${f(growth, 2)}×, goal ≤ 1.5×)`,
  );
}
