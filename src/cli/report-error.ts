import { AuthenticationError, InputError, redact, TaskDefinitionError } from '../errors.js';
import type { CliOutput } from './cli-io.js';
import { EXIT_CODES } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/**
 * Prints an error that ended a command on stderr and returns the exit code: usage errors as
 * `qwen-tasks <command>: message` plus a pointer to `--help`; everything else as `name: message` (library errors
 * are already free of keys; the text is redacted once more). Usage and configuration problems — bad flags, no key,
 * an invalid task file, bad input, a refused key — exit with 2, other failures with 1.
 * @internal
 */
export function reportError(error: unknown, stderr: CliOutput): number {
  if (error instanceof UsageError) {
    const prefix = error.command === undefined ? 'qwen-tasks' : `qwen-tasks ${error.command}`;
    const pointer = error.command === undefined ? '' : `Run "qwen-tasks ${error.command} --help" for usage.\n`;
    stderr.write(`${prefix}: ${redact(error.message)}\n${pointer}`);
    return EXIT_CODES.usage;
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`${name}: ${redact(message)}\n`);
  return exitCodeOf(error);
}

/** The exit code for an error: 2 for configuration and input problems, 1 for failures. @internal */
export function exitCodeOf(error: unknown): number {
  const configuration =
    error instanceof UsageError ||
    error instanceof InputError ||
    error instanceof TaskDefinitionError ||
    error instanceof AuthenticationError;
  return configuration ? EXIT_CODES.usage : EXIT_CODES.failed;
}
