/** Runs async work with at most `limit` pieces at once. @internal */
export interface WorkPool {
  /** Starts `work` once a place is free (waits for one). Rejects at once when earlier work failed. */
  run(work: () => Promise<void>): Promise<void>;
  /** Waits for all started work; rejects with the first failure. */
  drain(): Promise<void>;
}

/** A pool of at most `limit` concurrent pieces of work; the first failure is kept and reported. @internal */
export function createWorkPool(limit: number): WorkPool {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  return {
    async run(work) {
      while (running.size >= limit) await Promise.race(running);
      if (failure !== undefined) throw failure.error;
      const piece: Promise<void> = work()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          running.delete(piece);
        });
      running.add(piece);
    },
    async drain() {
      while (running.size > 0) await Promise.all(running);
      if (failure !== undefined) throw failure.error;
    },
  };
}
