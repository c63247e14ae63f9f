/**
 * Tuning a task from labelled data (`tuneTask`, and `qwen-tasks tune`): the data split once, candidates (few-shot
 * example sets, with and without label descriptions, and the model's own instruction proposals) scored on the dev
 * split through `evaluateTask` and the result cache, the best one chosen on dev (ties to the fewest prompt tokens),
 * and the test split run once for it and once for the original, all within `maxCostUsd`. See docs/tuning.md.
 * @module
 */
import type { QwenClient } from '../client/types.js';
import { roundUsd } from '../client/wire.js';
import { InputError, OutputError } from '../errors.js';
import { compileTask } from '../task/define-task.js';
import { previewTask } from '../task/preview-task.js';
import { createMemoryCache, type ResultCache } from '../task/result-cache.js';
import { getDefaultClient, runTask } from '../task/run-task.js';
import type { Task, TaskExample } from '../task/types.js';
import { countMessageTokens } from '../tokens.js';
import { createItemEstimate } from './budget.js';
import { type EvalReport, evaluateTask } from './evaluate.js';
import {
  type DataSplit,
  drawExampleSets,
  proposalRequest,
  proposalTask,
  readProposal,
  redefineTask,
  type SplitShares,
  splitData,
  type TaskChanges,
  type TuneItem,
} from './tune-candidates.js';

/** Options of {@link tuneTask}. */
export interface TuneTaskOptions {
  /**
   * Most USD to spend, required: a candidate (or proposal) whose estimated cost, plus the test runs still to come,
   * would pass it is not started, and the search ends there. Cache hits cost nothing.
   */
  maxCostUsd: number;
  /** Seeds the split and the example draws: the same seed and data give the same tuned task. @defaultValue 1 */
  seed?: number;
  /** Shares of the data for train (the examples' pool), dev (scoring) and test (before/after). @defaultValue `{ train: 0.5, dev: 0.25, test: 0.25 }` */
  split?: SplitShares;
  /** Most examples a candidate shows. @defaultValue twice the labels, at most 16 (label tasks); 4 otherwise */
  maxExamples?: number;
  /** Instruction proposals asked of the model (one call each), from the dev errors of the best candidate so far. @defaultValue 2 */
  proposals?: number;
  /** Client to call; the default client (from the environment) otherwise. */
  client?: QwenClient;
  /** Where every evaluation's results are kept: a tune run again with the same cache makes no request. @defaultValue a memory cache for this call */
  cache?: ResultCache;
  /** Items in flight at once. @defaultValue 8 */
  concurrency?: number;
  /** Called after each candidate, proposal and test run, and when the search stops early. */
  onProgress?: (event: TuneProgress) => void;
}

/** The figures of one evaluation: scores, and what it took. */
export interface TuneScores {
  items: number;
  /** Exact-match accuracy, 0–1. */
  accuracy: number;
  /** Label tasks: macro-F1, 0–1 (the score candidates are ranked by; accuracy for other tasks). */
  macroF1?: number;
  /** Items the task failed on (scored as wrong). */
  failed: number;
  /** Requests actually sent (cache hits send none). */
  requests: number;
  /** USD actually spent (cache hits cost nothing). */
  costUsd: number;
}

/** One candidate tried on the dev split. */
export interface TuneCandidate {
  /** Position in {@link TuneReport.candidates}; 0 is the original. */
  index: number;
  /** How it was made, e.g. `original`, `3 examples (1 per label), draw 1, no descriptions`, `proposal 1`. */
  name: string;
  instructions: string | undefined;
  examples: TaskExample[];
  /** Label tasks with descriptions. */
  labelDescriptions: Record<string, string> | undefined;
  /** Prompt tokens of one call on a dev item: the system message, chat template and the dev texts' mean. */
  promptTokensPerItem: number;
  /** The cost estimated before it ran (the figure checked against `maxCostUsd`). */
  estimatedCostUsd: number;
  dev: TuneScores;
}

/** One instruction proposal: a call of its own, shown in the report. */
export interface TuneProposal {
  /** The candidate whose instructions and dev errors it started from. */
  fromCandidate: number;
  /** The user message sent (the proposal's system message is fixed; see docs/tuning.md). */
  request: string;
  /** The instructions proposed; absent when the reply held none or the call failed. */
  instructions?: string;
  /** The candidate it became; absent when it repeated earlier instructions, held none, or the budget ran out. */
  candidate?: number;
  /** Why the call gave no instructions. */
  error?: string;
  requests: number;
  costUsd: number;
}

/** The test split, run once with the original and once with the chosen candidate. */
export interface TuneTestFigures {
  /** The original task (the same report as `after` when the original was kept). */
  before: EvalReport;
  after: EvalReport;
  /** Prompt tokens of one call on a test item, before and after. */
  promptTokensPerItem: { before: number; after: number };
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

/** What {@link TuneTaskOptions.onProgress} receives. */
export type TuneProgress =
  | { kind: 'candidate'; candidate: TuneCandidate; spentUsd: number }
  | { kind: 'proposal'; proposal: TuneProposal; spentUsd: number }
  | { kind: 'test'; which: 'before' | 'after'; report: EvalReport; spentUsd: number }
  | { kind: 'stopped'; reason: string; spentUsd: number };

const DEFAULT_SPLIT: SplitShares = { train: 0.5, dev: 0.25, test: 0.25 };
const DEFAULT_PROPOSALS = 2;
/** Draws of each example-set size. */
const DRAWS = 2;
/** Scores closer than this are a tie. */
const TIE = 1e-9;

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
 * console.log(report.test?.before.macroF1, '→', report.test?.after.macroF1);
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
  const search = createSearch(task, split, client, cache, settings, options);
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

/** The scores of an evaluation report. */
function scoresOf(report: EvalReport): TuneScores {
  return {
    items: report.total,
    accuracy: report.accuracy,
    ...(report.macroF1 === undefined ? {} : { macroF1: report.macroF1 }),
    failed: report.failed,
    requests: report.usage.requests,
    costUsd: report.costUsd,
  };
}

/** The score a candidate is ranked by. */
function scoreOf(scores: TuneScores): number {
  return scores.macroF1 ?? scores.accuracy;
}

/**
 * The state of one search: the candidates and proposals so far, their tasks and dev reports, the money spent, and
 * the cost estimates every start is checked with.
 */
function createSearch<O>(
  original: Task<O>,
  split: DataSplit,
  client: QwenClient,
  cache: ResultCache,
  settings: TuneSettings,
  options: TuneTaskOptions,
) {
  const candidates: TuneCandidate[] = [];
  const proposals: TuneProposal[] = [];
  const tasks: Task<O>[] = [];
  const devReports: EvalReport[] = [];
  const spent = { usd: 0, requests: 0, completionTokens: 0 };
  const meanTextTokens = new Map<readonly TuneItem[], Promise<number>>();
  let typicalCompletionTokens: number | undefined;
  let largestTestUsd = 0;
  const search = {
    candidates,
    proposals,
    spent,
    stopped: undefined as string | undefined,
    devReport: (index: number): EvalReport => devReports[index]!,
    taskOf: (index: number): Task<O> => tasks[index]!,

    /** Scores a candidate on dev, unless its estimate (and the test runs still to come) would pass the cap. */
    async tryCandidate(name: string, task: Task<O>): Promise<TuneCandidate | undefined> {
      if (search.stopped !== undefined) return undefined;
      const devUsd = await estimateUsd(task, split.dev);
      const testUsd = Math.max(largestTestUsd, await estimateUsd(task, split.test));
      const originalTestUsd = candidates.length === 0 ? 0 : await estimateUsd(original, split.test);
      if (!affords(`candidate "${name}"`, devUsd + originalTestUsd + testUsd)) return undefined;
      const report = await evaluateTask(task, split.dev, {
        client,
        cache,
        concurrency: settings.concurrency,
        data: 'dev',
      });
      account(report);
      largestTestUsd = testUsd;
      const candidate: TuneCandidate = {
        index: candidates.length,
        name,
        instructions: task.instructions,
        examples: task.examples.map((example) => ({ ...example })),
        labelDescriptions: task.labelDescriptions === undefined ? undefined : { ...task.labelDescriptions },
        promptTokensPerItem: await promptTokensPerItem(task, split.dev),
        estimatedCostUsd: devUsd,
        dev: scoresOf(report),
      };
      candidates.push(candidate);
      tasks.push(task);
      devReports.push(report);
      options.onProgress?.({ kind: 'candidate', candidate, spentUsd: spent.usd });
      return candidate;
    },

    /**
     * Asks the model for instructions from the dev errors of the best candidate so far (one call), and scores them
     * with that candidate's examples. `false` when there is nothing to learn from (no errors) or no money left.
     */
    async propose(number: number): Promise<boolean> {
      const base = search.best();
      const baseReport = devReports[base]!;
      if (baseReport.mismatches.length === 0) return false;
      const baseTask = tasks[base]!;
      const tried = [...new Set(candidates.map((candidate) => candidate.instructions ?? ''))].filter(Boolean);
      const request = proposalRequest(baseTask, baseTask.instructions, baseReport.mismatches, tried);
      const preview = await previewTask(proposalTask(), request, { client });
      const devUsd = await estimateUsd(baseTask, split.dev);
      const testUsd = largestTestUsd + (await estimateUsd(original, split.test));
      if (!affords(`proposal ${number}`, preview.costUsd + devUsd + testUsd)) return false;
      const proposal: TuneProposal = { fromCandidate: base, request, requests: 0, costUsd: 0 };
      proposals.push(proposal);
      try {
        const result = await runTask(proposalTask(), request, { client, cache });
        proposal.requests = result.calls;
        proposal.costUsd = result.costUsd;
        spent.usd = roundUsd(spent.usd + result.costUsd);
        spent.requests += result.calls;
        const instructions = readProposal(result.value);
        if (instructions === undefined) proposal.error = 'the reply held no instructions';
        else proposal.instructions = instructions;
      } catch (error) {
        if (!(error instanceof OutputError)) throw error;
        proposal.requests = error.attempts.length;
        proposal.error = error.message;
      }
      options.onProgress?.({ kind: 'proposal', proposal, spentUsd: spent.usd });
      if (proposal.instructions === undefined || tried.includes(proposal.instructions)) return true;
      const candidate = await search.tryCandidate(
        `proposal ${number}`,
        redefineTask(baseTask, { instructions: proposal.instructions }),
      );
      if (candidate !== undefined) proposal.candidate = candidate.index;
      return candidate !== undefined;
    },

    /** The best candidate on dev: the highest score, then the fewest prompt tokens per item, then the earliest. */
    best(): number {
      let best = 0;
      for (const candidate of candidates) {
        const leader = candidates[best]!;
        const difference = scoreOf(candidate.dev) - scoreOf(leader.dev);
        const cheaper = candidate.promptTokensPerItem < leader.promptTokensPerItem;
        if (difference > TIE || (Math.abs(difference) <= TIE && cheaper)) best = candidate.index;
      }
      return best;
    },

    /** Runs the test split with the original, then with the chosen candidate (once, when it is the original). */
    async runTest(chosen: number): Promise<TuneTestFigures | undefined> {
      if (candidates.length === 0) return undefined;
      const chosenTask = tasks[chosen]!;
      const estimate =
        (await estimateUsd(original, split.test)) + (chosen === 0 ? 0 : await estimateUsd(chosenTask, split.test));
      if (!affords('the test runs', estimate)) return undefined;
      const run = async (task: Task<O>, which: 'before' | 'after') => {
        const report = await evaluateTask(task, split.test, {
          client,
          cache,
          concurrency: settings.concurrency,
          data: 'test',
        });
        account(report);
        options.onProgress?.({ kind: 'test', which, report, spentUsd: spent.usd });
        return report;
      };
      const before = await run(original, 'before');
      const after = chosen === 0 ? before : await run(chosenTask, 'after');
      return {
        before,
        after,
        promptTokensPerItem: {
          before: await promptTokensPerItem(original, split.test),
          after: await promptTokensPerItem(chosenTask, split.test),
        },
      };
    },
  };

  /**
   * Whether `usd` more (the estimate of what is to start, the test runs still to come included) fits under the
   * cap; if not, records why the search stopped.
   */
  function affords(what: string, usd: number): boolean {
    if (spent.usd + usd <= options.maxCostUsd) return true;
    const total = spent.usd + usd;
    search.stopped ??= `maxCostUsd ${options.maxCostUsd} USD: ${what} would bring the spend to about ${total.toPrecision(3)} USD (test runs to come included; ${spent.usd.toPrecision(3)} USD spent so far)`;
    options.onProgress?.({ kind: 'stopped', reason: search.stopped, spentUsd: spent.usd });
    return false;
  }

  function account(report: EvalReport): void {
    spent.usd = roundUsd(spent.usd + report.costUsd);
    spent.requests += report.usage.requests;
    spent.completionTokens += report.usage.completionTokens;
  }

  /**
   * The estimated cost of running `task` over `items`: each item's prompt tokens as the batch budget estimates them,
   * and the mean reply tokens seen so far (before any reply, a typical reply of the task's format).
   */
  async function estimateUsd(task: Task<O>, items: readonly TuneItem[]): Promise<number> {
    const estimate = createItemEstimate({ task, client });
    const first = items[0];
    if (first === undefined) return 0;
    typicalCompletionTokens ??= (await previewTask(original, first.text, { client })).completionTokens;
    const completionTokens =
      spent.requests > 0 && spent.completionTokens > 0
        ? spent.completionTokens / spent.requests
        : typicalCompletionTokens;
    let total = 0;
    for (const item of items)
      total += estimate.priceUsd({ promptTokens: estimate.promptTokens(item), completionTokens });
    return total;
  }

  /**
   * Prompt tokens of one call on an item of `items`: the system message with the chat template (counted exactly
   * when the tokenizer is installed), plus the mean tokens of the texts.
   */
  async function promptTokensPerItem(task: Task<O>, items: readonly TuneItem[]): Promise<number> {
    let mean = meanTextTokens.get(items);
    if (mean === undefined) {
      mean = (async () => {
        let total = 0;
        for (const item of items)
          total += (await countMessageTokens([{ role: 'user', content: item.text }])).contentTokens;
        return items.length === 0 ? 0 : total / items.length;
      })();
      meanTextTokens.set(items, mean);
    }
    const system = compileTask(task).system;
    const frame = await countMessageTokens([
      { role: 'system', content: system },
      { role: 'user', content: '' },
    ]);
    return Math.round((frame.tokens + (await mean)) * 10) / 10;
  }

  return search;
}
