import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient, loadTask, runBatch } from '../src/index.js';
import { type MockQwen, type MockRequest, startMockQwen } from '../src/testing/index.js';
import { runCli, runShell, userText } from './cli-helpers.js';

const KEY = 'sk-cli-input-0123456789';
const TASK = 'tasks/sentiment.task.json';

function reply(request: MockRequest): string {
  return userText(request).includes('bad') ? 'negative' : 'positive';
}

let server: MockQwen;
let directory: string;
let counter = 0;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY, reply });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-input-'));
});
beforeEach(() => server.reset());
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const env = () => ({ QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY });
const path = (name: string) => join(directory, `${++counter}-${name}`);

async function results(file: string): Promise<{ id: string; ok: boolean; value?: unknown }[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { id: string; ok: boolean; value?: unknown })
    .map(({ id, ok, value }) => ({ id, ok, value }))
    .sort((left, right) => left.id.localeCompare(right.id));
}

/** A JSONL file whose first record has a lone `\r` between two of its fields (JSON whitespace, not a line break). */
const LONE_CR = '{"id": "a",\r"text": "a bad day"}\n{"id": "b", "text": "a good day"}\r\n"a third, bad"\n';

describe('one JSONL reader for the CLI and the library', () => {
  it('reads a file with a lone \\r inside a line as the same records in qwen-tasks run as runBatch does', async () => {
    const input = path('lone-cr.jsonl');
    await writeFile(input, LONE_CR);
    const viaCli = path('cli.jsonl');
    const cli = await runCli(['run', TASK, '-i', input, '-o', viaCli], { env: env() });
    expect(cli.stderr).not.toContain('warning');
    expect(cli.code).toBe(0);

    const viaLibrary = path('library.jsonl');
    const client = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: KEY });
    try {
      await runBatch(await loadTask(TASK), input, { client, output: viaLibrary }).summary;
    } finally {
      await client.close();
    }
    expect(await results(viaCli)).toEqual(await results(viaLibrary));
    expect(await results(viaCli)).toEqual([
      { id: '2', ok: true, value: 'negative' },
      { id: 'a', ok: true, value: 'negative' },
      { id: 'b', ok: true, value: 'positive' },
    ]);
  });

  it('counts the same records in qwen-tasks preview --input and reads them in qwen-tasks eval', async () => {
    const input = path('lone-cr.jsonl');
    await writeFile(input, LONE_CR);
    const preview = await runCli(['preview', TASK, '--input', input, '--json']);
    expect(preview.code).toBe(0);
    expect(JSON.parse(preview.stdout)).toMatchObject({ items: 3, invalidCount: 0 });

    const data = path('labelled.jsonl');
    await writeFile(data, '{"text": "a bad day",\r"label": "negative"}\n{"text": "a good day", "label": "positive"}\n');
    const evaluation = await runCli(['eval', TASK, '--data', data, '--json'], { env: env() });
    expect(evaluation.stderr).not.toContain('warning');
    expect(evaluation.code).toBe(0);
    expect(JSON.parse(evaluation.stdout)).toMatchObject({ total: 2, correct: 2 });
  });
});

describe('qwen-tasks run reading a pipe', () => {
  const lines = Array.from({ length: 5 }, (_, index) => JSON.stringify({ id: `p${index}`, text: `text ${index}` }));

  it('runs every record it reads from -i /dev/stdin fed by a shell pipe, with progress and no total', async () => {
    const input = path('in.jsonl');
    await writeFile(input, `${lines.join('\n')}\n`);
    const output = path('out.jsonl');
    const result = await runShell(`cat "${input}" | $CLI run ${TASK} -i /dev/stdin -o "${output}"`, env());
    expect(result.code).toBe(0);
    expect((await results(output)).map((line) => line.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(server.chatRequests()).toHaveLength(5);
    expect(result.stderr).toMatch(/^progress: 5(\/5)? done, 0 failed, /m);
    expect(result.stderr).toMatch(/^done: 5 succeeded, 0 failed of 5 in \d+s$/m);
  });

  it('runs every record written into a named pipe (FIFO) by another process', async () => {
    const fifo = path('in.fifo');
    execFileSync('mkfifo', [fifo]);
    const output = path('out.jsonl');
    const writer = runShell(`sleep 0.2; printf '%s\\n' ${lines.map((line) => `'${line}'`).join(' ')} > "${fifo}"`);
    const result = await runCli(['run', TASK, '-i', fifo, '-o', output], { env: env() });
    expect((await writer).code).toBe(0);
    expect(result.code).toBe(0);
    expect((await results(output)).map((line) => line.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('totals the records of a pipe in qwen-tasks preview --input /dev/stdin', async () => {
    const result = await runShell(`printf '"one"\\n"two"\\n' | $CLI preview ${TASK} --input /dev/stdin --json`);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ items: 2 });
  });
});

describe('inputs that are not UTF-8', () => {
  const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const records = `${JSON.stringify({ id: 'a', text: 'one' })}\n${JSON.stringify({ id: 'b', text: 'two' })}\n`;

  it('refuses a UTF-16 input file in qwen-tasks run once, saying it is not UTF-8, with exit code 2 and no call', async () => {
    const input = path('utf16.jsonl');
    await writeFile(input, utf16(records.repeat(20)));
    const output = path('out.jsonl');
    const result = await runCli(['run', TASK, '-i', input, '-o', output], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr.match(/not UTF-8/g)).toHaveLength(1);
    expect(result.stderr).toContain('UTF-16');
    expect(result.stderr).not.toContain('warning');
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('refuses a UTF-16 file without a byte-order mark in qwen-tasks preview --input and eval --data', async () => {
    const input = path('utf16-no-bom.jsonl');
    await writeFile(input, Buffer.from(records, 'utf16le'));
    const preview = await runCli(['preview', TASK, '--input', input]);
    expect(preview.code).toBe(2);
    expect(preview.stderr).toContain(`${input} is not UTF-8`);
    const evaluation = await runCli(['eval', TASK, '--data', input], { env: env() });
    expect(evaluation.code).toBe(2);
    expect(evaluation.stderr).toContain(`${input} is not UTF-8`);
  });

  it('warns once, naming the first line, when a file holds bytes that are not UTF-8 (Latin-1)', async () => {
    const input = path('latin1.jsonl');
    const lines = [
      '{"id": "a", "text": "caf\u00e9"}',
      '{"id": "b", "text": "na\u00efve"}',
      '{"id": "c", "text": "ok"}',
    ];
    await writeFile(input, Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
    const result = await runCli(['preview', TASK, '--input', input, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr.match(/not UTF-8/g)).toHaveLength(1);
    expect(result.stderr).toContain(`${input}:1`);
  });

  it('does not warn about a real U+FFFD in a UTF-8 file with a byte-order mark and CRLF line ends', async () => {
    const input = path('replacement-char.jsonl');
    const lines = ['{"id": "a", "text": "broken \uFFFD glyph"}', '{"id": "b", "text": "another \uFFFD"}'];
    await writeFile(input, `\uFEFF${lines.join('\r\n')}\r\n`);
    const result = await runCli(['preview', TASK, '--input', input, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('not UTF-8');
    expect(JSON.parse(result.stdout)).toMatchObject({ items: 2, invalidCount: 0 });
  });
});
