/** The Ctrl-C handling of a long command. @internal */
export interface InterruptHandling {
  /** How many times Ctrl-C was pressed. */
  readonly count: number;
  /** The work is over: from now on Ctrl-C exits at once. */
  markFinished(): void;
  /** Removes the handler. */
  dispose(): void;
}

/** What to do on each Ctrl-C. @internal */
export interface InterruptActions {
  /** The first Ctrl-C: stop gracefully. */
  first(): void;
  /** The second Ctrl-C: stop harder. */
  second(): void;
  /** Exit code of a third Ctrl-C (or one after the work is over), which exits at once. */
  exitCode: number;
}

/**
 * Handles SIGINT in stages instead of dying on the first one: the first press calls `first`, the second `second`,
 * and a third press — or any press once the work is over — exits the process at once with `exitCode`.
 * @internal
 */
export function handleInterrupts(actions: InterruptActions): InterruptHandling {
  let count = 0;
  let finished = false;
  const onInterrupt = (): void => {
    count += 1;
    if (finished || count > 2) process.exit(actions.exitCode);
    if (count === 1) actions.first();
    else actions.second();
  };
  process.on('SIGINT', onInterrupt);
  return {
    get count() {
      return count;
    },
    markFinished() {
      finished = true;
    },
    dispose() {
      process.off('SIGINT', onInterrupt);
    },
  };
}
