import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';
import { runCli, userText } from './cli-helpers.js';

const KEY = 'sk-cli-cite-0123456789';
const TEXT = 'Invoice INV-42, issued 3 March 2025.\nTotal due: 1,250.00 EUR.';

let server: MockQwen;
let directory: string;
let schema: string;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-cite-'));
  schema = join(directory, 'invoice.schema.json');
  await writeFile(
    schema,
    JSON.stringify({
      type: 'object',
      properties: { number: { type: 'string' }, total: { type: 'number' }, date: { type: 'string' } },
      required: ['number', 'total', 'date'],
    }),
  );
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const env = () => ({ QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY });
const REPLY = JSON.stringify({
  value: { number: 'INV-42', total: 1250, date: '2025-03-03' },
  quotes: { number: 'Invoice INV-42', total: 'Total due: 1,250.00 EUR', date: 'issued 3 March 2025' },
});

describe('qwen-tasks extract --cite', () => {
  it('prints the value, then a table of pointer, quote and offsets', async () => {
    server.setReply(REPLY);
    const result = await runCli(['extract', TEXT, '--schema', schema, '--cite'], { env: env() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '{',
        '  "number": "INV-42",',
        '  "total": 1250,',
        '  "date": "2025-03-03"',
        '}',
        '',
        'pointer  quote                    start  end',
        '/number  Invoice INV-42           0      14',
        '/total   Total due: 1,250.00 EUR  37     60',
        '/date    issued 3 March 2025      16     35',
        '',
      ].join('\n'),
    );
  });

  it('prints { value, citations } on one line with --json', async () => {
    server.setReply(REPLY);
    const result = await runCli(['extract', TEXT, '--schema', schema, '--cite', '--json'], { env: env() });
    const printed = JSON.parse(result.stdout);
    expect(printed.value.total).toBe(1250);
    expect(printed.citations['/date']).toEqual({ quote: 'issued 3 March 2025', start: 16, end: 35 });
  });

  it('extracts a text in chunks with --chunk-tokens, citing into the whole text and reporting conflicts', async () => {
    const parts = Array.from({ length: 60 }, (_, index) => `Paragraph ${index} has nothing to extract in it at all.`);
    parts[5] = 'Invoice INV-42, issued 3 March 2025.';
    parts[50] = 'Invoice INV-43, issued 3 March 2025.';
    const text = parts.join('\n\n');
    server.setReply((request) => {
      const chunk = userText(request);
      const number = /Invoice (INV-\d+)/.exec(chunk)?.[1];
      if (number === undefined) return JSON.stringify({ value: { number: null }, quotes: { number: null } });
      return JSON.stringify({ value: { number }, quotes: { number: `Invoice ${number}` } });
    });
    const nullable = join(directory, 'number.schema.json');
    await writeFile(nullable, JSON.stringify({ type: 'object', properties: { number: { type: ['string', 'null'] } } }));
    const result = await runCli(['extract', '-', '--schema', nullable, '--cite', '--chunk-tokens', '200'], {
      env: env(),
      stdin: text,
    });
    expect(result.code).toBe(0);
    expect(server.chatRequests().length).toBeGreaterThan(2);
    expect(result.stdout).toContain(`/number  Invoice INV-42  ${text.indexOf('Invoice INV-42')}`);
    expect(result.stdout).toMatch(
      /conflict at \/number: "INV-42" \(chunk 1, at \d+\) vs "INV-43" \(chunk \d+, at \d+\); kept the first/,
    );
  });

  it('refuses --stream with --cite, and a bad --chunk-tokens, before any call', async () => {
    const streamed = await runCli(['extract', TEXT, '--schema', schema, '--cite', '--stream'], { env: env() });
    expect(streamed.code).toBe(2);
    expect(streamed.stderr).toContain('--stream does not combine with --cite or --chunk');
    const bad = await runCli(['extract', TEXT, '--schema', schema, '--chunk-tokens', 'many'], { env: env() });
    expect(bad.code).toBe(2);
    expect(server.chatRequests()).toHaveLength(0);
  });
});
