/**
 * A mistake in how the command line was used (a bad flag, a missing argument, an unreadable file): printed as one
 * line with a pointer to the command's help, exit code 2.
 * @internal
 */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose `--help` the message points to, when there is one. */
  readonly command: string | undefined;

  constructor(message: string, options?: { command?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.command = options?.command;
  }
}
