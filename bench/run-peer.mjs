/**
 * Runs one phase of one peer in this process and prints one JSON line. Started by run.mjs as
 * `node run-peer.mjs <peer> <phase>` with BENCH_BASE_URL, BENCH_API_KEY and BENCH_SETTINGS (JSON) in the environment.
 *
 * A peer module (peers/<peer>.mjs) exports `createPeer({ baseURL, apiKey })` returning
 * `{ classify(text) → label, extract?(message, expected, jsonSchema) → value, classifyAll?(texts, { concurrency }),
 * runToFile?(inputPath, { concurrency, path }), itemsPerCall?, unavailable?, close() }`.
 * Phases: sequential, throughput, latency, corpus, batch-file.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseMessage, jsonSchemaOf, loadCorpusCases, MAX_CALLS_PER_CASE } from './corpus.mjs';
import { generateReviews } from './data.mjs';

const [peerName, phase] = process.argv.slice(2);
const settings = JSON.parse(process.env.BENCH_SETTINGS ?? '{}');
const { createPeer } = await import(`./peers/${peerName}.mjs`);
const peer = await createPeer({ baseURL: process.env.BENCH_BASE_URL, apiKey: process.env.BENCH_API_KEY });

const phases = { sequential, throughput, latency, corpus, 'batch-file': batchFile };
const result = peer.unavailable ? { unavailable: peer.unavailable } : await phases[phase](settings[phase]);
await peer.close();
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ peer: peerName, phase, ...result, maxRssMb })}\n`);

/** Sequential calls after a warm-up: per-call p50/p95 and client CPU per call. */
async function sequential({ warmup, calls }) {
  const reviews = generateReviews(warmup + calls);
  const check = checker();
  for (const review of reviews.slice(0, warmup)) await check(review, () => peer.classify(review.text));
  const durationsMs = [];
  const cpuBefore = process.cpuUsage();
  for (const review of reviews.slice(warmup)) {
    const started = performance.now();
    await check(review, () => peer.classify(review.text));
    durationsMs.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  durationsMs.sort((a, b) => a - b);
  return {
    calls,
    p50Ms: quantile(durationsMs, 0.5),
    p95Ms: quantile(durationsMs, 0.95),
    cpuUsPerCall: (cpu.user + cpu.system) / calls,
    ...check.counts,
  };
}

/** `calls` classifications with `concurrency` in flight (after a warm-up at the same concurrency). */
async function throughput({ warmup, calls, concurrency }) {
  const reviews = generateReviews(warmup + calls);
  const check = checker();
  await inFlight(reviews.slice(0, warmup), concurrency, check);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await inFlight(reviews.slice(warmup), concurrency, check);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    calls,
    concurrency,
    callsPerSecond: (calls / wallMs) * 1000,
    cpuUsPerCall: (cpu.user + cpu.system) / calls,
    ...check.counts,
  };
}

/**
 * `calls` calls with `concurrency` in flight against a server that waits `latencyMs` per request, after a warm-up
 * of two rounds of `concurrency` calls (so connections are open and code is compiled). Ideal time =
 * ⌈calls / concurrency⌉ × latencyMs (with at most `concurrency` calls in flight, each taking `latencyMs`, no client
 * can finish sooner: 2,000 calls at 64 need 32 rounds, the last one of 16 calls); efficiency = ideal / actual. A packing peer (`itemsPerCall` > 1) gets that many
 * items per call, so that it makes the same number of calls.
 */
async function latency({ calls, concurrency, latencyMs }) {
  const itemsPerCall = peer.itemsPerCall ?? 1;
  const warmup = 2 * concurrency * itemsPerCall;
  const reviews = generateReviews(warmup + calls * itemsPerCall);
  const check = checker();
  await inFlight(reviews.slice(0, warmup), concurrency, check);
  const started = performance.now();
  await inFlight(reviews.slice(warmup), concurrency, check);
  const wallMs = performance.now() - started;
  const idealMs = Math.ceil(calls / concurrency) * latencyMs;
  return {
    calls,
    items: calls * itemsPerCall,
    concurrency,
    latencyMs,
    wallMs,
    idealMs,
    efficiency: idealMs / wallMs,
    ...check.counts,
  };
}

/** Every corpus case through the peer's own extraction path; the server counts the calls (see corpus.mjs). */
async function corpus() {
  if (!peer.extract) return { unavailable: 'no extraction path' };
  const cases = loadCorpusCases();
  let valid = 0;
  let equal = 0;
  let attempts = 0;
  const failures = [];
  for (const entry of cases) {
    for (let attempt = 1; attempt <= MAX_CALLS_PER_CASE; attempt += 1) {
      attempts += 1;
      try {
        const value = await peer.extract(caseMessage(entry), entry.expected, jsonSchemaOf(entry.expected));
        valid += 1;
        if (JSON.stringify(value) === JSON.stringify(entry.expected)) equal += 1;
        break;
      } catch (error) {
        if (attempt === MAX_CALLS_PER_CASE)
          failures.push(`${entry.id}: ${String(error?.message ?? error).slice(0, 160)}`);
      }
    }
  }
  return { cases: cases.length, valid, equal, attempts, failures: failures.slice(0, 5), failureCount: failures.length };
}

/**
 * The whole `count`-item run of a batch peer from a JSONL input file to a JSONL results file (both in the temp
 * folder and removed after): wall time, and this process's peak RSS (the input is written by a child process).
 */
async function batchFile({ count, concurrency }) {
  if (!peer.runToFile) return { unavailable: 'no file output' };
  const inputPath = join(tmpdir(), `qwen-tasks-bench-input-${process.pid}.jsonl`);
  const outputPath = join(tmpdir(), `qwen-tasks-bench-output-${process.pid}.jsonl`);
  writeInputFile(inputPath, count);
  try {
    const started = performance.now();
    const summary = await peer.runToFile(inputPath, { concurrency, path: outputPath });
    const wallMs = performance.now() - started;
    return { count, concurrency, wallMs, itemsPerSecond: (count / wallMs) * 1000, summary };
  } finally {
    rmSync(inputPath, { force: true });
    rmSync(outputPath, { force: true });
  }
}

/** `{ id, text }` lines of the first `count` reviews, written by a child process (see write-input.mjs). */
function writeInputFile(path, count) {
  const written = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('write-input.mjs', import.meta.url)), path, String(count)],
    {
      stdio: 'inherit',
    },
  );
  if (written.status !== 0) throw new Error(`writing the input file failed (exit ${written.status})`);
}

/** Runs `reviews` through the peer, `concurrency` at a time (through `classifyAll` when the peer batches). */
async function inFlight(reviews, concurrency, check) {
  if (peer.classifyAll) {
    const labels = await peer.classifyAll(
      reviews.map((review) => review.text),
      { concurrency },
    );
    reviews.forEach((review, index) => {
      check.record(review, labels[index]);
    });
    return;
  }
  let next = 0;
  const worker = async () => {
    while (next < reviews.length) {
      const review = reviews[next];
      next += 1;
      await check(review, () => peer.classify(review.text));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Calls and tallies: a label different from the ground truth is `wrong`, a thrown error is `errors`. */
function checker() {
  const counts = { errors: 0, wrong: 0, firstError: undefined };
  const record = (review, label) => {
    if (label instanceof Error) {
      counts.errors += 1;
      counts.firstError ??= String(label.message).slice(0, 200);
    } else if (label !== review.label) {
      counts.wrong += 1;
    }
  };
  const check = async (review, call) => {
    try {
      record(review, await call());
    } catch (error) {
      record(review, error instanceof Error ? error : new Error(String(error)));
    }
  };
  check.counts = counts;
  check.record = record;
  return check;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
