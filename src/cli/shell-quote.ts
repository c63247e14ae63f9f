const SAFE = /^[\w@%+=:,./-]+$/;

/**
 * Quotes one argument for a POSIX shell, so that a printed command can be pasted back as is: safe words stay bare,
 * anything else goes in single quotes (a single quote inside becomes `'\''`).
 * @internal
 */
export function shellQuote(argument: string): string {
  if (SAFE.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** A whole command line, each argument quoted as needed. @internal */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
