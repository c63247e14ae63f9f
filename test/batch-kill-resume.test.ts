import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';
import { spawnKillChild } from './helpers/batch-harness.js';

const KEY = 'sk-test-batch-kill';
const ITEMS = 300;

let server: MockQwen;
let directory: string;

beforeAll(async () => {
  // Slow enough answers that a run lasts about a second and a half, so kills land mid-run.
  server = await startMockQwen({ apiKey: KEY, latencyMs: 20 });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-batch-kill-'));
});
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startChild(output: string): Child {
  const child = spawnKillChild({ baseURL: server.baseURL, apiKey: KEY, output, items: ITEMS, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { process: child, exited };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

const completeLines = (text: string): number => text.split('\n').length - 1;

/** Kills the child with SIGKILL once the results file has `lines` complete lines; returns the count seen then. */
async function killAt(child: Child, output: string, lines: number): Promise<number> {
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const seen = completeLines(await readText(output));
    if (seen >= lines) {
      child.process.kill('SIGKILL');
      const exit = await child.exited;
      expect(exit.signal).toBe('SIGKILL');
      return seen;
    }
    if (exited) {
      const exit = await child.exited;
      throw new Error(`the child ended before ${lines} lines (code ${exit.code}): ${exit.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('a batch killed with SIGKILL and resumed', () => {
  it('ends with every id on exactly one complete line, whatever the moment of the kills', async () => {
    const output = join(directory, 'results.jsonl');
    const seenAtKill: number[] = [];
    for (const share of [0.1, 0.4, 0.7]) {
      seenAtKill.push(await killAt(startChild(output), output, Math.round(ITEMS * share)));
    }
    expect(seenAtKill[0]).toBeLessThan(ITEMS);
    expect(seenAtKill[2]).toBeLessThan(ITEMS);

    const beforeFinal = completeLines(await readText(output));
    const final = await startChild(output).exited;
    expect(final.code, final.stderr).toBe(0);
    const summary = JSON.parse(final.stdout) as { total: number; skipped: number; succeeded: number; failed: number };
    expect(summary).toMatchObject({ total: ITEMS, skipped: beforeFinal, failed: 0 });
    expect(summary.skipped + summary.succeeded).toBe(ITEMS);

    const text = await readText(output);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    const ids = lines.map((line) => (JSON.parse(line) as { id: string; ok: boolean }).id);
    expect(ids).toHaveLength(ITEMS);
    expect(new Set(ids).size).toBe(ITEMS);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: ITEMS }, (_, position) => `item-${position}`)));
  }, 60_000);
});
