/**
 * Tuning a task from labelled data (`tuneTask`, and `qwen-tasks tune`): the data split once, candidates (few-shot
 * example sets, with and without label descriptions, and the model's own instruction proposals) scored on the dev
 * split through `evaluateTask` and the result cache, the best one chosen on dev (ties to the fewest prompt tokens),
 * and the test split run once for it and once for the original, all within `maxCostUsd`. See docs/tuning.md.
 * @module
 */
import type { QwenClient } from '../client/types.js';
import { InputError } from '../errors.js';
import { createMemoryCache, type ResultCache } from '../task/result-cache.js';
import { getDefaultClient } from '../task/run-task.js';
import type { Task } from '../task/types.js';
import type { EvalReport } from './evaluate.js';
import {
  drawExampleSets,
  redefineTask,
  type SplitShares,
  splitData,
  type TaskChanges,
  type TuneItem,
} from './tune-candidates.js';
import {
  createSearch,
  type TuneCandidate,
  type TuneProgress,
  type TuneProposal,
  type TuneTestFigures,
} from './tune-search.js';

export type { TuneCandidate, TuneProgress, TuneProposal, TuneScores, TuneTestFigures } from './tune-search.js';

/** Options of {@link tuneTask}. */
export interface TuneTaskOptions {
  /**
   * Most USD to spend, required: a candidate (or proposal) whose estimated cost, plus the test runs still to come,
   * would pass it is not started, and the search ends there. Cache hits cost nothing.
   */
  maxCostUsd: number;
  /** Seeds the split and the example draws: the same seed and data give the same tuned task. @defaultValue 1 */
  seed?: number;
  /**
   * Shares of the data for train (the examples' pool), dev (scoring) and test (before/after), each above 0, adding
   * up to 1. @defaultValue `{ train: 0.5, dev: 0.25, test: 0.25 }`
   */
  split?: SplitShares;
  /** Most examples a candidate shows. @defaultValue twice the labels, at most 16 (label tasks); 4 otherwise */
  maxExamples?: number;
  /**
   * Instruction proposals asked of the model (one call each), from the dev errors of the best candidate so far.
   * @defaultValue 2
   */
  proposals?: number;
  /** Client to call; the default client (from the environment) otherwise. */
  client?: QwenClient;
  /**
   * Where every evaluation's and proposal's results are kept: a tune run again with the same cache makes no
   * request. @defaultValue a memory cache for this call
   */
  cache?: ResultCache;
  /** Items in flight at once. @defaultValue 8 */
  concurrency?: number;
  /** Called after each candidate, proposal and test run, and when the search stops early. */
  onProgress?: (event: TuneProgress) => void;
}

/** Everything {@link tuneTask} did. */
export interface TuneReport {
  task: string;
  seed: number;
  /** Items in each split. */
  split: { train: number; dev: number; test: number };
  /** What candidates are ranked by on dev. */
  score: 'macroF1' | 'accuracy';
  /** Every candidate tried, in order; the first is the original. */
  candidates: TuneCandidate[];
  /** Index of the chosen candidate; absent when not even the original could be scored within `maxCostUsd`. */
  chosen?: number;
  proposals: TuneProposal[];
  /** Absent when the search stopped before it could afford them. */
  test?: TuneTestFigures;
  maxCostUsd: number;
  /** USD actually spent: dev runs, proposals and test runs (cache hits cost nothing). */
  spentUsd: number;
  /** Requests actually sent. */
  requests: number;
  /** Why the search ended before trying every candidate (the cost cap). */
  stopped?: string;
  durationMs: number;
}

/** What {@link tuneTask} returns: the improved task (the original when nothing beat it) and the report. */
export interface TuneResult<O> {
  task: Task<O>;
  report: TuneReport;
}

const DEFAULT_SPLIT: SplitShares = { train: 0.5, dev: 0.25, test: 0.25 };
const DEFAULT_PROPOSALS = 2;
/** Draws of each example-set size. */
const DRAWS = 2;

/**
 * Tunes a task from labelled data: splits it once (seeded, stratified by label) into train, dev and test; scores
 * candidates on dev — the original, few-shot example sets drawn from train (balanced across labels, the dev errors'
 * labels first), each with and without the label descriptions, and instructions the model proposes from the dev
 * errors (one call each); keeps the best on dev (macro-F1 for label tasks, exact-match accuracy otherwise; ties to
 * the fewest prompt tokens per item, then the earlier candidate); and runs the test split once for it and once for
 * the original. Every call goes through the result cache, and nothing starts whose estimate would pass
 * `maxCostUsd`. See `docs/tuning.md`.
 *
 * @example
 * ```ts
 * const { task: tuned, report } = await tuneTask(task, labelled, { maxCostUsd: 1, seed: 7 });
 * const gain = (report.test?.after.macroF1 ?? 0) - (report.test?.before.macroF1 ?? 0); // on the test split
 * await writeFile('tune-report.json', JSON.stringify(report, null, 2)); // every candidate, the choice, the spend
 * ```
 */
export async function tuneTask<O>(
  task: Task<O>,
  data: readonly { text: string; expected: unknown; line?: number }[],
  options: TuneTaskOptions,
): Promise<TuneResult<O>> {
  const started = performance.now();
  const settings = checkOptions(task, options);
  const client = options.client ?? getDefaultClient();
  const cache = options.cache ?? createMemoryCache();
  const items: TuneItem[] = data.map((item, index) => ({
    line: item.line ?? index + 1,
    text: item.text,
    expected: item.expected,
  }));
  const split = splitData(task, items, settings.split, settings.seed);
  const search = createSearch(task, split, client, cache, {
    maxCostUsd: options.maxCostUsd,
    concurrency: settings.concurrency,
    onProgress: options.onProgress,
  });
  const report: TuneReport = {
    task: task.name,
    seed: settings.seed,
    split: { train: split.train.length, dev: split.dev.length, test: split.test.length },
    score: task.format === 'label' ? 'macroF1' : 'accuracy',
    candidates: search.candidates,
    proposals: search.proposals,
    maxCostUsd: options.maxCostUsd,
    spentUsd: 0,
    requests: 0,
    durationMs: 0,
  };
  const finish = (tuned: Task<O>): TuneResult<O> => {
    report.spentUsd = search.spent.usd;
    report.requests = search.spent.requests;
    if (search.stopped !== undefined) report.stopped = search.stopped;
    report.durationMs = performance.now() - started;
    return { task: tuned, report };
  };

  const original = await search.tryCandidate('original', task);
  if (original === undefined) return finish(task);
  const descriptions = task.labelDescriptions;
  if (descriptions !== undefined)
    await search.tryCandidate('original, no descriptions', redefineTask(task, { labelDescriptions: undefined }));
  const sets = drawExampleSets(task, split.train, {
    maxExamples: settings.maxExamples,
    errorLabels: errorLabels(search.devReport(0)),
    seed: settings.seed,
    draws: DRAWS,
  });
  const variants: { suffix: string; changes: TaskChanges }[] =
    descriptions === undefined
      ? [{ suffix: '', changes: {} }]
      : [
          { suffix: ', no descriptions', changes: { labelDescriptions: undefined } },
          { suffix: '', changes: {} },
        ];
  for (const set of sets) {
    for (const { suffix, changes } of variants) {
      if (search.stopped !== undefined) break;
      await search.tryCandidate(`${set.name}${suffix}`, redefineTask(task, { ...changes, examples: set.examples }));
    }
  }
  for (let proposal = 1; proposal <= settings.proposals && search.stopped === undefined; proposal++) {
    if (!(await search.propose(proposal))) break;
  }

  const chosen = search.best();
  report.chosen = chosen;
  const tuned = chosen === 0 ? task : search.taskOf(chosen);
  const test = await search.runTest(chosen);
  if (test !== undefined) report.test = test;
  return finish(tuned);
}

/** The options with their defaults, checked. */
interface TuneSettings {
  seed: number;
  split: SplitShares;
  maxExamples: number;
  proposals: number;
  concurrency: number;
}

function checkOptions(task: Task, options: TuneTaskOptions): TuneSettings {
  const { maxCostUsd } = options ?? {};
  if (typeof maxCostUsd !== 'number' || !(maxCostUsd > 0) || !Number.isFinite(maxCostUsd)) {
    throw new InputError(`maxCostUsd is required: a positive number of USD, got ${String(maxCostUsd)}`, {
      path: 'options.maxCostUsd',
    });
  }
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) {
    throw new InputError(`seed must be a whole number, got ${String(seed)}`, { path: 'options.seed' });
  }
  const split = options.split ?? DEFAULT_SPLIT;
  const shares = [split.train, split.dev, split.test];
  const total = shares.reduce((sum, share) => sum + share, 0);
  if (!shares.every((share) => typeof share === 'number' && share > 0) || Math.abs(total - 1) > 1e-6) {
    throw new InputError(
      `split must give train, dev and test shares above 0 that add up to 1, got ${JSON.stringify(split)}`,
      { path: 'options.split' },
    );
  }
  const labels = task.labels?.length ?? 0;
  const maxExamples = options.maxExamples ?? (task.format === 'label' ? Math.min(16, 2 * labels) : 4);
  const proposals = options.proposals ?? DEFAULT_PROPOSALS;
  const concurrency = options.concurrency ?? 8;
  for (const [name, value, least] of [
    ['maxExamples', maxExamples, 1],
    ['proposals', proposals, 0],
    ['concurrency', concurrency, 1],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < least) {
      throw new InputError(`${name} must be a whole number from ${least}, got ${String(value)}`, {
        path: `options.${name}`,
      });
    }
  }
  return { seed, split, maxExamples, proposals, concurrency };
}

/** The labels the dev errors expected, most missed first (label tasks; none otherwise). */
function errorLabels(report: EvalReport): string[] {
  return (report.labels ?? [])
    .map((score) => ({ label: score.label, missed: score.support - score.truePositives }))
    .filter((entry) => entry.missed > 0)
    .sort((left, right) => right.missed - left.missed)
    .map((entry) => entry.label);
}
