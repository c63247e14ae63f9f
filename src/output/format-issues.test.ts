import { describe, expect, it } from 'vitest';
import { formatIssues, formatPath } from './format-issues.js';

describe('formatIssues', () => {
  it('writes one line per issue, and the path below when there is one', () => {
    expect(
      formatIssues([
        { path: [], message: 'The reply holds no JSON value.' },
        { path: ['items', 0, 'price'], message: 'Expected number, received string' },
      ]),
    ).toBe('✖ The reply holds no JSON value.\n✖ Expected number, received string\n  → at items[0].price');
  });

  it('writes nothing for no issues', () => {
    expect(formatIssues([])).toBe('');
  });

  it.each<[(string | number)[], string]>([
    [['a'], 'a'],
    [['a', 'b', 2], 'a.b[2]'],
    [[0, 'name'], '[0].name'],
    [['first name', 'x'], '["first name"].x'],
  ])('formats the path %j as %s', (path, formatted) => {
    expect(formatPath(path)).toBe(formatted);
  });
});
