import { isRecord } from '../json.js';
import type { Usage } from './types.js';

/** A usage with every count at zero. @internal */
export const ZERO_USAGE: Readonly<Usage> = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  totalTokens: 0,
});

/**
 * Reads a wire `usage` object leniently: OpenAI names (`prompt_tokens`, `completion_tokens`,
 * `prompt_tokens_details.cached_tokens`) or DashScope's native ones (`input_tokens`, `output_tokens`); missing counts
 * are 0 and a missing total is the sum. `undefined` when there is no usage object at all.
 * @internal
 */
export function normalizeUsage(raw: unknown): Usage | undefined {
  if (!isRecord(raw)) return undefined;
  const promptTokens = count(raw.prompt_tokens) ?? count(raw.input_tokens) ?? 0;
  const completionTokens = count(raw.completion_tokens) ?? count(raw.output_tokens) ?? 0;
  const details = isRecord(raw.prompt_tokens_details) ? raw.prompt_tokens_details : {};
  const cachedTokens = count(details.cached_tokens) ?? count(raw.cached_tokens) ?? 0;
  const totalTokens = count(raw.total_tokens) ?? promptTokens + completionTokens;
  return { promptTokens, completionTokens, cachedTokens, totalTokens };
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
