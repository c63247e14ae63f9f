import type { OutputIssue } from '../errors.js';
import type { RepairName } from './repair-name.js';

/**
 * Result of parsing or validating a reply: a value with the local repairs that produced it, or the issues that
 * keep it from being valid (with the repairs tried so far).
 */
export type ParseOutcome<T> =
  | { ok: true; value: T; repairs: RepairName[] }
  | { ok: false; issues: OutputIssue[]; repairs: RepairName[] };

/** Builds a failed outcome with one issue at the root. @internal */
export function failure(
  message: string,
  repairs: RepairName[] = [],
): { ok: false; issues: OutputIssue[]; repairs: RepairName[] } {
  return { ok: false, issues: [{ path: [], message }], repairs };
}
