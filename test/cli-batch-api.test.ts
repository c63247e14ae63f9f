import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockQwen, type MockRequest, startMockQwen } from '../src/testing/index.js';
import { type CliResult, runCli, startCli, userText } from './cli-helpers.js';

const KEY = 'sk-cli-batch-api-0123456789';
const TASK = 'tasks/sentiment.task.json';

/**
 * The provider's batch stays in progress until the test opens the gate: answering its lines (on the poll that moves
 * it on) waits for it, as a real batch takes hours. `openGate` lets the waiting poll answer them; `dropGate` makes it
 * fail, so the batch stays in progress, and later polls answer at once.
 */
let holding = true;
let openGate: () => void = () => {};
let dropGate: () => void = () => {};
let gate: Promise<void> = Promise.resolve();

function reply(request: MockRequest): string | Promise<string> {
  const label = userText(request).includes('bad') ? 'negative' : 'positive';
  return request.route === 'batches' && holding ? gate.then(() => label) : label;
}

let server: MockQwen;
let directory: string;
let counter = 0;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY, reply });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-batch-api-'));
});
beforeEach(() => {
  server.reset();
  holding = true;
  gate = new Promise((resolve, reject) => {
    openGate = resolve;
    dropGate = () => {
      holding = false;
      reject(new Error('the held poll fails; the batch stays in progress'));
    };
  });
  gate.catch(() => undefined);
});
afterEach(() => openGate());
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const env = () => ({ DASHSCOPE_API_KEY: KEY, DASHSCOPE_BASE_URL: server.baseURL });

async function writeInput(count: number): Promise<string> {
  const path = join(directory, `in-${++counter}.jsonl`);
  const lines = Array.from({ length: count }, (_, index) =>
    JSON.stringify({ id: `item-${index + 1}`, text: `review ${index + 1} ${index % 2 ? 'good' : 'bad'}` }),
  );
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const posts = (pattern: RegExp) =>
  server.requests.filter((request) => request.method === 'POST' && pattern.test(request.path));
const created = () => posts(/\/batches$/);
const cancels = () => posts(/\/batches\/[^/]+\/cancel$/);

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `qwen-tasks run --batch-api`, waits until its batch is created and polled, and presses Ctrl-C once. */
async function interruptedRun(input: string, output: string): Promise<{ result: CliResult; elapsedMs: number }> {
  const { child, result } = startCli(['run', TASK, '-i', input, '-o', output, '--batch-api'], { env: env() });
  try {
    await until(() => created().length === 1, 'the batch to be created');
    await until(
      () => server.requests.some((request) => request.method === 'GET' && /\/batches\//.test(request.path)),
      'a poll',
    );
    const started = Date.now();
    child.kill('SIGINT');
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('still running 10 s after Ctrl-C')), 10_000).unref();
    });
    const ended = await Promise.race([result, timeout]);
    return { result: ended, elapsedMs: Date.now() - started };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('qwen-tasks run --batch-api and Ctrl-C', () => {
  it("stops at the first Ctrl-C, leaves the provider's batch running, prints the resume command, and the resume re-attaches", async () => {
    const input = await writeInput(4);
    const output = join(directory, `out-${++counter}.jsonl`);
    const { result, elapsedMs } = await interruptedRun(input, output);
    expect(result.code).toBe(130);
    expect(elapsedMs).toBeLessThan(5_000);
    expect(cancels()).toHaveLength(0);
    expect(result.stderr).toContain('keep running');
    const command = /To resume:\n {2}(.+)\n/.exec(result.stderr)?.[1];
    expect(command).toBe(`qwen-tasks run ${TASK} -i ${input} -o ${output} --batch-api --resume`);

    openGate();
    const resumed = await runCli(command!.split(' ').slice(1), { env: env() });
    expect(resumed.code).toBe(0);
    expect(created()).toHaveLength(1); // the same batch, not a new one
    const ids = (await readFile(output, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.sort()).toEqual(['item-1', 'item-2', 'item-3', 'item-4']);
  });

  it("cancels the provider's batches of a stopped run only when asked, with --cancel", async () => {
    const input = await writeInput(2);
    const output = join(directory, `out-${++counter}.jsonl`);
    const { result } = await interruptedRun(input, output);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`--batch-api --cancel`);
    expect(cancels()).toHaveLength(0);

    dropGate();
    const cancelled = await runCli(['run', TASK, '-i', input, '-o', output, '--batch-api', '--cancel'], { env: env() });
    expect(cancelled.code).toBe(0);
    expect(cancels()).toHaveLength(1);
    const batchId = cancels()[0]!.path.split('/').at(-2)!;
    expect(cancelled.stderr).toContain(batchId);
    expect(cancelled.stderr).toContain('--resume');
  });

  it('refuses --cancel without --batch-api, with exit code 2', async () => {
    const input = await writeInput(1);
    const result = await runCli(['run', TASK, '-i', input, '-o', join(directory, 'none.jsonl'), '--cancel'], {
      env: env(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--cancel works with --batch-api');
  });
});
