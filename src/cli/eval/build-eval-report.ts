import type { UsageTotals } from '../../client/types.js';
import type { Task } from '../../task/types.js';
import { UsageError } from '../usage-error.js';
import { type ConfusionMatrix, type LabelPair, type LabelScore, labelMetrics, percentile } from './metrics.js';
import type { EvaluatedItem } from './run-evaluation.js';
import { valuesEqual } from './values-equal.js';

/** An item the task got wrong (or failed on), for the report. @internal */
export interface EvalMismatch {
  line: number;
  text: string;
  expected: unknown;
  predicted?: unknown;
  error?: { name: string; message: string };
}

/** Everything `qwen-tasks eval` reports. @internal */
export interface EvalReport {
  task: string;
  data: string;
  format: Task['format'];
  multi: boolean;
  total: number;
  correct: number;
  /** Exact-match accuracy, 0–1. */
  accuracy: number;
  failed: number;
  /** Label tasks only. */
  macroF1?: number;
  /** Label tasks only: per-label precision, recall, F1 and support. */
  labels?: LabelScore[];
  /** Label tasks only. */
  matrix?: ConfusionMatrix;
  usage: { requests: number; promptTokens: number; completionTokens: number; totalTokens: number };
  costUsd: number;
  /** Percentiles of the items' wall time, in milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number };
  /** The first {@link MAX_MISMATCHES} items the task got wrong, in file order. */
  mismatches: EvalMismatch[];
}

/** How many wrong items a report lists. @internal */
export const MAX_MISMATCHES = 50;

/**
 * Scores evaluated items: exact-match accuracy for every format; for label tasks also macro-F1, per-label scores
 * and the confusion matrix (see `labelMetrics`); tokens and cost from the client's totals; latency percentiles.
 * Expected labels are matched to the task's labels ignoring case; a non-label expected value of a label task is a
 * {@link UsageError}.
 * @internal
 */
export function buildEvalReport(
  task: Task,
  data: string,
  items: readonly EvaluatedItem[],
  usage: UsageTotals,
  command: string,
): EvalReport {
  const durations = items.map((item) => item.durationMs);
  const base = {
    task: task.name,
    data,
    format: task.format,
    multi: task.multi,
    total: items.length,
    failed: items.filter((item) => item.error !== undefined).length,
    usage: {
      requests: usage.requests,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      totalTokens: usage.promptTokens + usage.completionTokens,
    },
    costUsd: usage.costUsd,
    latencyMs: {
      p50: percentile(durations, 50) ?? 0,
      p90: percentile(durations, 90) ?? 0,
      p99: percentile(durations, 99) ?? 0,
    },
  };
  if (task.format === 'label') {
    const pairs = items.map((item) => toLabelPair(task, item, data, command));
    const metrics = labelMetrics(pairs, task.labels ?? []);
    const wrong = items.filter((_item, index) => !isCorrectPair(pairs[index]!));
    return {
      ...base,
      correct: metrics.correct,
      accuracy: metrics.accuracy,
      macroF1: metrics.macroF1,
      labels: metrics.labels,
      matrix: metrics.matrix,
      mismatches: wrong.slice(0, MAX_MISMATCHES).map(toMismatch),
    };
  }
  const wrong = items.filter((item) => item.error !== undefined || !valuesEqual(item.predicted, item.expected));
  const correct = items.length - wrong.length;
  return {
    ...base,
    correct,
    accuracy: items.length === 0 ? 0 : correct / items.length,
    mismatches: wrong.slice(0, MAX_MISMATCHES).map(toMismatch),
  };
}

function toLabelPair(task: Task, item: EvaluatedItem, data: string, command: string): LabelPair {
  const canonical = new Map((task.labels ?? []).map((label) => [label.toLowerCase(), label]));
  const normalize = (label: string) => canonical.get(label.trim().toLowerCase()) ?? label.trim();
  const expected = item.expected;
  const valid =
    typeof expected === 'string' ||
    (task.multi && Array.isArray(expected) && expected.every((label) => typeof label === 'string'));
  if (!valid) {
    const wanted = task.multi ? 'a label or a list of labels' : 'a label (a string)';
    throw new UsageError(`${data}:${item.line}: the expected value must be ${wanted}`, { command });
  }
  const expectedLabels = (typeof expected === 'string' ? [expected] : (expected as string[])).map(normalize);
  if (item.error !== undefined) return { expected: expectedLabels, predicted: undefined };
  const predicted = item.predicted;
  const predictedLabels = Array.isArray(predicted) ? predicted.map(String) : [String(predicted)];
  return { expected: expectedLabels, predicted: predictedLabels };
}

function isCorrectPair({ expected, predicted }: LabelPair): boolean {
  if (predicted === undefined) return false;
  const wanted = new Set(expected);
  const got = new Set(predicted);
  return wanted.size === got.size && [...wanted].every((label) => got.has(label));
}

function toMismatch(item: EvaluatedItem): EvalMismatch {
  return {
    line: item.line,
    text: item.text,
    expected: item.expected,
    ...(item.error === undefined ? { predicted: item.predicted } : { error: item.error }),
  };
}
