import type { CliIo } from './cli-io.js';

/** One `qwen-tasks` command. @internal */
export interface Command {
  /** What the user types, e.g. `classify`. */
  name: string;
  /** The full `--help` text, with an example. */
  help: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A command as the top level knows it: loaded only when used, so `qwen-tasks check` never loads the client. @internal */
export interface CommandEntry {
  name: string;
  /** One line for the command list. */
  summary: string;
  load(): Promise<Command>;
}
