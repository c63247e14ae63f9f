import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';
import { runCli, userText } from './cli-helpers.js';

const KEY = 'sk-cli-eval-0123456789';

/** Text → [expected label, scripted reply]: 8 of 10 right, one item never valid. */
const DATA: Record<string, [string, string]> = {
  'p1 loved it': ['positive', 'positive'],
  'p2 great value': ['positive', 'positive'],
  'p3 would buy again': ['positive', 'Positive.'],
  'p4 fine, I guess': ['positive', 'negative'],
  'n1 broke at once': ['negative', 'negative'],
  'n2 awful support': ['negative', 'negative'],
  'n3 refund please': ['negative', 'negative'],
  'n4 never again': ['negative', 'negative'],
  'u1 arrived on Tuesday': ['neutral', 'neutral'],
  'u2 it is a phone': ['neutral', 'cannot say'],
};

let server: MockQwen;
let directory: string;
let data: string;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: KEY, reply: (request) => DATA[userText(request)]?.[1] ?? 'positive' });
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cli-eval-'));
  data = join(directory, 'labelled.jsonl');
  const lines = Object.entries(DATA).map(([text, [label]]) => JSON.stringify({ text, label }));
  await writeFile(data, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

const env = () => ({ QWEN_TASKS_BASE_URL: server.baseURL, QWEN_TASKS_API_KEY: KEY });
const TASK = 'tasks/sentiment.task.json';

describe('qwen-tasks eval', () => {
  it('computes accuracy, macro-F1, per-label scores, the confusion matrix, tokens, cost and latency', async () => {
    const result = await runCli(['eval', TASK, '--data', data, '--json'], { env: env() });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ task: 'sentiment', total: 10, correct: 8, accuracy: 0.8, failed: 1 });
    expect(report.macroF1).toBeCloseTo((6 / 7 + 8 / 9 + 2 / 3) / 3, 10);
    expect(report.labels).toEqual([
      {
        label: 'positive',
        precision: 1,
        recall: 0.75,
        f1: expect.closeTo(6 / 7, 10),
        support: 4,
        predicted: 3,
        truePositives: 3,
      },
      {
        label: 'negative',
        precision: 0.8,
        recall: 1,
        f1: expect.closeTo(8 / 9, 10),
        support: 4,
        predicted: 5,
        truePositives: 4,
      },
      {
        label: 'neutral',
        precision: 1,
        recall: 0.5,
        f1: expect.closeTo(2 / 3, 10),
        support: 2,
        predicted: 1,
        truePositives: 1,
      },
    ]);
    expect(report.matrix).toEqual({
      rows: ['positive', 'negative', 'neutral'],
      columns: ['positive', 'negative', 'neutral', '(error)'],
      counts: [
        [3, 1, 0, 0],
        [0, 4, 0, 0],
        [0, 0, 1, 1],
      ],
    });
    expect(report.usage.totalTokens).toBeGreaterThan(0);
    expect(report.costUsd).toBeGreaterThan(0);
    expect(report.latencyMs.p50).toBeLessThanOrEqual(report.latencyMs.p90);
    expect(report.latencyMs.p90).toBeLessThanOrEqual(report.latencyMs.p99);
    expect(report.mismatches.map((item: { line: number }) => item.line)).toEqual([4, 10]);
  });

  it('prints aligned text tables and writes a self-contained HTML report with the matrix', async () => {
    const reportFile = join(directory, 'report.html');
    const result = await runCli(['eval', TASK, '--data', data, '--report', reportFile], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^accuracy +0\.800 \(8\/10 exact match\)$/m);
    expect(result.stdout).toMatch(/^label +precision +recall +f1 +support$/m);
    expect(result.stdout).toMatch(/^negative +0\.800 +1\.000 +0\.889 +4$/m);
    expect(result.stdout).toMatch(/^positive +3 +1 +0 +0$/m);
    expect(result.stdout).toMatch(/^latency +p50 [\d,]+ ms, p90 [\d,]+ ms, p99 [\d,]+ ms$/m);
    expect(result.stderr).toMatch(/^progress: 10\/10 done, 1 failed/m);
    const html = await readFile(reportFile, 'utf8');
    expect(html).toContain('<table class="matrix">');
    expect(html).toContain('<table class="labels">');
    expect(html).toMatch(/<td class="hit" style="background:rgba\(9,105,218,0\.75\)[^>]*>3<\/td>/);
    expect(html).not.toMatch(/<script|<link/);
  });

  it('exits with 1 when accuracy is below --min-accuracy, and with 0 when it is not', async () => {
    const failing = await runCli(['eval', TASK, '--data', data, '--min-accuracy', '0.9'], { env: env() });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('accuracy 0.800 is below --min-accuracy 0.900');
    const passing = await runCli(['eval', TASK, '--data', data, '--min-accuracy', '80%'], { env: env() });
    expect(passing.code).toBe(0);
  });

  it('scores a built-in with "expected" values, and refuses data lines without a label (exit code 2)', async () => {
    const expected = join(directory, 'expected.jsonl');
    await writeFile(expected, `${JSON.stringify({ text: 'n1 broke at once', expected: 'negative' })}\n`);
    const builtIn = await runCli(['eval', 'classify', '--labels', 'positive,negative', '--data', expected, '--json'], {
      env: env(),
    });
    expect(builtIn.code).toBe(0);
    expect(JSON.parse(builtIn.stdout)).toMatchObject({ accuracy: 1, total: 1 });
    const broken = join(directory, 'broken.jsonl');
    await writeFile(broken, '{"text": "no label here"}\n');
    const refused = await runCli(['eval', TASK, '--data', broken], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${broken}:1: expected a "label" (or "expected") field`);
  });

  it("warns once per expected label that is not one of the task's labels, naming the label and its first line", async () => {
    const unknown = join(directory, 'unknown-labels.jsonl');
    const lines = [
      { text: 'p1 loved it', label: 'positive' },
      { text: 'n1 broke at once', label: 'negatve' },
      { text: 'n2 awful support', label: 'negatve' },
      { text: 'u1 arrived on Tuesday', label: 'Mixed' },
    ];
    await writeFile(unknown, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const result = await runCli(['eval', TASK, '--data', unknown, '--json'], { env: env() });
    expect(result.code).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual([
      expect.stringContaining(`${unknown}:2: expected label "negatve" is not one of the task's labels`),
      expect.stringContaining(`${unknown}:4: expected label "Mixed" is not one of the task's labels`),
    ]);
    expect(warnings[0]).toContain('positive, negative, neutral');
    expect(JSON.parse(result.stdout)).toMatchObject({ total: 4, correct: 1 });
  });
});
