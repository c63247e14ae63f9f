import { describe, expect, it } from 'vitest';
import { labelMetrics } from '../batch/eval-metrics.js';
import { buildEvalReport, type EvalReport, type EvaluatedItem } from '../batch/evaluate.js';
import { defineTask } from '../task/define-task.js';
import { escapeHtml, renderEvalText, renderReport } from './eval-report.js';

const metrics = labelMetrics(
  [
    { expected: ['<script>'], predicted: ['<script>'] },
    { expected: ['<script>'], predicted: ['<script>'] },
    { expected: ['<script>'], predicted: ['b&b'] },
    { expected: ['b&b'], predicted: ['b&b'] },
  ],
  ['<script>', 'b&b'],
);

const REPORT: EvalReport = {
  task: 'x"><img src=y>',
  data: 'data.jsonl',
  format: 'label',
  multi: false,
  total: 4,
  correct: metrics.correct,
  accuracy: metrics.accuracy,
  failed: 0,
  macroF1: metrics.macroF1,
  labels: metrics.labels,
  matrix: metrics.matrix,
  usage: { requests: 4, promptTokens: 400, completionTokens: 8, totalTokens: 408 },
  costUsd: 0.00002,
  latencyMs: { p50: 10, p90: 20, p99: 30 },
  mismatches: [{ line: 3, text: 'hi </td><b>', expected: '<script>', predicted: 'b&b' }],
};

describe('renderReport', () => {
  const html = renderReport(REPORT, new Date('2025-01-02T03:04:05Z'));

  it('escapes every value that comes from the task, the data or the model', () => {
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</td><b>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('b&amp;b');
  });

  it('is self-contained: inline CSS, no scripts, no external assets', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=["']?http|url\(/i);
  });

  it('colours matrix cells by their share of the row', () => {
    // row <script>: 2 of 3 items stayed, 1 of 3 went to b&b; row b&b: 1 of 1 stayed
    expect(html).toContain(
      'style="background:rgba(9,105,218,0.67);color:#fff" title="expected &lt;script&gt;, predicted &lt;script&gt;: 2 (66.7% of the row)">2</td>',
    );
    expect(html).toContain('rgba(9,105,218,0.33)');
    expect(html).toContain('style="background:rgba(9,105,218,1);color:#fff"');
  });

  it('lists the per-label table and the wrong items', () => {
    expect(html).toContain('<table class="labels">');
    expect(html).toContain('<td class="text">b&amp;b</td><td>0.500</td><td>1.000</td><td>0.667</td><td>1</td>');
    expect(html).toContain('hi &lt;/td&gt;&lt;b&gt;');
  });
});

describe('escapeHtml', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    );
  });
});

describe('the calibration views', () => {
  const task = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative'] }, confidence: true });
  const usage = { requests: 4, promptTokens: 400, completionTokens: 8, cachedTokens: 0, costUsd: 0.00002 };
  // confidences 0.9 (right), 0.8 (right), 0.6 (wrong); one failed item excluded
  const items: EvaluatedItem[] = [
    { line: 1, text: 'a', expected: 'positive', predicted: 'positive', durationMs: 1, confidence: 0.9 },
    { line: 2, text: 'b', expected: 'negative', predicted: 'negative', durationMs: 1, confidence: 0.8 },
    { line: 3, text: '<b>c</b>', expected: 'negative', predicted: 'positive', durationMs: 1, confidence: 0.6 },
    { line: 4, text: 'd', expected: 'positive', error: { name: 'OutputError', message: 'x' }, durationMs: 1 },
  ];
  const reached = buildEvalReport(task, 'data.jsonl', items, usage, { targetAccuracy: 0.9 });
  // the most confident item is wrong: accuracy 0, 1/2, 2/3 as the threshold falls, never 0.9
  const flipped = items.map((item, index) =>
    index === 0 ? { ...item, predicted: 'negative' } : index === 2 ? { ...item, predicted: 'negative' } : item,
  );
  const missed = buildEvalReport(task, 'data.jsonl', flipped, usage, { targetAccuracy: 0.9 });
  const untargeted = buildEvalReport(task, 'data.jsonl', items, usage);

  it('prints ECE, Brier, the threshold and the non-empty bins in the text view', () => {
    const text = renderEvalText(reached);
    // ECE: (|1 − 0.9| + |1 − 0.8| + |0 − 0.6|) / 3 = 0.3; Brier: (0.01 + 0.04 + 0.36) / 3 = 0.1367
    expect(text).toContain('calibration (3 items with a confidence; 1 excluded: failed or without a confidence)\n');
    expect(text).toMatch(/^ECE +0\.300 \(10 equal-width bins; 0 is perfectly calibrated\)$/m);
    expect(text).toMatch(/^Brier +0\.137 \(binary: \(confidence − correct\)², 0–1\)$/m);
    expect(text).toMatch(
      /^threshold +confidence ≥ 0\.800 keeps 66\.7% of the items at 100\.0% accuracy \(target 90\.0%\)$/m,
    );
    expect(text).toMatch(/^confidence +items +mean confidence +accuracy$/m);
    expect(text).toMatch(/^0\.6–0\.7 +1 +0\.600 +0\.000$/m);
    expect(text).toMatch(/^0\.9–1\.0 +1 +0\.900 +1\.000$/m);
    expect(text).not.toMatch(/^0\.0–0\.1/m);
  });

  it('says when no threshold reaches the target, with the best accuracy one gives', () => {
    const text = renderEvalText(missed);
    expect(text).toMatch(
      /^threshold +no confidence threshold reaches 90\.0% accuracy \(at best 66\.7%, keeping 100\.0% of the items\)$/m,
    );
    expect(renderEvalText(untargeted)).not.toContain('threshold');
  });

  it('prints nothing about calibration without confidences', () => {
    const plain = items.map(({ confidence: _confidence, ...item }) => item);
    const report = buildEvalReport(task, 'data.jsonl', plain, usage, { targetAccuracy: 0.9 });
    expect(renderEvalText(report)).not.toContain('calibration');
    const html = renderReport(report);
    expect(html).not.toContain('Calibration');
    expect(html).not.toContain('<svg');
  });

  it('draws a reliability diagram: accuracy bars against the diagonal, counts and mean-confidence ticks', () => {
    const html = renderReport(reached);
    expect(html).toContain('<h2>Calibration</h2>');
    expect(html).toContain('<span class="muted">ECE (10 bins)</span><b>0.300</b>');
    expect(html).toContain('<span class="muted">Brier (binary)</span><b>0.137</b>');
    expect(html).toContain('<span class="muted">excluded</span><b>1</b>');
    // plot: x 46 + 300·confidence, y 18 + 228·(1 − accuracy); bin 0.9–1.0 is right: a full bar with its count inside
    expect(html).toContain('<rect x="317" y="18" width="28" height="228" fill="rgba(9,105,218,0.7)"/>');
    expect(html).toContain('<line x1="317" x2="345" y1="40.8" y2="40.8" stroke="#1f2328" stroke-width="2"/>');
    expect(html).toContain('<text class="count" x="331" y="242" text-anchor="middle" style="fill:#fff">1</text>');
    // bin 0.6–0.7 is wrong: no bar, its count above the axis
    expect(html).toContain('<rect x="227" y="246" width="28" height="0"');
    expect(html).toContain('<text class="count" x="241" y="243" text-anchor="middle">1</text>');
    expect(html).toContain('<line class="diagonal" x1="46" y1="246" x2="346" y2="18"');
    expect(html.match(/<g class="bin">/g)).toHaveLength(3);
    expect(html).toContain('<title>confidence 0.9–1.0: 1 item, mean confidence 0.900, accuracy 1.000</title>');
  });

  it('draws the accuracy-versus-coverage curve with the target and the chosen threshold', () => {
    const html = renderReport(reached);
    // accuracy axis from 0.6 (the tenth below 2/3): y = 18 + 228·(1 − accuracy) / 0.4
    expect(html).toContain('<polyline class="curve" points="146,18 246,18 346,208"');
    expect(html).toContain('<line class="target" x1="46" x2="346" y1="75" y2="75"');
    expect(html).toContain('<line class="threshold" x1="246" x2="246" y1="246" y2="18"');
    expect(html).toContain('>confidence ≥ 0.800</text>');
    expect(html).toContain(
      '<p class="threshold">confidence ≥ 0.800 keeps 66.7% of the items at 100.0% accuracy (target 90.0%)</p>',
    );
    const missedHtml = renderReport(missed);
    expect(missedHtml).toContain('<line class="target"');
    expect(missedHtml).not.toContain('<line class="threshold"');
    expect(missedHtml).toContain('no confidence threshold reaches 90.0% accuracy');
    const plainHtml = renderReport(untargeted);
    expect(plainHtml).toContain('<polyline class="curve"');
    expect(plainHtml).not.toMatch(/class="(target|threshold)"/);
  });

  it('lists the confidence of wrong items, escapes text and stays self-contained', () => {
    const html = renderReport(reached);
    expect(html).toContain('<th>confidence</th>');
    expect(html).toContain('<td>3</td><td class="wrap">negative</td><td class="wrap">positive</td><td>0.600</td>');
    expect(html).toContain('&lt;b&gt;c&lt;/b&gt;');
    expect(html).not.toMatch(/<script|<link|src=["']?http|url\(|xmlns/i);
  });

  it('draws a single point as a dot', () => {
    const one = buildEvalReport(task, 'data.jsonl', items.slice(0, 1), usage);
    expect(renderReport(one)).toMatch(/<circle cx="346" cy="18" r="3"/);
  });
});
