import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from './command.js';

const FLAGS = {
  labels: { type: 'string', short: 'l' },
  multi: { type: 'boolean' },
  'max-items': { type: 'string' },
} as const;

function usageMessage(args: string[]): string {
  try {
    parseCommandLine('classify', args, FLAGS);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandLine', () => {
  it('returns typed values and positionals, with "-" as a positional', () => {
    const { values, positionals } = parseCommandLine('classify', ['-', '-l', 'a,b', '--multi'], FLAGS);
    expect(values).toEqual({ labels: 'a,b', multi: true });
    expect(positionals).toEqual(['-']);
  });

  it.each([
    [['--lables', 'a'], 'unknown option --lables (did you mean --labels?)'],
    [['--max-item', '3'], 'unknown option --max-item (did you mean --max-items?)'],
    [['--colour'], 'unknown option --colour'],
    [['--labels'], 'option --labels needs a value'],
    [['--multi=yes'], 'option --multi does not take a value'],
  ])('turns %j into the message %j', (args, message) => {
    expect(usageMessage(args)).toBe(message);
  });

  it.each([['--api-key', 'sk-secret-value'], ['--api-key=sk-secret-value'], ['--apikey=sk-secret-value']])(
    'refuses %s and explains why, without echoing the key',
    (...args) => {
      const message = usageMessage(args);
      expect(message).toContain('shell history');
      expect(message).not.toContain('sk-secret-value');
    },
  );
});
