import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchItemResult, readBatchResults } from '../../src/index.js';
import { type MockQwen, startMockQwen } from '../../src/testing/index.js';
import { TEST_BUILD_DIR } from '../helpers/test-build.js';
import { reportFigures } from './report-figures.js';

const KEY = 'sk-reliability-crash-resume';
const ITEMS = 400;
const KILLS = 5;
const SEED = 20_250_611;
const CHILD = fileURLToPath(new URL('../fixtures/reliability-kill-child.mjs', import.meta.url));

let server: MockQwen;
let directory: string;

beforeAll(async () => {
  // 10 ms per answer and 8 calls at a time: a run lasts about half a second, so the kills land mid-run.
  server = await startMockQwen({ apiKey: KEY, latencyMs: 10 });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-crash-resume-'));
});
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

/** mulberry32: the kill points depend only on the seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function startChild(output: string): { process: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [CHILD], {
    env: {
      ...process.env,
      KILL_BUILD_DIR: TEST_BUILD_DIR,
      KILL_BASE_URL: server.baseURL,
      KILL_API_KEY: KEY,
      KILL_OUTPUT: output,
      KILL_ITEMS: String(ITEMS),
      KILL_CONCURRENCY: '8',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { process: child, exited };
}

const readText = (path: string): Promise<string> => readFile(path, 'utf8').catch(() => '');
const completeLines = (text: string): number => text.split('\n').length - 1;
const pause = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));

/** Once the file has `lines` complete lines, waits `extraMs` more (the kill then lands anywhere), and SIGKILLs. */
async function killAfter(output: string, lines: number, extraMs: number): Promise<void> {
  const child = startChild(output);
  let exit: Exit | undefined;
  void child.exited.then((value) => {
    exit = value;
  });
  while (completeLines(await readText(output)) < lines) {
    if (exit !== undefined)
      throw new Error(`the child ended before ${lines} lines (code ${exit.code}): ${exit.stderr}`);
    await pause(2);
  }
  await pause(extraMs);
  child.process.kill('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
}

describe(`a batch killed with SIGKILL at ${KILLS} seeded points and resumed each time`, () => {
  it('ends with every id on exactly one line, and never reads a torn line as a result', async () => {
    const random = seededRandom(SEED);
    // Kill points: a number of finished lines (5%–85% of the items, rising) plus 0–15 ms, so kills hit any moment.
    const targets = Array.from({ length: KILLS }, () => Math.round(ITEMS * (0.05 + 0.8 * random()))).sort(
      (left, right) => left - right,
    );
    const output = join(directory, 'results.jsonl');
    const linesAtKill: number[] = [];
    for (const [round, target] of targets.entries()) {
      await killAfter(output, target, Math.floor(random() * 16));
      const text = await readText(output);
      linesAtKill.push(completeLines(text));
      // What a crash in the middle of a write leaves: a last line without its line break. Two of them are made by
      // hand (a real SIGKILL rarely splits one short write): half a line, and a whole object without the break.
      if (round === 1) await appendFile(output, '{"id":"item-399","index":399,"ok":true,"val');
      if (round === 3) await appendFile(output, '{"id":"item-398","index":398,"ok":true,"value":"TORN"}');
      // Complete lines are always whole results, and the reader never yields the torn rest.
      const read: BatchItemResult[] = [];
      for await (const result of readBatchResults(output)) read.push(result);
      expect(read).toHaveLength(completeLines(text));
      expect(read.map((result) => result.value)).not.toContain('TORN');
    }
    expect(linesAtKill).toEqual([...linesAtKill].sort((left, right) => left - right));
    expect(linesAtKill.at(-1)).toBeLessThan(ITEMS);

    const before = completeLines(await readText(output));
    const final = await startChild(output).exited;
    expect(final.code, final.stderr).toBe(0);
    const summary = JSON.parse(final.stdout) as { total: number; skipped: number; succeeded: number; failed: number };
    expect(summary).toMatchObject({ total: ITEMS, skipped: before, succeeded: ITEMS - before, failed: 0 });

    const text = await readText(output);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as BatchItemResult);
    const ids = lines.map((line) => line.id);
    expect(ids).toHaveLength(ITEMS);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: ITEMS }, (_, position) => `item-${position}`)));
    expect(lines.every((line) => line.ok && line.value === 'positive')).toBe(true);
    expect(text).not.toContain('TORN');
    reportFigures('crash/resume', { seed: SEED, targets, linesAtKill, finalRun: summary });
  }, 60_000);
});
