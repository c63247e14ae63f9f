import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { type MockQwen, type MockReply, startMockQwen } from '../src/testing/index.js';
import { runCli, userText } from './cli-helpers.js';

const KEY = 'sk-cli-stream-0123456789';

const BULLETS = 'Here are the points:\n- Revenue grew\n- Costs fell,\n  mostly rent\n- Cash is up\n\nHope this helps!';
const INVOICE = '```json\n{"vendor": "ACME — Café", "total": 99.5, "lines": [{"item": "Tea", "amount": 4}]}\n```';
/** Scripted replies by input text, streamed two characters a delta. */
const REPLIES: Record<string, MockReply> = {
  'A long report.': BULLETS,
  'An invoice.': INVOICE,
  'A short note.': '"The note says little."',
  'Too many.': '- a\n- b\n- c\n- d',
};

const byText = (request: { messages: readonly { role: string; content: string }[] }): MockReply =>
  REPLIES[userText(request)] ?? '- x';

let server: MockQwen;
let directory: string;
let schema: string;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY, reply: byText, stream: { pieceChars: 2 } });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-stream-'));
  schema = join(directory, 'invoice.schema.json');
  await writeFile(
    schema,
    JSON.stringify({
      type: 'object',
      properties: {
        vendor: { type: 'string' },
        total: { type: 'number' },
        lines: {
          type: 'array',
          items: { type: 'object', properties: { item: { type: 'string' }, amount: { type: 'number' } } },
        },
      },
      required: ['vendor', 'total', 'lines'],
    }),
  );
});
afterEach(() => {
  server.reset();
  server.setReply(byText);
});
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const env = () => ({ QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY });

describe('--stream on a pipe', () => {
  it.each([
    [['summarize', 'A long report.', '--format', 'bullets']],
    [['summarize', 'A long report.', '--format', 'bullets', '--json']],
    [['summarize', 'A short note.']],
    [['extract', 'An invoice.', '--schema', '<schema>']],
    [['extract', 'An invoice.', '--schema', '<schema>', '--json']],
  ])('prints exactly what the plain command prints: %j', async (args) => {
    const command = args.map((arg) => (arg === '<schema>' ? schema : arg));
    const plain = await runCli(command, { env: env() });
    const streamed = await runCli([...command, '--stream'], { env: env() });
    expect(plain.code).toBe(0);
    expect(streamed).toEqual(plain);
    expect(server.chatRequests().map((request) => request.stream)).toEqual([false, true]);
  });

  it('writes no more items than --max-items allows, so a repair turn that keeps them changes nothing', async () => {
    server.setReply(['- a\n- b\n- c\n- d', '- a\n- b']);
    const result = await runCli(['summarize', 'x', '--format', 'bullets', '--max-items', '2', '--stream'], {
      env: env(),
    });
    expect(result).toEqual({ code: 0, stdout: 'a\nb\n', stderr: '' });
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('writes a replaced list whole after a note on stderr', async () => {
    server.setReply(['- a\n- b\n- c\n- d', '- one\n- two']);
    const result = await runCli(['summarize', 'x', '--format', 'bullets', '--max-items', '2', '--stream'], {
      env: env(),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('a\nb\none\ntwo\n');
    expect(result.stderr).toContain('replaced');
  });

  it('is listed in the help of extract and summarize only', async () => {
    expect((await runCli(['summarize', '--help'])).stdout).toContain('--stream');
    expect((await runCli(['extract', '--help'])).stdout).toContain('--stream');
    expect((await runCli(['classify', 'x', '--labels', 'a,b', '--stream'], { env: env() })).code).toBe(2);
  });
});

describe('--stream on a terminal', () => {
  it('redraws the value in place and leaves the plain output on the screen', async () => {
    const writes: string[] = [];
    const errors: string[] = [];
    const terminal = { write: (text: string) => writes.push(text), isTTY: true, columns: 80 };
    const io = {
      stdout: terminal,
      stderr: { write: (text: string) => errors.push(text) },
      stdin: Readable.from([]),
      env: env(),
    };
    const code = await main(['extract', 'An invoice.', '--schema', schema, '--stream'], io);
    expect(errors.join('')).toBe('');
    expect(code).toBe(0);
    const screen = renderTerminal(writes.join(''));
    const plain = await runCli(['extract', 'An invoice.', '--schema', schema], { env: env() });
    expect(screen).toBe(plain.stdout);
    // It was redrawn (the pretty JSON changes shape as it grows), not just written once.
    expect(writes.join('')).toContain('\x1b[J');
    expect(writes.length).toBeGreaterThan(2);
  });
});

/** What a terminal shows after `output`: handles text, `\n`, `\r`, cursor up (`ESC[nA`) and clear below (`ESC[J`). */
function renderTerminal(output: string): string {
  const lines: string[] = [''];
  let row = 0;
  let column = 0;
  const ESC = String.fromCharCode(27);
  for (let index = 0; index < output.length; index += 1) {
    const control = new RegExp(`^${ESC}\\[(\\d*)([AJ])`).exec(output.slice(index));
    if (control) {
      if (control[2] === 'A') row = Math.max(0, row - Number(control[1] || 1));
      else {
        lines.splice(row + 1);
        lines[row] = (lines[row] ?? '').slice(0, column);
      }
      index += control[0].length - 1;
      continue;
    }
    const character = output[index] as string;
    if (character === '\n') {
      row += 1;
      column = 0;
      lines[row] ??= '';
    } else if (character === '\r') {
      column = 0;
    } else {
      const line = lines[row] ?? '';
      lines[row] = line.slice(0, column) + character + line.slice(column + 1);
      column += 1;
    }
  }
  return lines.join('\n');
}
