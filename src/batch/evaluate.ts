/**
 * Evaluating a task on labelled examples (`evaluateTask`, and `qwen-tasks eval`): the items run with bounded
 * concurrency, and the report: exact-match accuracy, label metrics (`eval-metrics.ts`), tokens, cost, latency
 * percentiles and, with confidences, their calibration (`calibration.ts`). See docs/cli.md.
 * @module
 */
import type { QwenClient, UsageTotals } from '../client/types.js';
import { roundUsd } from '../client/wire.js';
import { AuthenticationError, InputError, InsufficientCreditsError } from '../errors.js';
import { mapLimited } from '../task/packing.js';
import type { ResultCache } from '../task/result-cache.js';
import { getDefaultClient, runTask } from '../task/run-task.js';
import type { Task } from '../task/types.js';
import { type CalibrationItem, type CalibrationSummary, summarizeCalibration } from './calibration.js';
import {
  type ConfusionMatrix,
  isCorrectPair,
  type LabelPair,
  type LabelScore,
  labelMetrics,
  percentile,
  valuesEqual,
} from './eval-metrics.js';

/** One labelled example: the input text and the expected value. */
export interface LabelledItem {
  /** 1-based line in the data file. */
  line: number;
  text: string;
  /** The `label` field, else `expected`: a label, a list of labels, or any value for other formats. */
  expected: unknown;
}

/** The outcome of one labelled example. */
export interface EvaluatedItem extends LabelledItem {
  /** The task's value; absent when it failed. */
  predicted?: unknown;
  /** Why the task failed on this item. */
  error?: { name: string; message: string };
  /** Wall time of the item, repair turns included. */
  durationMs: number;
  /** Label tasks with `confidence: true`: the probability of the predicted label, 0–1. */
  confidence?: number;
  /** Label tasks with `confidence: true`: every label → its probability (summing to 1). */
  labelScores?: Readonly<Record<string, number>>;
}

/** An item the task got wrong (or failed on), for the report. */
export interface EvalMismatch {
  line: number;
  text: string;
  expected: unknown;
  predicted?: unknown;
  error?: { name: string; message: string };
  /** The task's confidence in its (wrong) answer, when it gave one. */
  confidence?: number;
}

/**
 * The calibration of a label task's confidences (see `calibration.ts`): over the items that came back with a
 * confidence; the others (failed items, and any answer without a confidence) are left out and counted.
 */
export interface EvalCalibration extends CalibrationSummary {
  /** Items left out: the task failed on them, or returned no (valid) confidence. */
  excluded: number;
}

/** Everything `qwen-tasks eval` reports. */
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
  /** The first `MAX_MISMATCHES` items the task got wrong, in file order. */
  mismatches: EvalMismatch[];
  /** Label tasks whose results carry a confidence (`confidence: true`): ECE, Brier, reliability, coverage. */
  calibration?: EvalCalibration;
}

/** Options of {@link buildEvalReport}. */
export interface EvalReportOptions {
  /** Find the lowest confidence threshold that reaches this accuracy, 0 < x ≤ 1 (label tasks with confidences). */
  targetAccuracy?: number | undefined;
}

/** How many wrong items a report lists. */
const MAX_MISMATCHES = 50;

/**
 * Scores evaluated items: exact-match accuracy, plus {@link labelMetrics} for label tasks (expected labels matched
 * ignoring case; a non-label expected value is an {@link InputError}), tokens, cost and latency percentiles; and,
 * when a label task's items carry confidences, their calibration ({@link calibrationOf}).
 */
export function buildEvalReport(
  task: Task,
  data: string,
  items: readonly EvaluatedItem[],
  usage: UsageTotals,
  options: EvalReportOptions = {},
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
    const pairs = items.map((item) => toLabelPair(task, item, data));
    const metrics = labelMetrics(pairs, task.labels ?? []);
    const wrong = items.filter((_item, index) => !isCorrectPair(pairs[index]!));
    const calibration = calibrationOf(task, items, pairs, options);
    return {
      ...base,
      correct: metrics.correct,
      accuracy: metrics.accuracy,
      macroF1: metrics.macroF1,
      labels: metrics.labels,
      matrix: metrics.matrix,
      mismatches: wrong.slice(0, MAX_MISMATCHES).map(toMismatch),
      ...(calibration === undefined ? {} : { calibration }),
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

function toLabelPair(task: Task, item: EvaluatedItem, data: string): LabelPair {
  const canonical = new Map((task.labels ?? []).map((label) => [label.toLowerCase(), label]));
  const normalize = (label: string) => canonical.get(label.trim().toLowerCase()) ?? label.trim();
  const expected = item.expected;
  const valid =
    typeof expected === 'string' ||
    (task.multi && Array.isArray(expected) && expected.every((label) => typeof label === 'string'));
  if (!valid) {
    const wanted = task.multi ? 'a label or a list of labels' : 'a label (a string)';
    throw new InputError(`${data}:${item.line}: the expected value must be ${wanted}`, { path: 'items' });
  }
  const expectedLabels = (typeof expected === 'string' ? [expected] : (expected as string[])).map(normalize);
  if (item.error !== undefined) return { expected: expectedLabels, predicted: undefined };
  const predicted = item.predicted;
  const predictedLabels = Array.isArray(predicted) ? predicted.map(String) : [String(predicted)];
  return { expected: expectedLabels, predicted: predictedLabels };
}

/**
 * The calibration block of a label task, or `undefined` when no item carries a confidence. Each item with a valid
 * confidence (0–1) counts, right when its label set matches exactly; failed items and items without one are
 * excluded and counted. Single-label items whose `labelScores` are all valid also carry their scores (label names
 * matched to the task's ignoring case) and expected label, for the multi-class Brier score.
 */
function calibrationOf(
  task: Task,
  items: readonly EvaluatedItem[],
  pairs: readonly LabelPair[],
  options: EvalReportOptions = {},
): EvalCalibration | undefined {
  if (!items.some((item) => item.confidence !== undefined)) return undefined;
  const canonical = new Map((task.labels ?? []).map((label) => [label.toLowerCase(), label]));
  const scored: CalibrationItem[] = [];
  let excluded = 0;
  items.forEach((item, index) => {
    const pair = pairs[index]!;
    const confidence = item.confidence;
    if (item.error !== undefined || !isProbability(confidence)) {
      excluded += 1;
      return;
    }
    const entry: CalibrationItem = { confidence, correct: isCorrectPair(pair) };
    const scores = item.labelScores;
    const expected = pair.expected[0];
    if (!task.multi && expected !== undefined && scores !== undefined && Object.values(scores).every(isProbability)) {
      entry.scores = Object.fromEntries(
        Object.entries(scores).map(([label, score]) => [canonical.get(label.trim().toLowerCase()) ?? label, score]),
      );
      entry.expected = expected;
    }
    scored.push(entry);
  });
  const summary = summarizeCalibration(scored, options);
  return summary === undefined ? undefined : { ...summary, excluded };
}

function isProbability(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}

function toMismatch(item: EvaluatedItem): EvalMismatch {
  return {
    line: item.line,
    text: item.text,
    expected: item.expected,
    ...(item.error === undefined ? { predicted: item.predicted } : { error: item.error }),
    ...(item.error === undefined && item.confidence !== undefined ? { confidence: item.confidence } : {}),
  };
}

/** Options of {@link evaluateTask}. */
export interface EvaluateTaskOptions {
  /** Client to call; the default client (from the environment) otherwise. */
  client?: QwenClient;
  /** Items in flight at once. @defaultValue 8 */
  concurrency?: number;
  /**
   * Where results are looked up before calling and stored after (see {@link ResultCache}): an evaluation run again
   * with the same cache makes no request and costs nothing. @defaultValue none
   */
  cache?: ResultCache;
  /** Find the lowest confidence threshold that reaches this accuracy (label tasks with `confidence`). */
  targetAccuracy?: number;
  /** What the report calls the data (a file name). @defaultValue 'items' */
  data?: string;
  /** Called as each item finishes. */
  onItem?: (item: EvaluatedItem) => void;
}

/**
 * Runs a task over labelled examples and scores it: exact-match accuracy; for label tasks per-label precision,
 * recall and F1, macro-F1 and the confusion matrix; tokens, cost and latency percentiles; and, when the task returns
 * confidences (`confidence: true`), their calibration: expected calibration error, Brier score, reliability bins,
 * the accuracy-versus-coverage curve and the threshold for `targetAccuracy`. An item the task fails on is scored as
 * wrong; errors that would fail every item (a refused key, no credits, bad configuration) are thrown. See
 * `docs/cli.md#eval` for the report's fields.
 */
export async function evaluateTask(
  task: Task,
  items: readonly { text: string; expected: unknown; line?: number }[],
  options: EvaluateTaskOptions = {},
): Promise<EvalReport> {
  const client = options.client ?? getDefaultClient();
  const before = client.usage;
  const labelled = items.map((item, index) => ({
    line: item.line ?? index + 1,
    text: item.text,
    expected: item.expected,
  }));
  const evaluated = await runEvaluation(task, labelled, {
    client,
    concurrency: options.concurrency ?? 8,
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.onItem === undefined ? {} : { onItem: options.onItem }),
  });
  const after = client.usage;
  const usage: UsageTotals = {
    requests: after.requests - before.requests,
    promptTokens: after.promptTokens - before.promptTokens,
    completionTokens: after.completionTokens - before.completionTokens,
    cachedTokens: after.cachedTokens - before.cachedTokens,
    costUsd: roundUsd(after.costUsd - before.costUsd),
  };
  const reportOptions = options.targetAccuracy === undefined ? {} : { targetAccuracy: options.targetAccuracy };
  return buildEvalReport(task, options.data ?? 'items', evaluated, usage, reportOptions);
}

/** How {@link runEvaluation} runs the items. */
export interface RunEvaluationOptions {
  client: QwenClient;
  /** Items in flight at once. */
  concurrency: number;
  /** Where each item's result is looked up first and stored after. */
  cache?: ResultCache;
  /** Called as each item finishes. */
  onItem?: (item: EvaluatedItem) => void;
}

/**
 * Runs a task over labelled examples with bounded concurrency. An item the task fails on (an invalid reply, a
 * server error after retries) is recorded with its error and scored as wrong; errors that would fail every item
 * (a refused key, no credits, bad configuration) stop the evaluation and are thrown.
 */
export function runEvaluation(
  task: Task,
  items: readonly LabelledItem[],
  options: RunEvaluationOptions,
): Promise<EvaluatedItem[]> {
  const { client, cache, onItem } = options;
  return mapLimited(items, options.concurrency, async (item) => {
    const started = performance.now();
    let evaluated: EvaluatedItem;
    try {
      const result = await runTask(task, item.text, cache === undefined ? { client } : { client, cache });
      evaluated = {
        ...item,
        predicted: result.value,
        durationMs: result.durationMs,
        ...(result.confidence === undefined ? {} : { confidence: result.confidence }),
        ...(result.labelScores === undefined ? {} : { labelScores: result.labelScores }),
      };
    } catch (error) {
      if (isFatal(error)) throw error;
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      evaluated = { ...item, error: { name, message }, durationMs: performance.now() - started };
    }
    onItem?.(evaluated);
    return evaluated;
  });
}

function isFatal(error: unknown): boolean {
  return (
    error instanceof AuthenticationError ||
    error instanceof InsufficientCreditsError ||
    (error instanceof InputError && error.path !== 'text')
  );
}
