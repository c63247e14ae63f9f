/**
 * Label confidence on a task's result: the probabilities read from the reply's token log-probabilities (or why there
 * are none), and the low-confidence error. See `docs/prompting.md#label-confidence`.
 * @module
 */
import type { ChatResponse } from '../client/types.js';
import { LOW_CONFIDENCE, OutputError } from '../errors.js';
import { readLabelConfidence } from '../output/confidence.js';
import type { Task } from './types.js';

/** What a confidence reading adds to a result: the confidence and scores, or a warning saying why there are none. */
export type ConfidenceFields = { confidence: number; labelScores: Record<string, number> } | { warnings: string[] };

/**
 * Reads the confidence of a label task's answer `label` from the reply's token log-probabilities, starting at
 * `start` (a packed reply's item); never a made-up number: without usable probabilities, a warning says why.
 */
export function readConfidence(
  task: Task<unknown>,
  response: ChatResponse,
  label: unknown,
  start?: number,
): ConfidenceFields {
  if (response.logprobsRefused === true) {
    return {
      warnings: ['no confidence: the server refuses log-probabilities (logprobs), so they are no longer asked'],
    };
  }
  if (response.logprobs === undefined) {
    return { warnings: ['no confidence: the server returned no log-probabilities for the reply'] };
  }
  if (typeof label !== 'string' || task.labels === undefined) {
    return { warnings: ['no confidence: the answer is not one label'] };
  }
  // Without `start`, the reading begins after any reasoning block of the reply.
  const read = readLabelConfidence(response.logprobs, task.labels, label, start);
  if ('reason' in read) return { warnings: [`no confidence: ${read.reason}`] };
  return { confidence: read.confidence, labelScores: read.scores };
}

/** Whether a task's answer with `confidence` falls below its `minConfidence` (an answer without one never does). */
export function isLowConfidence(task: Task<unknown>, confidence: number | undefined): boolean {
  const minimum = task.settings.minConfidence;
  return minimum !== undefined && confidence !== undefined && confidence < minimum;
}

/** The {@link OutputError} (`LOW_CONFIDENCE`) of a valid label refused for its confidence. */
export function lowConfidenceError(
  task: Task<unknown>,
  answer: { label: string; confidence: number; labelScores: Record<string, number>; attempts: string[] },
): OutputError {
  const minimum = task.settings.minConfidence ?? 0;
  return new OutputError(
    `Task "${task.name}": the label "${answer.label}" has confidence ${answer.confidence.toFixed(3)}, under minConfidence ${minimum}`,
    {
      attempts: answer.attempts,
      issues: [{ path: [], message: `confidence ${answer.confidence} is under minConfidence ${minimum}` }],
      finishReason: 'stop',
      code: LOW_CONFIDENCE,
      label: answer.label,
      scores: answer.labelScores,
    },
  );
}
