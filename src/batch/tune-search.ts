/**
 * The search of `tuneTask`: candidates scored on the dev split through `evaluateTask` and the result cache, the
 * model's instruction proposals, the choice (best dev score, ties to the fewest prompt tokens per item), the test
 * runs, and the cost cap every start is checked against (estimates before, money actually spent after). See
 * docs/tuning.md.
 * @module
 */
import type { QwenClient } from '../client/types.js';
import { roundUsd } from '../client/wire.js';
import { OutputError } from '../errors.js';
import { compileTask } from '../task/define-task.js';
import { previewTask } from '../task/preview-task.js';
import type { ResultCache } from '../task/result-cache.js';
import { runTask } from '../task/run-task.js';
import type { Task, TaskExample } from '../task/types.js';
import { countMessageTokens } from '../tokens.js';
import { createItemEstimate } from './budget.js';
import { type EvalReport, evaluateTask } from './evaluate.js';
import {
  type DataSplit,
  proposalRequest,
  proposalTask,
  readProposal,
  redefineTask,
  type TuneItem,
} from './tune-candidates.js';

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

/** What `tuneTask`'s `onProgress` receives, as each step ends. */
export type TuneProgress =
  | { kind: 'candidate'; candidate: TuneCandidate; spentUsd: number }
  | { kind: 'proposal'; proposal: TuneProposal; spentUsd: number }
  | { kind: 'test'; which: 'before' | 'after'; report: EvalReport; spentUsd: number }
  | { kind: 'stopped'; reason: string; spentUsd: number };

/** What the search needs of the options. */
export interface SearchSettings {
  maxCostUsd: number;
  concurrency: number;
  onProgress?: ((event: TuneProgress) => void) | undefined;
}

/** Scores closer than this are a tie. */
const TIE = 1e-9;

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
export function createSearch<O>(
  original: Task<O>,
  split: DataSplit,
  client: QwenClient,
  cache: ResultCache,
  settings: SearchSettings,
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
      settings.onProgress?.({ kind: 'candidate', candidate, spentUsd: spent.usd });
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
      settings.onProgress?.({ kind: 'proposal', proposal, spentUsd: spent.usd });
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
        settings.onProgress?.({ kind: 'test', which, report, spentUsd: spent.usd });
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
    if (spent.usd + usd <= settings.maxCostUsd) return true;
    const total = spent.usd + usd;
    search.stopped ??= `maxCostUsd ${settings.maxCostUsd} USD: ${what} would bring the spend to about ${total.toPrecision(3)} USD (test runs to come included; ${spent.usd.toPrecision(3)} USD spent so far)`;
    settings.onProgress?.({ kind: 'stopped', reason: search.stopped, spentUsd: spent.usd });
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
