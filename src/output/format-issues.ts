import type { OutputIssue } from '../errors.js';

/**
 * Formats issues compactly for a repair turn (and for error messages), in the style of `z.prettifyError`:
 * one `✖ message` line per issue, followed by `  → at path` when the issue is inside the value.
 *
 * @example
 * formatIssues([{ path: ['items', 0, 'price'], message: 'Expected number, received string' }]);
 * // '✖ Expected number, received string\n  → at items[0].price'
 */
export function formatIssues(issues: readonly OutputIssue[]): string {
  return issues
    .map((issue) =>
      issue.path.length === 0 ? `✖ ${issue.message}` : `✖ ${issue.message}\n  → at ${formatPath(issue.path)}`,
    )
    .join('\n');
}

/** `a.b[0]["odd key"]`: identifiers after dots, indexes and other keys in brackets. @internal */
export function formatPath(path: readonly (string | number)[]): string {
  let formatted = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      formatted += `[${segment}]`;
    } else if (/^[A-Za-z_$][\w$]*$/.test(segment)) {
      formatted += formatted === '' ? segment : `.${segment}`;
    } else {
      formatted += `[${JSON.stringify(segment)}]`;
    }
  }
  return formatted;
}
