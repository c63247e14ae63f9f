import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockQwen, type MockRequest, startMockQwen } from '../src/testing/index.js';
import { runCli, startCli, userText } from './cli-helpers.js';

const KEY = 'sk-cli-run-0123456789';
const TASK = 'tasks/sentiment.task.json';

/** Texts with "fail" never get a valid label; the others are negative when they say "bad". */
function reply(request: MockRequest): string {
  const text = userText(request);
  if (text.includes('fail')) return 'no idea';
  return text.includes('bad') ? 'negative' : 'positive';
}

let fast: MockQwen;
let slow: MockQwen;
let directory: string;
let counter = 0;

beforeAll(async () => {
  fast = await startMockQwen({ apiKey: KEY, reply });
  slow = await startMockQwen({ apiKey: KEY, reply, latencyMs: 300 });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-run-'));
});
beforeEach(() => {
  fast.reset();
  slow.reset();
});
afterAll(async () => {
  await Promise.all([fast.close(), slow.close()]);
  await rm(directory, { recursive: true, force: true });
});

const envFor = (server: MockQwen) => ({ QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY });

/** Writes an input file of `count` items (`item-1`…), those in `failing` (1-based) made to fail. */
async function writeInput(count: number, failing: readonly number[] = []): Promise<string> {
  const path = join(directory, `in-${++counter}.jsonl`);
  const lines = Array.from({ length: count }, (_, index) => {
    const number = index + 1;
    const text = failing.includes(number) ? `please fail ${number}` : `review ${number} ${number % 2 ? 'bad' : 'good'}`;
    return JSON.stringify({ id: `item-${number}`, text });
  });
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

function outputPath(): string {
  return join(directory, `out-${++counter}.jsonl`);
}

async function readResults(path: string): Promise<{ id: string; ok: boolean; value?: string }[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

async function waitForLines(path: string, count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readResults(path)).length < count) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} lines in ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('qwen-tasks run', () => {
  it('writes one result line per item, prints plain progress and a summary, and exits with 1 when items failed', async () => {
    const input = await writeInput(12, [4, 9]);
    const output = outputPath();
    const result = await runCli(['run', TASK, '--input', input, '--output', output, '--concurrency', '3'], {
      env: envFor(fast),
    });
    expect(result.code).toBe(1);
    const results = await readResults(output);
    expect(results.map((line) => line.id).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `item-${i + 1}`).sort());
    expect(
      results
        .filter((line) => !line.ok)
        .map((line) => line.id)
        .sort(),
    ).toEqual(['item-4', 'item-9']);
    expect(results.find((line) => line.id === 'item-1')?.value).toBe('negative');
    expect(result.stderr).toMatch(/^progress: 12\/12 done, 2 failed, [\d.]+ items\/s, [\d,]+ tokens, \$[\d.]+$/m);
    expect(result.stderr).toMatch(/^done: 10 succeeded, 2 failed of 12 in \d+s$/m);
    expect(result.stderr).toContain(`--output ${output} --concurrency 3 --resume --retry-failed`);
    expect(result.stderr).not.toContain('\r');
  });

  it('exits with 0 when every item succeeds, and prints the summary as JSON with --json', async () => {
    const input = await writeInput(5);
    const output = outputPath();
    const result = await runCli(['run', TASK, '--input', input, '--output', output, '--json'], { env: envFor(fast) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ total: 5, succeeded: 5, failed: 0, interrupted: false, output });
  });

  it('resumes: ids already in the output are skipped, and every id ends up on one line', async () => {
    const output = outputPath();
    const first = await runCli(['run', TASK, '--input', await writeInput(4), '--output', output], {
      env: envFor(fast),
    });
    expect(first.code).toBe(0);
    fast.reset();
    const input = await writeInput(10);
    const refused = await runCli(['run', TASK, '--input', input, '--output', output], { env: envFor(fast) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --resume');
    const resumed = await runCli(['run', TASK, '--input', input, '--output', output, '--resume'], {
      env: envFor(fast),
    });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/^done: 6 succeeded, 0 failed, 4 already done of 10/m);
    expect(fast.chatRequests()).toHaveLength(6);
    const ids = (await readResults(output)).map((line) => line.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
  });

  it('refuses an --output that is a directory with exit code 2, saying so (not "pass --resume")', async () => {
    const input = await writeInput(2);
    for (const flags of [[], ['--resume']]) {
      const result = await runCli(['run', TASK, '--input', input, '--output', directory, ...flags], {
        env: envFor(fast),
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--output ${directory} is a directory`);
      expect(result.stderr).not.toContain('pass --resume');
    }
    expect(fast.chatRequests()).toHaveLength(0);
  });

  it('refuses to resume into a file that is not a results file (exit code 2), leaving it byte-identical', async () => {
    const input = await writeInput(2);
    const note = join(directory, `note-${++counter}.json`);
    await writeFile(note, '{"settings":{"theme":"dark"}}');
    const result = await runCli(['run', TASK, '--input', input, '--output', note, '--resume'], { env: envFor(fast) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${note} is not a results file`);
    expect(await readFile(note, 'utf8')).toBe('{"settings":{"theme":"dark"}}');
    expect(fast.chatRequests()).toHaveLength(0);
  });

  it('refuses a second run on an output file another run is writing (exit code 2), and the first one finishes', async () => {
    const input = await writeInput(6);
    const output = outputPath();
    const first = startCli(['run', TASK, '--input', input, '--output', output, '--concurrency', '1'], {
      env: envFor(slow),
    });
    await waitForLines(output, 1);
    const second = await runCli(['run', TASK, '--input', input, '--output', output, '--resume'], { env: envFor(slow) });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`The results file ${output} is in use by process ${first.child.pid}`);
    expect((await first.result).code).toBe(0);
    const ids = (await readResults(output)).map((line) => line.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  it('refuses to resume with another task or another input (exit code 2) unless --allow-mismatch', async () => {
    const input = await writeInput(3);
    const output = outputPath();
    expect((await runCli(['run', TASK, '--input', input, '--output', output], { env: envFor(fast) })).code).toBe(0);
    const otherTask = ['classify', '--labels', 'positive,negative'];
    const refused = await runCli(['run', ...otherTask, '--input', input, '--output', output, '--resume'], {
      env: envFor(fast),
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`Cannot resume ${output}`);
    expect(refused.stderr).toContain('pass --allow-mismatch');
    expect(refused.stderr).not.toContain('resumeMismatch');
    const otherInput = await writeInput(4, [1]);
    const refusedInput = await runCli(['run', TASK, '--input', otherInput, '--output', output, '--resume'], {
      env: envFor(fast),
    });
    expect(refusedInput.code).toBe(2);
    expect(refusedInput.stderr).toContain(`Cannot resume ${output}`);
    expect(fast.chatRequests()).toHaveLength(3);
    const allowed = await runCli(
      ['run', TASK, '--input', otherInput, '--output', output, '--resume', '--allow-mismatch'],
      { env: envFor(fast) },
    );
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/^done: 1 succeeded, 0 failed, 3 already done of 4/m);
  });

  it('stops at the --max-cost spend cap with exit code 1 and prints the command that resumes', async () => {
    const input = await writeInput(10);
    const output = outputPath();
    const result = await runCli(['run', TASK, '--input', input, '--output', output, '--max-cost', '0.00001'], {
      env: envFor(fast),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped by BudgetExceeded: .*; \d+ items not processed\. To resume:/);
    expect(result.stderr).toContain(`--max-cost 0.00001 --resume\n`);
    expect((await readResults(output)).length).toBeLessThan(10);
  });

  it('stops taking items on Ctrl-C, lets the ones in flight finish, prints the resume command and exits with 130', async () => {
    const input = await writeInput(20);
    const output = outputPath();
    const { child, result } = startCli(['run', TASK, '--input', input, '--output', output, '--concurrency', '2'], {
      env: envFor(slow),
    });
    await waitForLines(output, 2);
    child.kill('SIGINT');
    const interrupted = await result;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('stopping: no new items');
    const lines = await readResults(output);
    expect(lines.length).toBeLessThan(20);
    // every request that was sent finished and was written: nothing in flight was lost
    expect(slow.chatRequests()).toHaveLength(lines.length);
    const command = /To resume:\n {2}(.+)\n/.exec(interrupted.stderr)?.[1];
    expect(command).toBe(`qwen-tasks run ${TASK} --input ${input} --output ${output} --concurrency 2 --resume`);

    const resumed = await runCli(command!.split(' ').slice(1), { env: envFor(slow) });
    expect(resumed.code).toBe(0);
    const ids = (await readResults(output)).map((line) => line.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });

  it('abandons the items in flight on a second Ctrl-C, keeping the output whole', async () => {
    const input = await writeInput(20);
    const output = outputPath();
    const { child, result } = startCli(['run', TASK, '--input', input, '--output', output, '--concurrency', '4'], {
      env: envFor(slow),
    });
    await waitForLines(output, 1);
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 30));
    child.kill('SIGINT');
    const interrupted = await result;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('To resume:');
    const lines = await readResults(output);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(new Set(lines.map((line) => line.id)).size).toBe(lines.length);
  });
});
