import { describe, expect, it } from 'vitest';
import { escapeHtml, renderReport } from './eval-report.js';
import { type EvalReport, labelMetrics } from './eval-score.js';

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
