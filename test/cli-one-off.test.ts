import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockQwen, type MockReply, startMockQwen } from '../src/testing/index.js';
import { runCli, userText } from './cli-helpers.js';

const KEY = 'sk-cli-one-off-0123456789';

/** Scripted replies by input text. */
const REPLIES: Record<string, MockReply> = {
  'The screen broke on day one.': 'negative',
  'Great battery, awful screen.': 'Neutral.',
  'Charged twice and the export crashes.': 'billing, bug',
  'Nothing to see here.': 'none',
  'Ann Lee, 42, ann@example.com': '```json\n{"name": "Ann Lee", "age": "42"}\n```',
  'A long report.': 'Here are the points:\n- Revenue grew\n- Costs fell',
  'A short note.': 'The note says little.',
  'Unclassifiable.': 'I cannot tell.',
};

let server: MockQwen;
let directory: string;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY, reply: (request) => REPLIES[userText(request)] ?? 'positive' });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-'));
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const env = () => ({ QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY });
const LABELS = ['--labels', 'positive,negative,neutral'];

describe('qwen-tasks classify', () => {
  it('classifies the positional text and prints the label as-is', async () => {
    const result = await runCli(['classify', 'The screen broke on day one.', ...LABELS], { env: env() });
    expect(result).toMatchObject({ code: 0, stdout: 'negative\n', stderr: '' });
    expect(server.chatRequests().map(userText)).toEqual(['The screen broke on day one.']);
  });

  it('reads the text from --file', async () => {
    const file = join(directory, 'review.txt');
    await writeFile(file, '\uFEFFGreat battery, awful screen.');
    const result = await runCli(['classify', '--file', file, ...LABELS], { env: env() });
    expect(result).toMatchObject({ code: 0, stdout: 'neutral\n' });
  });

  it('reads the text from stdin with "-"', async () => {
    const result = await runCli(['classify', '-', ...LABELS], { env: env(), stdin: 'The screen broke on day one.' });
    expect(result).toMatchObject({ code: 0, stdout: 'negative\n' });
  });

  it('prints JSON with --json', async () => {
    const result = await runCli(['classify', 'The screen broke on day one.', ...LABELS, '--json'], { env: env() });
    expect(result).toMatchObject({ code: 0, stdout: '"negative"\n' });
  });

  it('prints several labels one per line with --multi, and a JSON array with --json', async () => {
    const args = ['classify', 'Charged twice and the export crashes.', '--labels', 'billing,bug,feature', '--multi'];
    expect(await runCli(args, { env: env() })).toMatchObject({ code: 0, stdout: 'billing\nbug\n' });
    expect(await runCli([...args, '--json'], { env: env() })).toMatchObject({ code: 0, stdout: '["billing","bug"]\n' });
    const none = await runCli(['classify', 'Nothing to see here.', '--labels', 'a,b', '--multi', '--json'], {
      env: env(),
    });
    expect(none).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('exits with 1 and prints name: message when no valid label is reached', async () => {
    const result = await runCli(['classify', 'Unclassifiable.', ...LABELS], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^OutputError: .*not one of the labels/);
  });
});

describe('qwen-tasks extract and summarize', () => {
  it('extracts JSON valid against the schema file, indented by default and on one line with --json', async () => {
    const schema = join(directory, 'person.schema.json');
    await writeFile(
      schema,
      JSON.stringify({
        type: 'object',
        properties: { name: { type: 'string' }, age: { type: 'integer' } },
        required: ['name', 'age'],
      }),
    );
    const args = ['extract', 'Ann Lee, 42, ann@example.com', '--schema', schema];
    const pretty = await runCli(args, { env: env() });
    expect(pretty).toMatchObject({ code: 0, stdout: '{\n  "name": "Ann Lee",\n  "age": 42\n}\n' });
    expect(await runCli([...args, '--json'], { env: env() })).toMatchObject({
      code: 0,
      stdout: '{"name":"Ann Lee","age":42}\n',
    });
  });

  it('prints bullet points one per line, and a paragraph as text', async () => {
    const bullets = await runCli(['summarize', 'A long report.', '--format', 'bullets', '--max-items', '5'], {
      env: env(),
    });
    expect(bullets).toMatchObject({ code: 0, stdout: 'Revenue grew\nCosts fell\n' });
    const paragraph = await runCli(['summarize', '-', '--max-words', '20'], { env: env(), stdin: 'A short note.' });
    expect(paragraph).toMatchObject({ code: 0, stdout: 'The note says little.\n' });
  });

  it('refuses a schema file that is not JSON, with exit code 2', async () => {
    const schema = join(directory, 'broken.schema.json');
    await writeFile(schema, '{ "type": ');
    const result = await runCli(['extract', 'text', '--schema', schema], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not valid JSON');
  });
});

describe('configuration and usage errors', () => {
  it('names the environment variables in one line and exits with 2 when there is no key', async () => {
    const result = await runCli(['classify', 'text', ...LABELS]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    for (const name of ['QWEN_TASKS_API_KEY', 'DASHSCOPE_API_KEY', 'SEGMIND_API_KEY', 'preview']) {
      expect(lines[0]).toContain(name);
    }
  });

  it('never prints the key, even when the server refuses it (exit code 2)', async () => {
    const wrongKey = 'sk-cli-wrong-key-abcdef987654';
    const result = await runCli(['classify', 'text', ...LABELS], {
      env: { QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: wrongKey },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^AuthenticationError: /);
    expect(result.stdout + result.stderr).not.toContain(wrongKey);
  });

  it.each([
    [['classify', 'text', '--lables', 'a,b'], 'unknown option --lables (did you mean --labels?)'],
    [['classify', 'text'], '--labels is required'],
    [['classify', ...LABELS], 'no text'],
    [['summarize', 'text', '--format', 'bullets', '--max-words', '5'], '--max-words applies to --format paragraph'],
    [['clasify', 'text'], 'unknown command "clasify" (did you mean "classify"?)'],
    [['classify', 'text', ...LABELS, '--api-key', KEY], 'there is no --api-key flag'],
  ])('exits with 2 for %j, explaining: %s', async (args, message) => {
    const result = await runCli(args, { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain(KEY);
    expect(server.chatRequests()).toHaveLength(0);
  });
});

describe('configuration from the environment', () => {
  it('warns once when QWEN_TASKS_BASE_URL (without QWEN_TASKS_API_KEY) loses to DASHSCOPE_API_KEY, saying which wins', async () => {
    const result = await runCli(['classify', 'The screen broke on day one.', ...LABELS], {
      env: { QWEN_TASKS_BASE_URL: 'http://127.0.0.1:9/v1', DASHSCOPE_API_KEY: KEY, DASHSCOPE_BASE_URL: server.baseURL },
    });
    expect(result).toMatchObject({ code: 0, stdout: 'negative\n' });
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/QWEN_TASKS_BASE_URL is set but ignored: DASHSCOPE_API_KEY wins/);
    expect(warnings[0]).toContain('set QWEN_TASKS_API_KEY');
    expect(result.stderr).not.toContain(KEY);
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('warns once when QWEN_TASKS_BASE_URL + QWEN_TASKS_API_KEY win over DASHSCOPE_API_KEY, and not when --provider chooses', async () => {
    const both = { ...env(), DASHSCOPE_API_KEY: 'sk-dashscope-not-used-0123' };
    const result = await runCli(['classify', 'The screen broke on day one.', ...LABELS], { env: both });
    expect(result).toMatchObject({ code: 0, stdout: 'negative\n' });
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/DASHSCOPE_API_KEY is set but ignored: QWEN_TASKS_BASE_URL \+ QWEN_TASKS_API_KEY wins/);
    expect(result.stderr).not.toContain('sk-dashscope-not-used-0123');
    const chosen = await runCli(
      ['classify', 'The screen broke on day one.', ...LABELS, '--provider', 'openai-compatible'],
      { env: both },
    );
    expect(chosen).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('help and version', () => {
  it.each(['classify', 'extract', 'summarize', 'run', 'preview', 'eval', 'tune', 'check'])(
    'prints the help of %s with an example and exits with 0',
    async (command) => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: qwen-tasks ${command}`);
      expect(result.stdout).toMatch(/Examples?:\n {2}qwen-tasks /);
    },
  );

  it('lists every command in the top-level help and prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['classify', 'extract', 'summarize', 'run', 'preview', 'eval', 'tune', 'check']) {
      expect(help.stdout).toContain(`  ${command} `);
    }
    const version = await runCli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});
