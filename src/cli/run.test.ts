import { describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './run-stop.js';

describe('shellQuote', () => {
  it.each([
    ['tasks/sentiment.task.json', 'tasks/sentiment.task.json'],
    ['--concurrency', '--concurrency'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
    ['', "''"],
  ])('quotes %j as %s', (argument, quoted) => {
    expect(shellQuote(argument)).toBe(quoted);
  });

  it('joins a command line', () => {
    expect(shellCommand(['qwen-tasks', 'run', 'my tasks/x.task.json', '--resume'])).toBe(
      "qwen-tasks run 'my tasks/x.task.json' --resume",
    );
  });
});
