/**
 * How an evaluation scores values: exact match for every format (deep equality that ignores key order and
 * surrounding blanks); for label tasks per-label precision, recall and F1, macro-F1 and the confusion matrix; and
 * latency percentiles. Used by `evaluate.ts`. See docs/cli.md.
 * @module
 */
import { isRecord } from '../json.js';

/** One evaluated item of a label task: the expected labels and the predicted ones (`undefined` when it failed). */
export interface LabelPair {
  expected: readonly string[];
  /** `undefined` when the task failed on this item (counted as wrong, and in the `(error)` column). */
  predicted: readonly string[] | undefined;
}

/** Precision, recall and F1 of one label, treated as a yes/no question per item. */
export interface LabelScore {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Items whose expected labels include this one. */
  support: number;
  /** Items predicted with this label. */
  predicted: number;
  truePositives: number;
}

/** A confusion matrix: `counts[row][column]`, rows are expected labels, columns predicted labels. */
export interface ConfusionMatrix {
  rows: string[];
  /** The row labels, then `(none)` (a multi-label item predicted with no label) and `(error)` when they occur. */
  columns: string[];
  counts: number[][];
}

/** Everything {@link labelMetrics} computes. */
export interface LabelMetrics {
  total: number;
  /** Items whose predicted label set equals the expected one (exact match). */
  correct: number;
  /** `correct / total` (0 for no items). */
  accuracy: number;
  /** Mean F1 over every label that was expected or predicted. */
  macroF1: number;
  /** Per-label scores, in label order. */
  labels: LabelScore[];
  matrix: ConfusionMatrix;
  /** Items the task failed on. */
  failed: number;
}

/** Column of the confusion matrix for items the task failed on. */
export const ERROR_COLUMN = '(error)';
/** Column of the confusion matrix for multi-label items predicted with no label. */
export const NONE_COLUMN = '(none)';

/**
 * Scores a label task, each label as a yes/no question per item: per-label precision, recall and F1, macro-F1 over
 * every label seen, exact-match accuracy, and the (expected, predicted) confusion matrix; rows and columns follow
 * `labelOrder`, then labels seen only in the data. See docs/cli.md.
 */
export function labelMetrics(pairs: readonly LabelPair[], labelOrder: readonly string[] = []): LabelMetrics {
  const labels = orderLabels(pairs, labelOrder);
  const index = new Map(labels.map((label, position) => [label, position]));
  const scores = labels.map((label) => ({ label, truePositives: 0, support: 0, predicted: 0 }));
  const hasNone = pairs.some((pair) => pair.predicted !== undefined && pair.predicted.length === 0);
  const hasError = pairs.some((pair) => pair.predicted === undefined);
  const columns = [...labels, ...(hasNone ? [NONE_COLUMN] : []), ...(hasError ? [ERROR_COLUMN] : [])];
  const counts = labels.map(() => columns.map(() => 0));
  let correct = 0;
  for (const { expected, predicted } of pairs) {
    const expectedSet = new Set(expected);
    const predictedSet = new Set(predicted ?? []);
    if (predicted !== undefined && sameSet(expectedSet, predictedSet)) correct += 1;
    for (const label of expectedSet) scores[index.get(label)!]!.support += 1;
    for (const label of predictedSet) {
      const score = scores[index.get(label)!]!;
      score.predicted += 1;
      if (expectedSet.has(label)) score.truePositives += 1;
    }
    const targets =
      predicted === undefined
        ? [columns.length - 1]
        : predictedSet.size === 0
          ? [columns.indexOf(NONE_COLUMN)]
          : [...predictedSet].map((label) => index.get(label)!);
    for (const label of expectedSet) {
      const row = counts[index.get(label)!]!;
      for (const column of targets) row[column]! += 1;
    }
  }
  const labelScores = scores.map(({ label, truePositives, support, predicted }) => {
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support, predicted, truePositives };
  });
  const macroF1 = labelScores.length === 0 ? 0 : mean(labelScores.map((score) => score.f1));
  return {
    total: pairs.length,
    correct,
    accuracy: pairs.length === 0 ? 0 : correct / pairs.length,
    macroF1,
    labels: labelScores,
    matrix: { rows: labels, columns, counts },
    failed: pairs.filter((pair) => pair.predicted === undefined).length,
  };
}

/**
 * The `p`-th percentile (0–100) of `values` by the nearest-rank method: the smallest value with at least `p`% of
 * the values at or below it. `undefined` for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** Task labels first (those that occur), then labels seen only in the data, in order of appearance. */
function orderLabels(pairs: readonly LabelPair[], labelOrder: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const { expected, predicted } of pairs) {
    for (const label of expected) seen.add(label);
    for (const label of predicted ?? []) seen.add(label);
  }
  const known = labelOrder.filter((label) => seen.has(label));
  const extra = [...seen].filter((label) => !labelOrder.includes(label));
  return [...new Set([...known, ...extra])];
}

/** Whether a pair is right: its predicted labels are exactly the expected ones (a failed item is wrong). */
export function isCorrectPair({ expected, predicted }: LabelPair): boolean {
  return predicted !== undefined && sameSet(new Set(expected), new Set(predicted));
}

function sameSet(left: ReadonlySet<string>, right: ReadonlySet<string>): boolean {
  if (left.size !== right.size) return false;
  for (const item of left) if (!right.has(item)) return false;
  return true;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * Whether two JSON-like values are equal for scoring: deep equality where object key order does not matter,
 * strings compared after trimming, and a `Date` equal to its ISO string.
 */
export function valuesEqual(left: unknown, right: unknown): boolean {
  if (left instanceof Date) return valuesEqual(left.toISOString(), right);
  if (right instanceof Date) return valuesEqual(left, right.toISOString());
  if (typeof left === 'string' && typeof right === 'string') return left.trim() === right.trim();
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => valuesEqual(item, right[index]));
  }
  if (isRecord(left) && isRecord(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) if (!valuesEqual(left[key], right[key])) return false;
    return true;
  }
  return Object.is(left, right) || (left === null && right === undefined) || (left === undefined && right === null);
}
