import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run-batch.js';
import { defineTask, InputError } from '../src/index.js';
import { fileLines, ids, sortedIds, spawnKillChild, useBatchHarness } from './helpers/batch-harness.js';

const KEY = 'sk-test-batch-output-guard';
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
const topic = defineTask({ name: 'topic', output: { labels: ['billing', 'shipping'] } });

const { server, client, freshPath } = useBatchHarness(KEY);

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('resume never cuts or appends to a file that is not a results file', () => {
  for (const [kind, content] of [
    ['a minified JSON file', '{"name":"settings","values":[1,2,3],"nested":{"deep":true}}'],
    ['a one-line note', 'remember to send the invoices on Friday'],
    ['a JSON object with an id', '{"id":"x-1","note":"not a result"}'],
  ] as const) {
    it(`refuses ${kind} whose only line has no line break, leaving it byte-identical and sending nothing`, async () => {
      const output = freshPath('not-results.json');
      await writeFile(output, content);
      const error = await rejection(runBatch(sentiment, ['fine'], { client, output, resume: true }).summary);
      expect(error).toBeInstanceOf(InputError);
      expect(error).toMatchObject({ path: 'output', message: expect.stringMatching(/is not a results file/) });
      expect(await readFile(output, 'utf8')).toBe(content);
      expect(server.chatRequests()).toHaveLength(0);
    });
  }

  it('still cuts off a torn result line after complete ones, and a last result that lacks its line break', async () => {
    const torn = freshPath('torn.jsonl');
    await runBatch(sentiment, ['a', 'b'], { client, output: torn }).summary;
    await appendFile(torn, '{"id":"2","index":2,"ok":tr');
    const resumed = await runBatch(sentiment, ['a', 'b', 'c'], { client, output: torn, resume: true }).summary;
    expect(resumed).toMatchObject({ skipped: 2, succeeded: 1 });
    expect(sortedIds(await fileLines(torn))).toEqual(ids(3));

    const whole = freshPath('whole.jsonl');
    await runBatch(sentiment, ['a'], { client, output: whole }).summary;
    await writeFile(whole, (await readFile(whole, 'utf8')).trimEnd());
    const again = await runBatch(sentiment, ['a', 'b'], { client, output: whole, resume: true }).summary;
    expect(again).toMatchObject({ skipped: 0, succeeded: 2 });
    expect(sortedIds(await fileLines(whole))).toEqual(ids(2));
  });
});

/** Starts the kill-child fixture (300 items, resume, concurrency 4) against the harness server. */
function startChild(output: string): { process: ChildProcess; exited: Promise<number | null> } {
  const child = spawnKillChild({ baseURL: server.baseURL, apiKey: KEY, output, items: 300, stdio: 'ignore' });
  return { process: child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('one run at a time on an output file', () => {
  it('refuses a second run (with or without resume) while a child process holds the lock, and takes the lock over once that process is killed', async () => {
    server.setReply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'positive';
    });
    const output = freshPath('locked.jsonl');
    const child = startChild(output);
    try {
      await waitFor(async () => existsSync(output) && (await readFile(output, 'utf8')).includes('\n'));
      const pid = child.process.pid;
      for (const resume of [true, false]) {
        const error = await rejection(runBatch(sentiment, ['x'], { client, output, resume }).summary);
        expect(error).toBeInstanceOf(InputError);
        expect((error as Error).message).toContain(`in use by process ${pid}`);
        expect((error as Error).message).toContain(`${output}.lock`);
      }
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    expect(existsSync(`${output}.lock`)).toBe(true);
    const records = Array.from({ length: 300 }, (_, position) => ({
      id: `item-${position}`,
      text: `review number ${position}`,
    }));
    const summary = await runBatch(sentiment, records, { client, output, resume: true, concurrency: 16 }).summary;
    expect(summary.skipped + summary.succeeded).toBe(300);
    expect(new Set((await fileLines(output)).map((line) => line.id)).size).toBe(300);
    expect((await fileLines(output)).length).toBe(300);
    expect(existsSync(`${output}.lock`)).toBe(false);
  }, 60_000);

  it('takes over a stale lock file whose pid is no longer alive', async () => {
    const output = freshPath('stale.jsonl');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(`${output}.lock`, JSON.stringify({ pid: Number(gone), host: hostname(), token: 'old' }));
    const summary = await runBatch(sentiment, ['a', 'b'], { client, output }).summary;
    expect(summary).toMatchObject({ succeeded: 2 });
    expect(existsSync(`${output}.lock`)).toBe(false);
  });

  it('refuses a second run in the same process while the first is running, and releases the lock at the end', async () => {
    server.setReply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 'positive';
    });
    const output = freshPath('same-process.jsonl');
    const first = runBatch(sentiment, ['a', 'b', 'c'], { client, output, concurrency: 1 });
    await waitFor(() => existsSync(`${output}.lock`));
    const error = await rejection(runBatch(sentiment, ['d'], { client, output, resume: true }).summary);
    expect((error as Error).message).toMatch(/in use by another run in this process/);
    expect(await first.summary).toMatchObject({ succeeded: 3 });
    expect(existsSync(`${output}.lock`)).toBe(false);
    expect(sortedIds(await fileLines(output))).toEqual(ids(3));
  });
});

describe('a resume checks that the task and the input are the ones that wrote the file', () => {
  it('refuses to resume with another task, sending nothing and leaving the file as it was', async () => {
    const output = freshPath('task.jsonl');
    await runBatch(sentiment, ['a', 'b'], { client, output }).summary;
    const before = await readFile(output, 'utf8');
    server.reset();
    const error = await rejection(runBatch(topic, ['a', 'b', 'c'], { client, output, resume: true }).summary);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/written by task "sentiment", not "topic".*resumeMismatch: 'allow'/);
    expect(await readFile(output, 'utf8')).toBe(before);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('refuses to resume over another input file, accepts records appended to the same one', async () => {
    const output = freshPath('input.jsonl');
    const input = freshPath('in.jsonl');
    const other = freshPath('other.jsonl');
    await writeFile(input, '"first"\n"second"\n');
    await writeFile(other, '"something"\n"else"\n');
    await runBatch(sentiment, input, { client, output }).summary;
    const error = await rejection(runBatch(sentiment, other, { client, output, resume: true }).summary);
    expect((error as Error).message).toMatch(/written for the input .*in\.jsonl/);
    const fromCli = await rejection(
      runBatch(sentiment, ['something', 'else'], { client, output, resume: true, inputPath: other }).summary,
    );
    expect((fromCli as Error).message).toMatch(/written for the input/);

    await appendFile(input, '"third"\n');
    const resumed = await runBatch(sentiment, input, { client, output, resume: true }).summary;
    expect(resumed).toMatchObject({ skipped: 2, succeeded: 1 });
  });

  it("continues a mismatched resume with resumeMismatch: 'allow'", async () => {
    const output = freshPath('allow.jsonl');
    await runBatch(sentiment, ['a'], { client, output }).summary;
    const summary = await runBatch(topic, ['a', 'b'], { client, output, resume: true, resumeMismatch: 'allow' })
      .summary;
    expect(summary).toMatchObject({ skipped: 1, succeeded: 1 });
    expect(() => runBatch(topic, ['a'], { client, output, resume: true, resumeMismatch: 'yes' as 'allow' })).toThrow(
      /resumeMismatch must be/,
    );
  });
});
