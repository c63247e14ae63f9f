/** A level-free notifier: `wait()` resolves at the next `notify()`. @internal */
export interface Wakeup {
  wait(): Promise<void>;
  notify(): void;
}

/** @internal */
export function createWakeup(): Wakeup {
  let waiters: (() => void)[] = [];
  return {
    wait() {
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    notify() {
      const woken = waiters;
      waiters = [];
      for (const resolve of woken) resolve();
    },
  };
}
