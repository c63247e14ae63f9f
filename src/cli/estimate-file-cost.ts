import { computeCostUsd } from '../client/compute-cost.js';
import { QWEN_FLASH_PRICES } from '../client/prices.js';
import type { Provider } from '../client/types.js';
import { countTokens, estimateTokens } from '../prompt/index.js';
import { previewTask } from '../task/preview-task.js';
import type { Task } from '../task/types.js';
import { readJsonlLines, recordText } from './read-jsonl.js';

/** Totals of a whole input file, before anything is spent. @internal */
export interface FileCostEstimate {
  /** Records with a text. */
  items: number;
  /** Line numbers of records that are not JSON or have no text (a string, or an object with a string `text`), at most 20. */
  invalidLines: number[];
  /** How many records had no text. */
  invalidCount: number;
  promptTokens: number;
  /** Prompt tokens of the largest request. */
  maxPromptTokens: number;
  /** Typical reply tokens, summed over the items. */
  completionTokens: number;
  /** Estimated USD online. */
  costUsd: number;
  /** Estimated USD through the Batch API (half the online price). */
  batchCostUsd: number;
  /** Whether the texts were counted with the Qwen3 tokenizer. */
  exactTokens: boolean;
}

/** Options of {@link estimateFileCost}. @internal */
export interface EstimateFileCostOptions {
  /** Count with {@link estimateTokens} even when the tokenizer is installed (faster on huge files). */
  estimate: boolean;
  client: { provider: Provider; model: string };
  command: string;
}

const BATCH_PRICE_SHARE = 0.5;
const MAX_INVALID_LINES = 20;

/**
 * Streams a JSONL input file and adds up what running a task over it would cost: the fixed part of each request
 * (system message, chat template) is measured once with `previewTask`, then each text is counted — exactly with
 * the Qwen3 tokenizer when it is installed, else with the fast estimate — and priced by its own tier.
 * @internal
 */
export async function estimateFileCost(
  task: Task,
  path: string,
  { estimate, client, command }: EstimateFileCostOptions,
): Promise<FileCostEstimate> {
  const sample = 'x';
  const preview = await previewTask(task, sample, { client });
  const exactTokens = preview.exactTokens && !estimate;
  const count = exactTokens
    ? async (text: string) => (await countTokens(text)).tokens
    : async (text: string) => estimateTokens(text);
  const fixedTokens = preview.promptTokens - (await count(sample));
  const totals: FileCostEstimate = {
    items: 0,
    invalidLines: [],
    invalidCount: 0,
    promptTokens: 0,
    maxPromptTokens: 0,
    completionTokens: 0,
    costUsd: 0,
    batchCostUsd: 0,
    exactTokens,
  };
  for await (const { line, text: json } of readJsonlLines(path, '--input', command)) {
    const text = recordText(parseOrUndefined(json));
    if (text === undefined || text.trim() === '') {
      totals.invalidCount += 1;
      if (totals.invalidLines.length < MAX_INVALID_LINES) totals.invalidLines.push(line);
      continue;
    }
    const promptTokens = fixedTokens + (await count(text));
    const completionTokens = preview.completionTokens;
    totals.items += 1;
    totals.promptTokens += promptTokens;
    totals.completionTokens += completionTokens;
    totals.maxPromptTokens = Math.max(totals.maxPromptTokens, promptTokens);
    totals.costUsd += computeCostUsd(
      { promptTokens, completionTokens, cachedTokens: 0, totalTokens: promptTokens + completionTokens },
      QWEN_FLASH_PRICES,
    );
  }
  totals.batchCostUsd = totals.costUsd * BATCH_PRICE_SHARE;
  return totals;
}

function parseOrUndefined(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
