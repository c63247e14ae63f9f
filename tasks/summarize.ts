import { InputError } from '../src/errors.js';
import { chunkText, estimateTokens } from '../src/prompt/index.js';
import { defineTask, runTask, type Task } from '../src/task/index.js';
import { mapLimited } from '../src/task/map-limited.js';
import { createTaskCache } from './task-cache.js';
import { runOptions, type TaskCallOptions, taskSettings } from './task-call-options.js';

/** Options of {@link summarize}. */
export interface SummarizeOptions extends TaskCallOptions {
  /** Bullet points (a `string[]`) or one paragraph (a `string`). @defaultValue 'paragraph' */
  format?: 'bullets' | 'paragraph';
  /** Most bullet points (bullets). */
  maxItems?: number;
  /** Most words (paragraph). */
  maxWords?: number;
  /**
   * Texts longer than this many (estimated) tokens are split on paragraph and sentence boundaries, each chunk is
   * summarized, then the summaries are summarized (map-reduce). @defaultValue 100000
   */
  chunkTokens?: number;
  /** Chunk summaries in flight at once. @defaultValue 4 */
  concurrency?: number;
}

/** Default chunk budget: far under the 1M context, so each call stays fast and its summary faithful. */
export const DEFAULT_CHUNK_TOKENS = 100_000;
const cache = createTaskCache();

/** The task {@link summarize} runs for a format and limits (cached). @internal */
export function summarizeTask(options: SummarizeOptions = {}): Task<unknown> {
  const fields = taskSettings(options);
  const bullets = options.format === 'bullets';
  return cache(JSON.stringify([bullets, options.maxItems, options.maxWords, fields]), () =>
    defineTask({
      name: 'summarize',
      kind: 'summarize',
      format: bullets ? 'lines' : 'text',
      output: bullets
        ? options.maxItems === undefined
          ? {}
          : { maxItems: options.maxItems }
        : options.maxWords === undefined
          ? {}
          : { maxWords: options.maxWords },
      instructions: options.instructions ?? 'Summarize the text.',
      ...fields,
    }),
  );
}

/**
 * Summarizes a text as bullet points or a paragraph. Long texts are summarized map-reduce style (chunks in
 * parallel, then the summaries), and the final result respects `maxItems` / `maxWords`.
 *
 * @example
 * ```ts
 * const points = await summarize(report, { format: 'bullets', maxItems: 5 }); // string[]
 * const abstract = await summarize(report, { format: 'paragraph', maxWords: 80 }); // string
 * ```
 */
export function summarize(text: string, options: SummarizeOptions & { format: 'bullets' }): Promise<string[]>;
export function summarize(text: string, options?: SummarizeOptions & { format?: 'paragraph' }): Promise<string>;
export async function summarize(text: string, options: SummarizeOptions = {}): Promise<string | string[]> {
  const chunkTokens = options.chunkTokens ?? DEFAULT_CHUNK_TOKENS;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(chunkTokens) || chunkTokens < 100) {
    throw new InputError('chunkTokens must be a whole number of at least 100', { path: 'options.chunkTokens' });
  }
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InputError('concurrency must be a whole number of at least 1', { path: 'options.concurrency' });
  const task = summarizeTask(options);
  const callOptions = runOptions(options);
  let input: string = text;
  for (let round = 0; estimateTokens(input) > chunkTokens; round += 1) {
    if (round >= 8) throw new InputError('text is too long to summarize within the chunk budget', { path: 'text' });
    const chunkTask = summarizeTask({
      ...options,
      format: 'bullets',
      maxItems: 12,
      instructions: 'Summarize this part of a longer text.',
    });
    const chunks = chunkText(input, { maxTokens: chunkTokens });
    const summaries = await mapLimited(
      chunks,
      concurrency,
      async (chunk) => (await runTask(chunkTask, chunk, callOptions)).value as string[],
    );
    input = summaries.map((lines) => lines.map((line) => `- ${line}`).join('\n')).join('\n\n');
  }
  const result = await runTask(task, input, callOptions);
  return result.value as string | string[];
}
