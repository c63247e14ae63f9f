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

/** Text → [expected label, the model's label, its probabilities]: 4 of 5 right, one item never valid. */
const CONFIDENT: Record<string, [string, string, Record<string, number>]> = {
  'c1 loved it': ['positive', 'positive', { positive: 0.95, negative: 0.03, neutral: 0.02 }],
  'c2 great value': ['positive', 'positive', { positive: 0.92, negative: 0.05, neutral: 0.03 }],
  'c3 broke at once': ['negative', 'positive', { positive: 0.72, negative: 0.18, neutral: 0.1 }],
  'c4 awful support': ['negative', 'negative', { negative: 0.86, positive: 0.09, neutral: 0.05 }],
  'c5 it is a phone': ['neutral', 'neutral', { neutral: 0.55, positive: 0.25, negative: 0.2 }],
  'c6 arrived on Tuesday': ['neutral', 'cannot say', {}],
};

describe('qwen-tasks eval with label confidences', () => {
  let confident: MockQwen;
  let confidentData: string;
  let confidentTask: string;

  beforeAll(async () => {
    confident = await startMockQwen({
      apiKey: KEY,
      reply: (request) => {
        const [, label, scores] = CONFIDENT[userText(request)] ?? ['', 'positive', { positive: 1 }];
        if (Object.keys(scores).length === 0) return label;
        return { content: label, logprobs: { tokens: [{ token: label, top: scores }] } };
      },
    });
    confidentData = join(directory, 'confident.jsonl');
    const lines = Object.entries(CONFIDENT).map(([text, [label]]) => JSON.stringify({ text, label }));
    await writeFile(confidentData, `${lines.join('\n')}\n`);
    confidentTask = join(directory, 'sentiment-confidence.task.mjs');
    await writeFile(
      confidentTask,
      `export default ${JSON.stringify({
        name: 'sentiment-confidence',
        kind: 'classify',
        output: { labels: ['positive', 'negative', 'neutral'] },
        confidence: true,
      })};\n`,
    );
  });
  afterAll(async () => {
    await confident.close();
  });

  const confidentEnv = () => ({ QWEN_TASKS_BASE_URL: confident.baseURL, QWEN_TASKS_API_KEY: KEY });

  it('reports ECE, the multi-class Brier score, the bins, the coverage curve and the target threshold', async () => {
    const result = await runCli(
      ['eval', confidentTask, '--data', confidentData, '--target-accuracy', '0.95', '--json'],
      { env: confidentEnv() },
    );
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ total: 6, correct: 4, failed: 1 });
    const calibration = report.calibration;
    expect(calibration).toMatchObject({ n: 5, excluded: 1 });
    // (the probabilities keep clear of the bin edges: read back from their logarithms, 0.9 may be 0.8999…)
    // bin 9: 2/5 · |1 − 0.935| = 0.026; bin 8: 1/5 · 0.14 = 0.028; bin 7: 1/5 · 0.72 = 0.144; bin 5: 1/5 · 0.45 = 0.09
    expect(calibration.ece).toBeCloseTo(0.288, 10);
    // Σ (score − outcome)² per item: 0.0038, 0.0098, 1.2008, 0.0302, 0.305 → 1.5496 / 5
    expect(calibration.brier).toEqual({ value: expect.closeTo(1.5496 / 5, 10), form: 'multi-class' });
    expect(calibration.bins.map((bin: { count: number }) => bin.count)).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 1, 2]);
    expect(
      calibration.coverage.map((point: { kept: number; accuracy: number }) => [point.kept, point.accuracy]),
    ).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 0.75],
      [5, 0.8],
    ]);
    // "≥ 0.86" keeps the three most confident items, all right
    expect(calibration.target).toMatchObject({
      accuracy: 0.95,
      threshold: { threshold: expect.closeTo(0.86, 10), kept: 3, coverage: 0.6, accuracy: 1 },
    });
    expect(report.mismatches).toEqual([
      expect.objectContaining({ line: 3, predicted: 'positive', confidence: expect.closeTo(0.72, 10) }),
      expect.objectContaining({ line: 6, error: expect.anything() }),
    ]);
  });

  it('prints the threshold sentence and writes the calibration section to the HTML report', async () => {
    const reportFile = join(directory, 'confident.html');
    const result = await runCli(
      ['eval', confidentTask, '--data', confidentData, '--target-accuracy', '95%', '--report', reportFile],
      { env: confidentEnv() },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'calibration (5 items with a confidence; 1 excluded: failed or without a confidence)',
    );
    expect(result.stdout).toMatch(/^ECE +0\.288 /m);
    expect(result.stdout).toMatch(/^Brier +0\.310 \(multi-class/m);
    expect(result.stdout).toMatch(
      /^threshold +confidence ≥ 0\.8(59|60)\d* keeps 60\.0% of the items at 100\.0% accuracy \(target 95\.0%\)$/m,
    );
    const html = await readFile(reportFile, 'utf8');
    expect(html).toContain('<h2>Calibration</h2>');
    expect(html.match(/<g class="bin">/g)).toHaveLength(4);
    expect(html).toContain('<polyline class="curve"');
    expect(html).toContain('<line class="threshold"');
    expect(html).not.toMatch(/<script|<link/);
  });

  it('says when no threshold reaches the target', async () => {
    // the more confident of the two is wrong: accuracy 0 at "≥ 0.72", 1/2 at "≥ 0.55"
    const wrongFirst = join(directory, 'confident-wrong-first.jsonl');
    const lines = ['c3 broke at once', 'c5 it is a phone'].map((text) =>
      JSON.stringify({ text, label: CONFIDENT[text]![0] }),
    );
    await writeFile(wrongFirst, `${lines.join('\n')}\n`);
    const result = await runCli(['eval', confidentTask, '--data', wrongFirst, '--target-accuracy', '0.9'], {
      env: confidentEnv(),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^threshold +no confidence threshold reaches 90\.0% accuracy \(at best 50\.0%, keeping 100\.0% of the items\)$/m,
    );
    const json = await runCli(['eval', confidentTask, '--data', wrongFirst, '--target-accuracy', '0.9', '--json'], {
      env: confidentEnv(),
    });
    expect(JSON.parse(json.stdout).calibration.target).toEqual({ accuracy: 0.9, threshold: null });
  });
});

describe('qwen-tasks eval --target-accuracy', () => {
  it.each(['0', '1.5', '-0.2', 'high', '150%', ''])('refuses %j with exit code 2', async (value) => {
    const result = await runCli(['eval', TASK, '--data', data, `--target-accuracy=${value}`], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--target-accuracy must be a number in (0, 1]');
  });

  it('is only for label tasks', async () => {
    const result = await runCli(['eval', 'summarize', '--data', data, '--target-accuracy', '0.9'], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--target-accuracy needs a label task');
  });

  it('says the task returned no confidences when it has no confidence: true, and adds nothing to the report', async () => {
    const result = await runCli(['eval', TASK, '--data', data, '--target-accuracy', '0.9', '--json'], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      '--target-accuracy: the task returned no confidences, so no threshold can be chosen (enable `confidence: true` on the task)',
    );
    expect(JSON.parse(result.stdout)).not.toHaveProperty('calibration');
    const text = await runCli(['eval', TASK, '--data', data], { env: env() });
    expect(text.stdout).not.toContain('calibration');
  });
});
