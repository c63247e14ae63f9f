import { describe, expect, it } from 'vitest';
import { ERROR_COLUMN, type LabelPair, labelMetrics, NONE_COLUMN, percentile, valuesEqual } from './eval-score.js';

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
