import type { CliIo } from './cli-io.js';

/** One `qwen-tasks` command. @internal */
export interface Command {
  /** What the user types, e.g. `classify`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text, with an example. */
  help: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
