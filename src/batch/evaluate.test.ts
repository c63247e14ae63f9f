import { describe, expect, it } from 'vitest';
import { defineTask } from '../task/define-task.js';
import { ERROR_COLUMN, type LabelPair, labelMetrics, NONE_COLUMN, percentile, valuesEqual } from './eval-metrics.js';
import { buildEvalReport, type EvaluatedItem } from './evaluate.js';

/** Builds single-label pairs from (expected, predicted, count) rows. */
function pairsOf(rows: readonly [string, string | undefined, number][]): LabelPair[] {
  return rows.flatMap(([expected, predicted, count]) =>
    Array.from({ length: count }, () => ({
      expected: [expected],
      predicted: predicted === undefined ? undefined : [predicted],
    })),
  );
}

describe('labelMetrics on single-label data', () => {
  // expected \ predicted:  a  b  c
  //                    a   3  1  0
  //                    b   1  2  0
  //                    c   0  1  1
  const pairs = pairsOf([
    ['a', 'a', 3],
    ['a', 'b', 1],
    ['b', 'a', 1],
    ['b', 'b', 2],
    ['c', 'b', 1],
    ['c', 'c', 1],
  ]);
  const metrics = labelMetrics(pairs, ['a', 'b', 'c']);

  it('builds the confusion matrix with expected labels as rows and predicted labels as columns', () => {
    expect(metrics.matrix).toEqual({
      rows: ['a', 'b', 'c'],
      columns: ['a', 'b', 'c'],
      counts: [
        [3, 1, 0],
        [1, 2, 0],
        [0, 1, 1],
      ],
    });
  });

  it.each([
    ['a', 3 / 4, 3 / 4, 3 / 4, 4],
    ['b', 2 / 4, 2 / 3, 4 / 7, 3],
    ['c', 1, 1 / 2, 2 / 3, 2],
  ])('scores label %s with precision %d, recall %d, F1 %d and support %d', (label, precision, recall, f1, support) => {
    const score = metrics.labels.find((entry) => entry.label === label);
    expect(score?.precision).toBeCloseTo(precision, 12);
    expect(score?.recall).toBeCloseTo(recall, 12);
    expect(score?.f1).toBeCloseTo(f1, 12);
    expect(score?.support).toBe(support);
  });

  it('gives accuracy as the share of exact matches and macro-F1 as the mean of the F1 scores', () => {
    expect(metrics.total).toBe(9);
    expect(metrics.correct).toBe(6);
    expect(metrics.accuracy).toBeCloseTo(6 / 9, 12);
    expect(metrics.macroF1).toBeCloseTo((3 / 4 + 4 / 7 + 2 / 3) / 3, 12);
  });

  it('counts a failed item as wrong, as a miss of its label, and in an (error) column', () => {
    const withFailure = labelMetrics([...pairs, { expected: ['a'], predicted: undefined }], ['a', 'b', 'c']);
    expect(withFailure.matrix.columns).toEqual(['a', 'b', 'c', ERROR_COLUMN]);
    expect(withFailure.matrix.counts[0]).toEqual([3, 1, 0, 1]);
    expect(withFailure.failed).toBe(1);
    expect(withFailure.accuracy).toBeCloseTo(6 / 10, 12);
    const a = withFailure.labels[0];
    expect(a?.recall).toBeCloseTo(3 / 5, 12);
    expect(a?.precision).toBeCloseTo(3 / 4, 12);
  });

  it('keeps the task label order, leaves out labels that never occur, and appends labels seen only in the data', () => {
    const result = labelMetrics(
      pairsOf([
        ['x', 'b', 1],
        ['b', 'b', 1],
      ]),
      ['a', 'b', 'c'],
    );
    expect(result.matrix.rows).toEqual(['b', 'x']);
    expect(result.labels.map((score) => score.label)).toEqual(['b', 'x']);
  });

  it('scores a label that is never predicted with precision 0 and one that is never expected with recall 0', () => {
    const result = labelMetrics(pairsOf([['a', 'b', 2]]), ['a', 'b']);
    expect(result.labels).toEqual([
      { label: 'a', precision: 0, recall: 0, f1: 0, support: 2, predicted: 0, truePositives: 0 },
      { label: 'b', precision: 0, recall: 0, f1: 0, support: 0, predicted: 2, truePositives: 0 },
    ]);
    expect(result.macroF1).toBe(0);
  });

  it('returns zeros for no items', () => {
    expect(labelMetrics([], ['a'])).toMatchObject({ total: 0, correct: 0, accuracy: 0, macroF1: 0, labels: [] });
  });
});

describe('labelMetrics on multi-label data', () => {
  const pairs: LabelPair[] = [
    { expected: ['x', 'y'], predicted: ['x', 'y'] },
    { expected: ['x'], predicted: ['x', 'z'] },
    { expected: ['y'], predicted: [] },
    { expected: ['z'], predicted: ['z'] },
  ];
  const metrics = labelMetrics(pairs, ['x', 'y', 'z']);

  it('scores each label as a binary question per item', () => {
    const scores = Object.fromEntries(metrics.labels.map((score) => [score.label, score]));
    expect(scores.x).toMatchObject({ precision: 1, recall: 1, f1: 1, support: 2 });
    expect(scores.y).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(scores.y?.f1).toBeCloseTo(2 / 3, 12);
    expect(scores.z).toMatchObject({ precision: 0.5, recall: 1, support: 1 });
    expect(scores.z?.f1).toBeCloseTo(2 / 3, 12);
    expect(metrics.macroF1).toBeCloseTo(7 / 9, 12);
  });

  it('counts accuracy as exact match of the label sets, whatever their order', () => {
    const reordered = labelMetrics([{ expected: ['y', 'x'], predicted: ['x', 'y'] }]);
    expect(reordered.accuracy).toBe(1);
    expect(metrics.correct).toBe(2);
    expect(metrics.accuracy).toBe(0.5);
  });

  it('counts label co-occurrence, with a (none) column for items predicted with no label', () => {
    expect(metrics.matrix).toEqual({
      rows: ['x', 'y', 'z'],
      columns: ['x', 'y', 'z', NONE_COLUMN],
      counts: [
        [2, 1, 1, 0],
        [1, 1, 0, 1],
        [0, 0, 1, 0],
      ],
    });
  });
});

describe('percentile', () => {
  const oneToTen = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];

  it.each([
    [50, 5],
    [90, 9],
    [99, 10],
    [100, 10],
    [0, 1],
  ])('gives the %dth percentile of 1..10 by nearest rank as %d', (p, expected) => {
    expect(percentile(oneToTen, p)).toBe(expected);
  });

  it('returns the only value of a single sample and undefined for none', () => {
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe('valuesEqual', () => {
  it.each([
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1 }, { a: 2 }, false],
    [[1, 2], [2, 1], false],
    [' Paris ', 'Paris', true],
    [{ a: null }, {}, true],
    [{ a: 0 }, {}, false],
    [new Date('2025-03-01T00:00:00.000Z'), '2025-03-01T00:00:00.000Z', true],
    [42, '42', false],
    [[{ x: 'a' }], [{ x: 'a' }], true],
    [null, null, true],
  ])('compares %j and %j as %s', (left, right, equal) => {
    expect(valuesEqual(left, right)).toBe(equal);
    expect(valuesEqual(right, left)).toBe(equal);
  });
});

describe('buildEvalReport with label confidences', () => {
  const task = defineTask({
    name: 'sentiment',
    output: { labels: ['positive', 'negative', 'neutral'] },
    confidence: true,
  });
  const usage = { requests: 5, promptTokens: 500, completionTokens: 10, cachedTokens: 0, costUsd: 0.0001 };
  const items: EvaluatedItem[] = [
    {
      line: 1,
      text: 'loved it',
      expected: 'positive',
      predicted: 'positive',
      durationMs: 10,
      confidence: 0.9,
      labelScores: { positive: 0.9, negative: 0.08, neutral: 0.02 },
    },
    {
      line: 2,
      text: 'broke at once',
      expected: 'negative',
      predicted: 'positive',
      durationMs: 10,
      confidence: 0.6,
      labelScores: { positive: 0.6, negative: 0.3, neutral: 0.1 },
    },
    {
      line: 3,
      text: 'a phone',
      expected: 'neutral',
      error: { name: 'OutputError', message: 'no label' },
      durationMs: 10,
    },
    {
      line: 4,
      text: 'awful support',
      expected: 'Negative',
      predicted: 'negative',
      durationMs: 10,
      confidence: 0.8,
      labelScores: { Positive: 0.1, NEGATIVE: 0.8, neutral: 0.1 },
    },
    // escalated to thinking: an answer without a confidence
    { line: 5, text: 'great value', expected: 'positive', predicted: 'positive', durationMs: 10 },
  ];

  it('adds a calibration block over the items with a confidence, counting the others as excluded', () => {
    const report = buildEvalReport(task, 'data.jsonl', items, usage, { targetAccuracy: 0.9 });
    expect(report.accuracy).toBeCloseTo(3 / 5, 12);
    const calibration = report.calibration!;
    expect(calibration.n).toBe(3);
    expect(calibration.excluded).toBe(2);
    // bins 9 (0.9, right), 8 (0.8, right), 6 (0.6, wrong): (0.1 + 0.2 + 0.6) / 3 = 0.3
    expect(calibration.ece).toBeCloseTo(0.3, 12);
    // multi-class, score keys matched to the task's labels ignoring case:
    //   line 1 (positive): 0.1² + 0.08² + 0.02² = 0.0168
    //   line 2 (negative): 0.6² + 0.7² + 0.1²   = 0.86
    //   line 4 (negative): 0.1² + 0.2² + 0.1²   = 0.06      → 0.9368 / 3
    expect(calibration.brier).toEqual({ value: expect.closeTo(0.9368 / 3, 12), form: 'multi-class' });
    expect(calibration.bins.map((bin) => bin.count)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 1, 1]);
    expect(calibration.coverage).toEqual([
      { kept: 1, coverage: 1 / 3, accuracy: 1, threshold: 0.9 },
      { kept: 2, coverage: 2 / 3, accuracy: 1, threshold: 0.8 },
      { kept: 3, coverage: 1, accuracy: 2 / 3, threshold: 0.6 },
    ]);
    expect(calibration.target).toEqual({
      accuracy: 0.9,
      threshold: { threshold: 0.8, shown: '0.800', kept: 2, coverage: 2 / 3, accuracy: 1 },
    });
    expect(report.mismatches).toEqual([
      { line: 2, text: 'broke at once', expected: 'negative', predicted: 'positive', confidence: 0.6 },
      { line: 3, text: 'a phone', expected: 'neutral', error: { name: 'OutputError', message: 'no label' } },
    ]);
  });

  it('leaves the calibration out when no item has a confidence, and for non-label tasks', () => {
    const plain = items.map(({ confidence: _confidence, labelScores: _scores, ...item }) => item);
    const report = buildEvalReport(task, 'data.jsonl', plain, usage, { targetAccuracy: 0.9 });
    expect(report).not.toHaveProperty('calibration');
    expect(report.mismatches[0]).not.toHaveProperty('confidence');
    const text = defineTask({ name: 'echo', format: 'text' });
    expect(buildEvalReport(text, 'data.jsonl', items, usage)).not.toHaveProperty('calibration');
  });

  it('uses the binary Brier score for multi-label items and without label scores', () => {
    const multi = defineTask({ name: 'tags', output: { labels: ['a', 'b'], multi: true } });
    const report = buildEvalReport(
      multi,
      'data.jsonl',
      [
        { line: 1, text: 'x', expected: ['a', 'b'], predicted: ['b', 'a'], durationMs: 1, confidence: 0.7 },
        {
          line: 2,
          text: 'y',
          expected: ['a'],
          predicted: ['b'],
          durationMs: 1,
          confidence: 0.4,
          labelScores: { a: 1 },
        },
      ],
      usage,
    );
    // (0.7 − 1)² and (0.4 − 0)² → (0.09 + 0.16) / 2 = 0.125
    expect(report.calibration?.brier).toEqual({ value: expect.closeTo(0.125, 12), form: 'binary' });
    expect(report.calibration?.target).toBeUndefined();
  });
});
