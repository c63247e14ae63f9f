import { normalizeForMatch } from './normalize-for-match.js';

/**
 * The one enum member a string, number or boolean stands for once case, spacing and punctuation are ignored
 * (`"Feature request"` → `'feature-request'`, `"2"` → `2`); `undefined` when none or several match.
 * Returned in a box so a matching `null` member is told apart from no match. @internal
 */
export function matchEnumMember(value: unknown, members: readonly unknown[]): { value: unknown } | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return undefined;
  }
  const normalized = normalizeForMatch(String(value));
  const matches = members.filter(
    (member) =>
      (typeof member === 'string' || typeof member === 'number' || typeof member === 'boolean') &&
      normalizeForMatch(String(member)) === normalized,
  );
  return matches.length === 1 ? { value: matches[0] } : undefined;
}
