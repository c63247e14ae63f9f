/**
 * Exit codes of the `qwen-tasks` command line, the same for every command.
 * @internal
 */
export const EXIT_CODES = Object.freeze({
  /** Everything worked. */
  ok: 0,
  /** Items failed, a check failed, or an evaluation fell below its minimum. */
  failed: 1,
  /** Usage or configuration error: bad flags, missing key, unreadable or invalid task file. */
  usage: 2,
  /** Stopped by Ctrl-C (128 + SIGINT). */
  interrupted: 130,
});
