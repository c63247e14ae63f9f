import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';
import { runCli } from './cli-helpers.js';
import { PROPOSED_INSTRUCTIONS, tuneReply } from './helpers/tune-reply.js';

const KEY = 'sk-cli-tune-0123456789';
const TASK = 'test/fixtures/tune/sentiment.task.yaml';
const DATA = 'test/fixtures/tune/reviews.jsonl';

let server: MockQwen;
let directory: string;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY, reply: tuneReply });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-tune-'));
});
beforeEach(() => server.reset());
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const env = () => ({ QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY });

/** Runs `qwen-tasks tune` with its own cache folder, writing to `out` in the test folder. */
function tune(out: string, cache: string, ...more: string[]) {
  const args = ['tune', TASK, '--data', DATA, '--out', join(directory, out), '--max-cost', '1', '--seed', '2'];
  return runCli([...args, '--cache', join(directory, cache), ...more], { env: env() });
}

describe('qwen-tasks tune', () => {
  it('writes a tuned YAML file that keeps the comments and passes check, and prints before/after on test', async () => {
    const result = await tune('tuned.task.yaml', 'cache-a');
    expect(result.stderr).toContain('candidate 0 original: dev macro-F1 0.167');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^tuned review-sentiment on 36 items \(18 train, 9 dev, 9 test\), seed 2$/m);
    expect(result.stdout).toMatch(/^ {2}macro-F1 +0\.167 +1\.000$/m);
    expect(result.stdout).toContain(`→ candidate 10: ${PROPOSED_INSTRUCTIONS}`);
    const text = await readFile(join(directory, 'tuned.task.yaml'), 'utf8');
    expect(text).toContain('# A product-review sentiment task, tuned in the tests');
    expect(text).toContain('# The labels, in the order the prompt lists them.');
    expect(text).toContain('temperature: 0 # deterministic answers');
    expect(text).toContain(`instructions: "${PROPOSED_INSTRUCTIONS}"`);
    expect(text).toMatch(/^labels:\n {2}- positive\n {2}- negative\n {2}- neutral\n/m);
    expect(text).toMatch(/^examples:\n {2}- input: /m);
    // The original's relative $schema, rewritten to point at the same file from the tuned file's folder.
    const schemaPath = /^\$schema: (.+)$/m.exec(text)?.[1] ?? '';
    expect(resolve(directory, schemaPath)).toBe(resolve('schema/task.schema.json'));
    const check = await runCli(['check', join(directory, 'tuned.task.yaml')]);
    expect(check.stderr).toContain('all valid');
    expect(check.code).toBe(0);
  });

  it('writes the same file for the same seed, and makes no request when run again on the same cache', async () => {
    await tune('first.task.yaml', 'cache-b');
    const sent = server.chatRequests().length;
    expect(sent).toBeGreaterThan(0);
    const again = await tune('second.task.yaml', 'cache-b', '--json');
    expect(again.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(sent);
    expect(JSON.parse(again.stdout)).toMatchObject({ spentUsd: 0, requests: 0 });
    const fresh = await tune('third.task.yaml', 'cache-c');
    expect(fresh.code).toBe(0);
    const [first, second, third] = await Promise.all(
      ['first', 'second', 'third'].map((name) => readFile(join(directory, `${name}.task.yaml`), 'utf8')),
    );
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('writes a JSON original as JSON, and a built-in task whole', async () => {
    const json = join(directory, 'sentiment.task.json');
    await writeFile(
      json,
      JSON.stringify({ name: 'review-sentiment', kind: 'classify', labels: ['positive', 'negative', 'neutral'] }),
    );
    const out = join(directory, 'tuned-json.task.json');
    const args = ['--data', DATA, '--max-cost', '1', '--cache', join(directory, 'cache-d')];
    const fromJson = await runCli(['tune', json, '--out', out, ...args], { env: env() });
    expect(fromJson.code).toBe(0);
    const tuned = JSON.parse(await readFile(out, 'utf8'));
    expect(Object.keys(tuned)).toEqual(['name', 'kind', 'labels', 'instructions', 'examples']);
    const builtinOut = join(directory, 'builtin.task.yaml');
    const builtin = await runCli(
      ['tune', 'classify', '--labels', 'positive,negative,neutral', '--out', builtinOut, ...args],
      { env: env() },
    );
    expect(builtin.code).toBe(0);
    expect(await readFile(builtinOut, 'utf8')).toMatch(/^name: classify\nkind: classify\nlabels:\n {2}- positive\n/);
    expect((await runCli(['check', builtinOut])).code).toBe(0);
  });

  it('stops cleanly under a cap smaller than one candidate and writes the original unchanged (but its $schema path)', async () => {
    const result = await tune('capped.task.yaml', 'cache-e', '--max-cost', '0.000000001');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('stopped early: maxCostUsd 1e-9 USD: candidate "original" would bring the spend');
    expect(server.chatRequests()).toEqual([]);
    const withoutSchema = (text: string) => text.replace(/^\$schema: .*$/m, '');
    const written = await readFile(join(directory, 'capped.task.yaml'), 'utf8');
    expect(withoutSchema(written)).toBe(withoutSchema(await readFile(TASK, 'utf8')));
    expect(resolve(directory, /^\$schema: (.+)$/m.exec(written)?.[1] ?? '')).toBe(resolve('schema/task.schema.json'));
  });

  it.each([
    [['--out', 'x.task.yaml', '--max-cost', '1'], '--data PATH is required'],
    [['--data', DATA, '--max-cost', '1'], '--out PATH is required'],
    [['--data', DATA, '--out', 'x.txt', '--max-cost', '1'], '--out must name a .task.yaml, .task.yml or .task.json'],
    [['--data', DATA, '--out', 'x.task.yaml'], '--max-cost USD is required'],
    [['--data', DATA, '--out', 'x.task.yaml', '--max-cost', '1', '--split', '0.5,0.5'], '--split must be three'],
  ])('refuses %j with a usage error', async (args, message) => {
    const result = await runCli(['tune', TASK, ...args], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('has a --help that names every flag', async () => {
    const result = await runCli(['tune', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--data', '--out', '--max-cost', '--seed', '--split', '--max-examples', '--cache']) {
      expect(result.stdout).toContain(flag);
    }
  });
});
