#!/usr/bin/env node
// The full-size fault soak (docs/reliability.md): 10,000 items through runBatch against the loopback server, 10% of
// the chat requests failing with the fault mix of test/fixtures/reliability-fault-mix.json (429 with and without
// Retry-After, 500/502/503, resets mid-body, truncated bodies, slow headers past the timeout; for the streamed share,
// streams cut or failing mid-way). Checks that every item ends exactly once in the results file, as a valid label or
// a recorded failure, and prints the totals. Exit code 1 when a check fails.
//
//   npm run build && node scripts/soak.mjs [--items 10000] [--concurrency 16] [--real-clock] [--json]
//
// The compiled library is read from dist/ (or SOAK_BUILD_DIR). Backoff and Retry-After waits run on a skipping clock
// (the clock jumps to the end of each wait) unless --real-clock is given.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    'real-clock': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const buildDir = resolve(root, process.env.SOAK_BUILD_DIR ?? 'dist');
const load = (path) => import(pathToFileURL(join(buildDir, path)).href);
const { createClient, defineTask, runBatch } = await load('src/index.js');
const { seededFaults, startMockQwen } = await load('src/testing/index.js');
const mix = JSON.parse(await readFile(join(root, 'test/fixtures/reliability-fault-mix.json'), 'utf8'));

const KEY = 'sk-soak-0000000000';
const LABELS = ['positive', 'negative', 'neutral'];
const EXPECTED_FAILURES = new Set([
  'ContentFilterError',
  'ServerError',
  'ConnectionError',
  'TimeoutError',
  'RateLimitError',
]);
const items = Number(flags.items);
const concurrency = Number(flags.concurrency);
const tasks = {
  online: defineTask({ name: 'sentiment', output: { labels: LABELS } }),
  stream: defineTask({ name: 'sentiment-thinking', thinking: true, output: { labels: LABELS } }),
};

/** The skipping clock of test/reliability/skipping-clock.ts: waits end at once, the clock jumps past them. */
function createSkippingClock() {
  let skippedMs = 0;
  let sleepers = [];
  let timer;
  const now = () => Date.now() + skippedMs;
  const schedule = () => {
    if (timer !== undefined || sleepers.length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      skippedMs = Math.max(skippedMs, Math.min(...sleepers.map((sleeper) => sleeper.wakeAt)) - Date.now());
      const current = now();
      const due = sleepers.filter((sleeper) => sleeper.wakeAt <= current);
      sleepers = sleepers.filter((sleeper) => sleeper.wakeAt > current);
      for (const sleeper of due) sleeper.wake();
      schedule();
    }, 10);
  };
  return {
    get skippedMs() {
      return skippedMs;
    },
    now,
    sleep(delayMs, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise((resolveSleep, reject) => {
        const onAbort = () => {
          sleepers = sleepers.filter((candidate) => candidate !== sleeper);
          reject(signal.reason);
        };
        const sleeper = {
          wakeAt: now() + Math.max(0, delayMs),
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolveSleep();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        sleepers.push(sleeper);
        schedule();
      });
    },
  };
}

function faultName(fault) {
  if (fault.type === 'status') {
    const wait = fault.status === 429 ? (fault.retryAfter === undefined ? ' backoff' : ' Retry-After') : '';
    return `${fault.status}${wait}`;
  }
  if (fault.type === 'html') return `${fault.status} html`;
  if (fault.type === 'sse-error') return `sse-error ${fault.code ?? 'data_inspection_failed'}`;
  return fault.type;
}

const problems = [];
const check = (condition, message) => {
  if (!condition) problems.push(message);
};

async function soak(part, count, directory) {
  const faults = seededFaults({ seed: mix[part].seed, rate: mix.rate, kinds: mix[part].kinds });
  const server = await startMockQwen({ apiKey: KEY, faults });
  const clock = flags['real-clock'] ? undefined : createSkippingClock();
  const client = createClient({
    provider: 'dashscope',
    baseURL: server.baseURL,
    apiKey: KEY,
    timeoutMs: mix.timeoutMs,
    ...(clock === undefined ? {} : { clock }),
  });
  const output = join(directory, `${part}.jsonl`);
  const startedMs = performance.now();
  try {
    const records = Array.from({ length: count }, (_, position) => ({
      id: `${part}-${position}`,
      text: `review number ${position}`,
    }));
    const limits = [];
    const onProgress = (progress) => limits.push(progress.concurrency);
    const run = runBatch(tasks[part], records, {
      client,
      output,
      concurrency,
      onProgress,
      ...(clock === undefined ? {} : { clock }),
    });
    let yielded = 0;
    for await (const _result of run) yielded += 1;
    const summary = await run.summary;
    const realMs = performance.now() - startedMs;
    const text = await readFile(output, 'utf8');
    const lines = text.endsWith('\n')
      ? text
          .slice(0, -1)
          .split('\n')
          .map((line) => JSON.parse(line))
      : [];
    const ids = new Set(lines.map((line) => line.id));
    check(text.endsWith('\n'), `${part}: the results file does not end with a line break`);
    check(lines.length === count, `${part}: ${lines.length} result lines for ${count} items`);
    check(ids.size === count, `${part}: ${ids.size} distinct ids for ${count} items`);
    check(
      records.every((record) => ids.has(record.id)),
      `${part}: an item is missing from the results file`,
    );
    check(yielded === count, `${part}: the run yielded ${yielded} results for ${count} items`);
    check(summary.succeeded + summary.failed === count, `${part}: succeeded + failed is not ${count}`);
    check(summary.stoppedBy === undefined, `${part}: the run stopped: ${summary.stoppedBy?.message}`);
    const failures = {};
    for (const line of lines) {
      if (line.ok)
        check(LABELS.includes(line.value), `${part}: ${line.id} has the value ${JSON.stringify(line.value)}`);
      else {
        check(EXPECTED_FAILURES.has(line.error?.name), `${part}: ${line.id} failed with ${line.error?.name}`);
        failures[line.error?.name] = (failures[line.error?.name] ?? 0) + 1;
      }
    }
    const injected = {};
    for (const request of server.chatRequests()) {
      const fault = faults(request);
      if (fault !== undefined) injected[faultName(fault)] = (injected[faultName(fault)] ?? 0) + 1;
    }
    const injectedTotal = Object.values(injected).reduce((sum, value) => sum + value, 0);
    const requests = server.chatRequests().length;
    check(requests >= summary.succeeded + injectedTotal, `${part}: fewer requests than successes plus faults`);
    return {
      part,
      items: count,
      succeeded: summary.succeeded,
      failed: summary.failed,
      failures,
      requests,
      faultsInjected: injectedTotal,
      injected,
      meanConcurrency:
        Math.round((limits.reduce((sum, value) => sum + value, 0) / Math.max(1, limits.length)) * 10) / 10,
      realSeconds: Math.round(realMs / 100) / 10,
      skippedWaitSeconds: clock === undefined ? 0 : Math.round(clock.skippedMs / 100) / 10,
    };
  } finally {
    await client.close();
    await server.close();
  }
}

const directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-soak-'));
try {
  const streamItems = Math.round(items * mix.streamShare);
  const parts = [await soak('online', items - streamItems, directory), await soak('stream', streamItems, directory)];
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ parts, problems }, null, 2)}\n`);
  } else {
    for (const part of parts) {
      process.stdout.write(
        `${part.part}: ${part.items} items — ${part.succeeded} succeeded, ${part.failed} failed ${JSON.stringify(part.failures)}; ` +
          `${part.requests} requests, ${part.faultsInjected} faults injected ${JSON.stringify(part.injected)}; ` +
          `mean concurrency limit ${part.meanConcurrency} of ${concurrency}; ` +
          `${part.realSeconds} s real, ${part.skippedWaitSeconds} s of waits skipped\n`,
      );
    }
    process.stdout.write(problems.length === 0 ? 'every item ended exactly once\n' : `${problems.join('\n')}\n`);
  }
  process.exitCode = problems.length === 0 ? 0 : 1;
} finally {
  await rm(directory, { recursive: true, force: true });
}
