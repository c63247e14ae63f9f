/** Releases a slot taken with {@link Semaphore.acquire}; calling it twice is harmless. @internal */
export type Release = () => void;

/** A counting semaphore: at most `limit` holders at a time, the others wait in order. @internal */
export interface Semaphore {
  /** Waits for a slot; rejects with the signal's reason (and leaves the queue) when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<Release>;
}

/** Creates a semaphore with `limit` slots (`Infinity` for no limit). @internal */
export function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const waiting = new Set<() => void>();

  function release(): void {
    const next = waiting.values().next();
    if (next.done === true) {
      active -= 1;
      return;
    }
    waiting.delete(next.value);
    next.value();
  }

  function once(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  return {
    acquire(signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      if (active < limit) {
        active += 1;
        return Promise.resolve(once());
      }
      return new Promise<Release>((resolve, reject) => {
        const onAbort = (): void => {
          waiting.delete(grant);
          reject(signal?.reason);
        };
        const grant = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve(once());
        };
        waiting.add(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
