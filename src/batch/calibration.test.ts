import { describe, expect, it } from 'vitest';
import {
  accuracyCoverageCurve,
  BIN_COUNT,
  binIndex,
  brierScore,
  type CalibrationItem,
  expectedCalibrationError,
  formatThreshold,
  operatingPoints,
  reliabilityBins,
  summarizeCalibration,
  thresholdForAccuracy,
} from './calibration.js';

/** Items from (confidence, correct) pairs. */
function itemsOf(rows: readonly [number, boolean][]): CalibrationItem[] {
  return rows.map(([confidence, correct]) => ({ confidence, correct }));
}

// The running example, six items:
//   confidence  0.95  0.95  0.85  0.60  0.60  0.10
//   correct     yes   no    yes   yes   no    no
const SIX = itemsOf([
  [0.95, true],
  [0.95, false],
  [0.85, true],
  [0.6, true],
  [0.6, false],
  [0.1, false],
]);

describe('binIndex', () => {
  it.each([
    [0, 0],
    [0.09999999999999999, 0],
    [0.1, 1],
    [0.15, 1],
    [0.2, 2],
    [0.3, 3],
    [0.7, 7],
    [0.9, 9],
    [0.99, 9],
    [1, 9],
  ])('puts confidence %d in bin %d (bins are [k/10, (k+1)/10), the last one includes 1)', (confidence, bin) => {
    expect(binIndex(confidence)).toBe(bin);
  });

  it.each([-0.01, 1.01, Number.NaN])('refuses confidence %d', (confidence) => {
    expect(() => binIndex(confidence)).toThrow(RangeError);
  });
});

describe('reliabilityBins', () => {
  it('counts, averages the confidence and scores the accuracy per bin; empty bins have nulls', () => {
    const bins = reliabilityBins(SIX);
    expect(bins).toHaveLength(BIN_COUNT);
    expect(bins.map((bin) => bin.count)).toEqual([0, 1, 0, 0, 0, 0, 2, 0, 1, 2]);
    expect(bins[0]).toEqual({ lower: 0, upper: 0.1, count: 0, meanConfidence: null, accuracy: null });
    expect(bins[1]).toEqual({ lower: 0.1, upper: 0.2, count: 1, meanConfidence: 0.1, accuracy: 0 });
    expect(bins[6]).toMatchObject({ count: 2, meanConfidence: 0.6, accuracy: 0.5 });
    expect(bins[8]).toMatchObject({ count: 1, meanConfidence: 0.85, accuracy: 1 });
    expect(bins[9]).toEqual({ lower: 0.9, upper: 1, count: 2, meanConfidence: 0.95, accuracy: 0.5 });
  });

  it('gives ten empty bins for no items', () => {
    const bins = reliabilityBins([]);
    expect(bins.map((bin) => bin.count)).toEqual(Array(10).fill(0));
    expect(bins.every((bin) => bin.meanConfidence === null && bin.accuracy === null)).toBe(true);
  });
});

describe('expectedCalibrationError', () => {
  it('weighs each bin’s |accuracy − mean confidence| by its share of the items', () => {
    // bin 9: 2/6 · |0.5 − 0.95| = 0.15;  bin 8: 1/6 · |1 − 0.85| = 0.025
    // bin 6: 2/6 · |0.5 − 0.6|  = 0.0333…;  bin 1: 1/6 · |0 − 0.1| = 0.01666…
    // ECE = (0.9 + 0.15 + 0.2 + 0.1) / 6 = 1.35 / 6 = 0.225
    expect(expectedCalibrationError(SIX)).toBeCloseTo(0.225, 12);
  });

  it('puts a confidence of exactly 0.1 in the bin [0.1, 0.2)', () => {
    // together in bin 1: mean 0.125, accuracy 0.5 → |0.5 − 0.125| = 0.375
    // (were 0.1 in bin 0 it would be (|1 − 0.1| + |0 − 0.15|) / 2 = 0.525)
    expect(
      expectedCalibrationError(
        itemsOf([
          [0.1, true],
          [0.15, false],
        ]),
      ),
    ).toBeCloseTo(0.375, 12);
  });

  it('puts a confidence of exactly 0.2 in the bin [0.2, 0.3)', () => {
    // together in bin 2: mean 0.225, accuracy 0.5 → 0.275 (in bin 1 it would be (0.2 + 0.75) / 2 = 0.475)
    expect(
      expectedCalibrationError(
        itemsOf([
          [0.2, false],
          [0.25, true],
        ]),
      ),
    ).toBeCloseTo(0.275, 12);
  });

  it('puts a confidence of 1.0 in the last bin', () => {
    // together in bin 9: mean 0.975, accuracy 0.5 → 0.475 (in a bin of its own it would be (1 + 0.05) / 2 = 0.525)
    expect(
      expectedCalibrationError(
        itemsOf([
          [1, false],
          [0.95, true],
        ]),
      ),
    ).toBeCloseTo(0.475, 12);
  });

  it('is the under-confidence when every item is right', () => {
    // bin 9: 1/3 · |1 − 0.9| = 0.0333…; bin 7: 2/3 · |1 − 0.7| = 0.2 → 0.7 / 3
    const allRight = itemsOf([
      [0.9, true],
      [0.7, true],
      [0.7, true],
    ]);
    expect(expectedCalibrationError(allRight)).toBeCloseTo(0.7 / 3, 12);
    expect(expectedCalibrationError(itemsOf([[1, true]]))).toBe(0);
  });

  it('is undefined for no items', () => {
    expect(expectedCalibrationError([])).toBeUndefined();
  });
});

describe('brierScore', () => {
  it('uses the binary form (confidence − correct)² without label scores', () => {
    // (0.05² + 0.95² + 0.15² + 0.4² + 0.6² + 0.1²) / 6 = (0.0025 + 0.9025 + 0.0225 + 0.16 + 0.36 + 0.01) / 6
    //   = 1.4575 / 6
    const brier = brierScore(SIX);
    expect(brier?.form).toBe('binary');
    expect(brier?.value).toBeCloseTo(1.4575 / 6, 12);
  });

  it('uses the multi-class form Σ (score − [label = expected])² when every item has scores', () => {
    // item 1, expected a: (0.7 − 1)² + 0.2² + 0.1² = 0.09 + 0.04 + 0.01 = 0.14
    // item 2, expected b: 0.6² + (0.3 − 1)² + 0.1² = 0.36 + 0.49 + 0.01 = 0.86   → mean 0.5
    const brier = brierScore([
      { confidence: 0.7, correct: true, expected: 'a', scores: { a: 0.7, b: 0.2, c: 0.1 } },
      { confidence: 0.6, correct: false, expected: 'b', scores: { a: 0.6, b: 0.3, c: 0.1 } },
    ]);
    expect(brier).toEqual({ value: expect.closeTo(0.5, 12), form: 'multi-class' });
  });

  it('counts an expected label missing from the scores as probability 0', () => {
    // (1 − 0)² for a, (0 − 1)² for d → 2
    expect(brierScore([{ confidence: 1, correct: false, expected: 'd', scores: { a: 1 } }])).toEqual({
      value: 2,
      form: 'multi-class',
    });
  });

  it('falls back to the binary form when any item lacks scores', () => {
    // (0.7 − 1)² and (0.6 − 0)² → (0.09 + 0.36) / 2 = 0.225
    const brier = brierScore([
      { confidence: 0.7, correct: true, expected: 'a', scores: { a: 0.7, b: 0.3 } },
      { confidence: 0.6, correct: false },
    ]);
    expect(brier).toEqual({ value: expect.closeTo(0.225, 12), form: 'binary' });
  });

  it('is 0 for confident right answers, and undefined for no items', () => {
    expect(brierScore(itemsOf([[1, true]]))).toEqual({ value: 0, form: 'binary' });
    expect(brierScore([])).toBeUndefined();
  });
});

describe('accuracyCoverageCurve', () => {
  it('gives coverage, accuracy and threshold for each prefix, most confident first, ties in the given order', () => {
    expect(accuracyCoverageCurve(SIX)).toEqual([
      { kept: 1, coverage: 1 / 6, accuracy: 1, threshold: 0.95 },
      { kept: 2, coverage: 2 / 6, accuracy: 1 / 2, threshold: 0.95 },
      { kept: 3, coverage: 3 / 6, accuracy: 2 / 3, threshold: 0.85 },
      { kept: 4, coverage: 4 / 6, accuracy: 3 / 4, threshold: 0.6 },
      { kept: 5, coverage: 5 / 6, accuracy: 3 / 5, threshold: 0.6 },
      { kept: 6, coverage: 1, accuracy: 3 / 6, threshold: 0.1 },
    ]);
  });

  it('keeps only the last point of each tie as an operating point', () => {
    expect(operatingPoints(accuracyCoverageCurve(SIX)).map((point) => point.kept)).toEqual([2, 3, 5, 6]);
  });

  it('is empty for no items', () => {
    expect(accuracyCoverageCurve([])).toEqual([]);
    expect(operatingPoints([])).toEqual([]);
  });
});

describe('thresholdForAccuracy', () => {
  it('finds the lowest threshold whose kept items reach the target', () => {
    // operating points (kept, accuracy): (2, 0.5) at 0.95, (3, 0.667) at 0.85, (5, 0.6) at 0.6, (6, 0.5) at 0.1
    expect(thresholdForAccuracy(SIX, 0.6)).toEqual({
      threshold: 0.6,
      shown: '0.600',
      kept: 5,
      coverage: 5 / 6,
      accuracy: 3 / 5,
    });
    expect(thresholdForAccuracy(SIX, 0.65)).toMatchObject({ threshold: 0.85, kept: 3, accuracy: 2 / 3 });
    expect(thresholdForAccuracy(SIX, 0.5)).toMatchObject({ threshold: 0.1, kept: 6, coverage: 1 });
  });

  it('keeps tied items together: the single right item at 0.95 cannot be kept without its wrong twin', () => {
    // the first item alone has accuracy 1, but "≥ 0.95" keeps both 0.95s (accuracy 0.5); nothing reaches 0.75
    expect(thresholdForAccuracy(SIX, 0.75)).toBeUndefined();
    expect(thresholdForAccuracy(SIX, 1)).toBeUndefined();
  });

  it('keeps every item when all are right', () => {
    const allRight = itemsOf([
      [0.9, true],
      [0.7, true],
      [0.7, true],
    ]);
    expect(thresholdForAccuracy(allRight, 1)).toEqual({
      threshold: 0.7,
      shown: '0.700',
      kept: 3,
      coverage: 1,
      accuracy: 1,
    });
  });

  it('is undefined for no items, and refuses a target outside (0, 1]', () => {
    expect(thresholdForAccuracy([], 0.9)).toBeUndefined();
    for (const target of [0, -0.5, 1.01, Number.NaN]) {
      expect(() => thresholdForAccuracy(SIX, target)).toThrow(RangeError);
    }
  });
});

describe('formatThreshold', () => {
  it.each([
    [0.9, [0.9], '0.900'],
    [1, [1, 0.99], '1.000'],
    // rounding up to 0.874 would drop the item itself: rounded down instead
    [0.8736, [0.8736, 0.95], '0.873'],
    // "≥ 0.873" would let 0.8731 in: one more decimal
    [0.8734, [0.8734, 0.8731], '0.8734'],
  ])('writes %d (among %j) as %s', (threshold, confidences, shown) => {
    expect(formatThreshold(threshold, confidences)).toBe(shown);
  });
});

describe('summarizeCalibration', () => {
  it('gathers ECE, Brier, the bins, the operating points and the target threshold', () => {
    const summary = summarizeCalibration(SIX, { targetAccuracy: 0.6 });
    expect(summary).toMatchObject({
      n: 6,
      ece: expect.closeTo(0.225, 12),
      brier: { value: expect.closeTo(1.4575 / 6, 12), form: 'binary' },
      target: { accuracy: 0.6, threshold: { threshold: 0.6, kept: 5 } },
    });
    expect(summary?.bins).toHaveLength(10);
    expect(summary?.coverage.map((point) => point.kept)).toEqual([2, 3, 5, 6]);
    expect(summarizeCalibration(SIX, { targetAccuracy: 0.99 })?.target).toEqual({ accuracy: 0.99, threshold: null });
    expect(summarizeCalibration(SIX)?.target).toBeUndefined();
  });

  it('is undefined for no items', () => {
    expect(summarizeCalibration([])).toBeUndefined();
  });
});
