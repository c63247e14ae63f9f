/**
 * How well a label task's confidences match its accuracy, for `qwen-tasks eval`: the expected calibration error over
 * 10 equal-width bins, the Brier score, the reliability diagram, the accuracy-versus-coverage curve, and the lowest
 * confidence threshold that reaches a target accuracy. Pure functions over scored items. See docs/cli.md.
 * @module
 */

/** One scored item with the confidence the task gave its answer. */
export interface CalibrationItem {
  /** The probability of the answer, 0–1. */
  confidence: number;
  /** Whether the answer was right. */
  correct: boolean;
  /** Every label → its probability (summing to 1): with `expected`, makes the Brier score multi-class. */
  scores?: Readonly<Record<string, number>>;
  /** The expected label, for the multi-class Brier score. */
  expected?: string;
}

/** One bin of the reliability diagram: items with `lower ≤ confidence < upper` (the last bin includes 1). */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's items; `null` for an empty bin. */
  meanConfidence: number | null;
  /** Share of the bin's items that are right; `null` for an empty bin. */
  accuracy: number | null;
}

/** One point of the accuracy-versus-coverage curve: the `kept` most confident items. */
export interface CoveragePoint {
  /** How many items are kept. */
  kept: number;
  /** `kept / N`. */
  coverage: number;
  /** Share of the kept items that are right. */
  accuracy: number;
  /** The lowest confidence among the kept items. */
  threshold: number;
}

/** What `thresholdForAccuracy` finds: keep the items with `confidence ≥ threshold`. */
export interface ThresholdChoice {
  threshold: number;
  /** The threshold written with the fewest decimals (at least 3) that keeps exactly the same items, rounded down. */
  shown: string;
  /** Items with `confidence ≥ threshold`. */
  kept: number;
  /** `kept / N`. */
  coverage: number;
  /** Share of the kept items that are right (at least the target). */
  accuracy: number;
}

/** The Brier score and which form it took. */
export interface BrierScore {
  value: number;
  /**
   * `multi-class` (every item had label scores and an expected label): mean over items of
   * Σ_labels (score_l − [l = expected])², in [0, 2]. `binary`: mean of (confidence − correct)², in [0, 1].
   */
  form: 'multi-class' | 'binary';
}

/** Everything `summarizeCalibration` computes. */
export interface CalibrationSummary {
  /** Items scored. */
  n: number;
  /** Expected calibration error over `BIN_COUNT` equal-width bins. */
  ece: number;
  brier: BrierScore;
  /** The reliability diagram: `BIN_COUNT` bins, empty ones included. */
  bins: ReliabilityBin[];
  /**
   * The accuracy-versus-coverage curve at the thresholds one can actually set: one point per distinct confidence,
   * items tied at it kept together (see `operatingPoints`).
   */
  coverage: CoveragePoint[];
  /** With a target accuracy: the lowest threshold that reaches it, `null` when none does. */
  target?: { accuracy: number; threshold: ThresholdChoice | null };
}

/** How many equal-width bins of [0, 1] the reliability diagram and the calibration error use. */
export const BIN_COUNT = 10;

/**
 * The bin of a confidence: bin `k` holds `k/10 ≤ confidence < (k+1)/10`, and the last bin also holds 1, so 0.1 is in
 * bin 1 and 1.0 in bin 9. Compared against the edges themselves, so no rounding of `confidence × 10` moves an item.
 */
export function binIndex(confidence: number): number {
  checkConfidence(confidence);
  let index = Math.min(BIN_COUNT - 1, Math.floor(confidence * BIN_COUNT));
  if (index < BIN_COUNT - 1 && confidence >= (index + 1) / BIN_COUNT) index += 1;
  if (index > 0 && confidence < index / BIN_COUNT) index -= 1;
  return index;
}

/**
 * The reliability diagram: for each of the `BIN_COUNT` equal-width bins of [0, 1] (see {@link binIndex}), the
 * item count, the mean confidence and the accuracy (both `null` for an empty bin).
 */
export function reliabilityBins(items: readonly CalibrationItem[]): ReliabilityBin[] {
  const sums = Array.from({ length: BIN_COUNT }, () => ({ count: 0, confidence: 0, correct: 0 }));
  for (const item of items) {
    const bin = sums[binIndex(item.confidence)]!;
    bin.count += 1;
    bin.confidence += item.confidence;
    if (item.correct) bin.correct += 1;
  }
  return sums.map(({ count, confidence, correct }, index) => ({
    lower: index / BIN_COUNT,
    upper: (index + 1) / BIN_COUNT,
    count,
    meanConfidence: count === 0 ? null : confidence / count,
    accuracy: count === 0 ? null : correct / count,
  }));
}

/**
 * The expected calibration error: Σ_b (n_b / N) · |accuracy_b − mean confidence_b| over the `BIN_COUNT`
 * equal-width bins (empty bins add nothing). 0 is perfectly calibrated; `undefined` for no items.
 */
export function expectedCalibrationError(items: readonly CalibrationItem[]): number | undefined {
  if (items.length === 0) return undefined;
  let sum = 0;
  for (const bin of reliabilityBins(items)) {
    if (bin.count === 0) continue;
    sum += (bin.count / items.length) * Math.abs(bin.accuracy! - bin.meanConfidence!);
  }
  return sum;
}

/**
 * The Brier score. Multi-class when every item has `scores` and an `expected` label: the mean over items of
 * Σ_l (score_l − [l = expected])² over the labels of `scores` and the expected one (an expected label missing from
 * `scores` counts as probability 0). Otherwise binary: the mean of (confidence − [correct])². Lower is better;
 * `undefined` for no items.
 */
export function brierScore(items: readonly CalibrationItem[]): BrierScore | undefined {
  if (items.length === 0) return undefined;
  const multiClass = items.every((item) => item.scores !== undefined && item.expected !== undefined);
  let sum = 0;
  for (const item of items) {
    if (multiClass) {
      const scores = item.scores!;
      const labels = new Set([...Object.keys(scores), item.expected!]);
      for (const label of labels) {
        const outcome = label === item.expected ? 1 : 0;
        sum += ((scores[label] ?? 0) - outcome) ** 2;
      }
    } else {
      sum += (item.confidence - (item.correct ? 1 : 0)) ** 2;
    }
  }
  return { value: sum / items.length, form: multiClass ? 'multi-class' : 'binary' };
}

/**
 * The accuracy-versus-coverage curve: items sorted by confidence, highest first (ties in their given order); for
 * each prefix of k items, coverage k/N, the accuracy of those k, and the threshold (the k-th confidence).
 */
export function accuracyCoverageCurve(items: readonly CalibrationItem[]): CoveragePoint[] {
  for (const item of items) checkConfidence(item.confidence);
  const sorted = [...items].sort((left, right) => right.confidence - left.confidence);
  const points: CoveragePoint[] = [];
  let correct = 0;
  sorted.forEach((item, index) => {
    if (item.correct) correct += 1;
    const kept = index + 1;
    points.push({ kept, coverage: kept / sorted.length, accuracy: correct / kept, threshold: item.confidence });
  });
  return points;
}

/**
 * The points of {@link accuracyCoverageCurve} one can reach with a threshold: the last point of each run of equal
 * confidences (a threshold keeps tied items together).
 */
export function operatingPoints(curve: readonly CoveragePoint[]): CoveragePoint[] {
  return curve.filter((point, index) => index === curve.length - 1 || curve[index + 1]!.threshold !== point.threshold);
}

/**
 * The lowest confidence threshold t such that the items with confidence ≥ t have an accuracy of at least `target`
 * (0 < target ≤ 1), with how many items it keeps; items tied at t are kept together. `undefined` when no threshold
 * reaches the target (or there are no items).
 */
export function thresholdForAccuracy(items: readonly CalibrationItem[], target: number): ThresholdChoice | undefined {
  if (!(target > 0 && target <= 1)) throw new RangeError(`target accuracy must be in (0, 1], got ${target}`);
  let best: CoveragePoint | undefined;
  for (const point of operatingPoints(accuracyCoverageCurve(items))) {
    if (point.accuracy >= target) best = point;
  }
  if (best === undefined) return undefined;
  return {
    threshold: best.threshold,
    shown: formatThreshold(
      best.threshold,
      items.map((item) => item.confidence),
    ),
    kept: best.kept,
    coverage: best.coverage,
    accuracy: best.accuracy,
  };
}

/**
 * `threshold` with the fewest decimals (at least 3) that, rounded down, lets no other confidence in: every value of
 * `confidences` at or above the written number is also at or above `threshold`. So "≥ 0.873" keeps exactly the
 * items that "≥ 0.87349…" keeps.
 */
export function formatThreshold(threshold: number, confidences: readonly number[]): string {
  for (let digits = 3; digits <= 17; digits += 1) {
    let text = threshold.toFixed(digits);
    if (Number(text) > threshold) text = (Number(text) - 10 ** -digits).toFixed(digits);
    const written = Number(text);
    if (written > threshold) continue;
    if (!confidences.some((confidence) => confidence >= written && confidence < threshold)) return text;
  }
  return String(threshold);
}

/**
 * Every calibration measure at once, for a report: ECE, Brier, the reliability bins, the operating points of the
 * accuracy-versus-coverage curve and, with `targetAccuracy`, the threshold that reaches it. `undefined` for no items.
 */
export function summarizeCalibration(
  items: readonly CalibrationItem[],
  options: { targetAccuracy?: number | undefined } = {},
): CalibrationSummary | undefined {
  if (items.length === 0) return undefined;
  const summary: CalibrationSummary = {
    n: items.length,
    ece: expectedCalibrationError(items)!,
    brier: brierScore(items)!,
    bins: reliabilityBins(items),
    coverage: operatingPoints(accuracyCoverageCurve(items)),
  };
  if (options.targetAccuracy !== undefined) {
    summary.target = {
      accuracy: options.targetAccuracy,
      threshold: thresholdForAccuracy(items, options.targetAccuracy) ?? null,
    };
  }
  return summary;
}

function checkConfidence(confidence: number): void {
  if (!(confidence >= 0 && confidence <= 1)) throw new RangeError(`confidence must be in [0, 1], got ${confidence}`);
}
