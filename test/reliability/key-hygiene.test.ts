import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  type BatchProgress,
  ConnectionError,
  ContentFilterError,
  createClient,
  defineTask,
  OutputError,
  type QwenClient,
  runBatch,
  runTask,
  ServerError,
  TimeoutError,
} from '../../src/index.js';
import { type MockFaultSource, type MockQwen, type MockReplySource, startMockQwen } from '../../src/testing/index.js';
import { CLI_PATH } from '../helpers/test-build.js';
import { captureError } from './capture-error.js';

/** A recognisable fake key; its middle part is searched for too, in case a server echoes the key partly. */
const KEY = 'sk-LEAKCANARY-7f3a9c1e5b2d';
const CANARY = 'LEAKCANARY';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
const thinking = defineTask({ name: 'sentiment', thinking: true, output: { labels: ['positive', 'negative'] } });

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-key-hygiene-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Every view of an error a caller or a logger might print: message, stack, JSON, inspect, and the cause chain. */
function errorViews(error: unknown): string[] {
  const views: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    views.push(String(current), JSON.stringify(current) ?? '', inspect(current, { depth: 10 }));
    if (current instanceof Error) views.push(current.message, current.stack ?? '');
    current = current instanceof Error ? current.cause : undefined;
  }
  return views;
}

function expectNoKey(texts: readonly string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(CANARY);
  }
}

async function withServer<T>(
  options: { faults?: MockFaultSource; reply?: MockReplySource; serverKey?: string },
  use: (server: MockQwen) => Promise<T>,
): Promise<T> {
  const server = await startMockQwen({
    apiKey: options.serverKey ?? KEY,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.reply === undefined ? {} : { reply: options.reply }),
  });
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

const dashscope = (server: MockQwen, maxRetries = 0): QwenClient =>
  createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: KEY, maxRetries, timeoutMs: 2000 });
const echoed = `Incorrect API key provided: ${KEY}`;

interface Case {
  name: string;
  server: { faults?: MockFaultSource; reply?: MockReplySource; serverKey?: string };
  call: (server: MockQwen) => Promise<unknown>;
  error: abstract new (...args: never[]) => Error;
}

const cases: Case[] = [
  {
    name: 'a 401 that echoes the key in its body and headers',
    server: { faults: [{ type: 'echo-key', status: 401 }] },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server) }),
    error: AuthenticationError,
  },
  {
    name: 'a Segmind 401 that echoes the key',
    server: { faults: [{ type: 'echo-key', status: 401 }] },
    call: (server) =>
      runTask(sentiment, 'fine', {
        client: createClient({ provider: 'segmind', baseURL: server.segmindURL, apiKey: KEY, maxRetries: 0 }),
      }),
    error: AuthenticationError,
  },
  {
    name: 'a plain 401 for a wrong key',
    server: { serverKey: 'sk-the-right-key-000' },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server) }),
    error: AuthenticationError,
  },
  {
    name: 'a 500 with the key in its body, retried twice',
    server: { faults: () => ({ type: 'echo-key', status: 500 }) },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server, 2) }),
    error: ServerError,
  },
  {
    name: 'a 400 with the key as its code, message and request id',
    server: { reply: { status: 400, body: { error: { code: KEY, message: echoed }, request_id: KEY } } },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server) }),
    error: BadRequestError,
  },
  {
    name: 'an HTML error page with the key in its title',
    server: { reply: { status: 502, body: `<html><head><title>Bad gateway for ${KEY}</title></head></html>` } },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server) }),
    error: ServerError,
  },
  {
    name: 'an error object inside a 200 body',
    server: { reply: { status: 200, body: { error: { code: 'invalid_api_key', message: echoed } } } },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server) }),
    error: AuthenticationError,
  },
  {
    name: 'a stream error event that contains the key',
    server: { faults: [{ type: 'sse-error', message: `moderation of request by ${KEY}` }] },
    call: (server) => runTask(thinking, 'fine', { client: dashscope(server) }),
    error: ContentFilterError,
  },
  {
    name: 'a connection reset',
    server: { faults: [{ type: 'reset' }] },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server) }),
    error: ConnectionError,
  },
  {
    name: 'a timeout',
    server: { faults: [{ type: 'slow-headers', delayMs: 5000 }] },
    call: (server) =>
      runTask(sentiment, 'fine', {
        client: createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: KEY, maxRetries: 0 }),
        timeoutMs: 100,
      }),
    error: TimeoutError,
  },
  {
    name: 'replies that repeat the key instead of a label',
    server: { reply: [`My key is ${KEY}`, `Still ${KEY}`] },
    call: (server) => runTask(sentiment, 'fine', { client: dashscope(server) }),
    error: OutputError,
  },
];

describe('the API key never leaks from an error', () => {
  it.each(cases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const error = await withServer(entry.server, (server) => captureError(() => entry.call(server)));
    expect(error).toBeInstanceOf(entry.error);
    expectNoKey(errorViews(error));
  });

  it('the loopback server did echo the key, so the cases above tested something', async () => {
    await withServer({ faults: [{ type: 'echo-key', status: 401 }] }, async (server) => {
      const response = await fetch(`${server.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'qwen-flash', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.headers.get('x-echoed-api-key')).toBe(KEY);
      expect(await response.text()).toContain(KEY);
    });
  });
});

describe('the API key never reaches a results file, a progress event or a summary', () => {
  it('keeps it out of a batch whose items fail in every echoing way', async () => {
    const faults: MockFaultSource = (request) => {
      const kinds = [
        { type: 'echo-key', status: 500 },
        { type: 'status', status: 400, message: echoed, code: 'invalid_parameter_error' },
        { type: 'status', status: 503, message: echoed, shape: 'flat' },
        { type: 'reset' },
        undefined,
      ] as const;
      return kinds[request.index % kinds.length];
    };
    await withServer({ faults }, async (server) => {
      const client = dashscope(server);
      const output = join(directory, 'failing.jsonl');
      const progress: BatchProgress[] = [];
      const run = runBatch(sentiment, Array(20).fill('fine'), { client, output, onProgress: (p) => progress.push(p) });
      const results = [];
      for await (const result of run) results.push(result);
      const summary = await run.summary;
      expect(summary.failed).toBeGreaterThan(0);
      const file = await readFile(output, 'utf8');
      expect(file).toContain('[redacted]');
      expectNoKey([file, JSON.stringify(results), JSON.stringify(progress), JSON.stringify(summary)]);
    });
  });

  it('keeps it out of the stop reason when an echoed 401 stops the run', async () => {
    await withServer({ faults: () => ({ type: 'echo-key', status: 401 }) }, async (server) => {
      const output = join(directory, 'stopped.jsonl');
      const summary = await runBatch(sentiment, ['a', 'b', 'c'], { client: dashscope(server), output }).summary;
      expect(summary.stoppedBy?.name).toBe('AuthenticationError');
      expectNoKey([JSON.stringify(summary), inspect(summary, { depth: 10 }), await readFile(output, 'utf8')]);
    });
  });
});

/** Runs the compiled CLI against the server, with the key in the environment only; stdout and stderr together. */
function runCli(server: MockQwen, args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_PATH, ...args],
      {
        env: { PATH: process.env.PATH, QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('the API key never reaches the CLI output', () => {
  it.each([
    ['a 401 that echoes the key', { type: 'echo-key', status: 401 } as const, 2, /AuthenticationError/],
    ['a 500 with the key in its body', { type: 'echo-key', status: 500 } as const, 1, /ServerError/],
  ])('classify, after %s', async (_name, fault, code, message) => {
    await withServer({ faults: () => fault }, async (server) => {
      const result = await runCli(server, ['classify', 'x', '--labels', 'a,b']);
      expect(result.code).toBe(code);
      expect(result.output).toMatch(message);
      expect(server.chatRequests().length).toBeGreaterThan(0);
      expectNoKey([result.output]);
    });
  });

  it('run, with failing items, its progress, summary and results file', async () => {
    const input = join(directory, 'cli-input.jsonl');
    const output = join(directory, 'cli-output.jsonl');
    await writeFile(input, `${['"one"', '"two"', '"three"'].join('\n')}\n`);
    await withServer({ faults: () => ({ type: 'status', status: 400, message: echoed }) }, async (server) => {
      const args = ['run', 'classify', '--labels', 'a,b', '--input', input, '--output', output, '--json'];
      const result = await runCli(server, args);
      expect(result.code).toBe(1);
      expectNoKey([result.output, await readFile(output, 'utf8')]);
    });
  });
});
