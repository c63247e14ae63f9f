import type { Usage } from '../client/types.js';
import type { TaskResult } from './task-result.js';

/**
 * What {@link runPackedLabels} gives for one item: its result, or the error that kept it from one. A failed item
 * carries what it spent before failing (its share of the packed request plus its own calls), absent when nothing
 * was spent (e.g. an invalid text), so that summing over items gives the real total.
 */
export type PackedOutcome =
  | { ok: true; result: TaskResult<unknown> }
  | { ok: false; error: unknown; calls?: number; usage?: Usage; costUsd?: number };
