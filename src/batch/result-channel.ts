import { InputError } from '../errors.js';

/** Results a run keeps for an iterator that is not attached yet, or that is behind. @internal */
export const RESULT_BUFFER_SIZE = 256;

/**
 * A bounded hand-over from the runner to one optional iterator. Before an iterator is attached, the latest
 * `bufferSize` results are kept (older ones dropped). Once attached, `push` waits while the buffer is full, so a slow
 * consumer slows the run instead of filling memory. After the iterator returns (a `break`), results are dropped.
 * @internal
 */
export interface ResultChannel<T> {
  /** Hands a result over; resolves at once unless an attached iterator is behind. */
  push(value: T): Promise<void>;
  /** Ends the iteration after the buffered results; with an error, the iterator then throws it. */
  close(error?: unknown): void;
  /** The iterator (one per channel). */
  iterator(): AsyncIterator<T>;
}

type State = 'waiting' | 'attached' | 'detached';

/** @internal */
export function createResultChannel<T>(bufferSize = RESULT_BUFFER_SIZE): ResultChannel<T> {
  const buffer: T[] = [];
  let state: State = 'waiting';
  let closed = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let producersWaiting: (() => void)[] = [];

  function releaseProducers(): void {
    const waiting = producersWaiting;
    producersWaiting = [];
    for (const resolve of waiting) resolve();
  }

  function notifyConsumer(): void {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  }

  return {
    async push(value) {
      if (state === 'detached' || closed) return;
      if (state === 'waiting') {
        buffer.push(value);
        if (buffer.length > bufferSize) buffer.shift();
        return;
      }
      while (state === 'attached' && buffer.length >= bufferSize) {
        await new Promise<void>((resolve) => producersWaiting.push(resolve));
      }
      if (state !== 'attached') return;
      buffer.push(value);
      notifyConsumer();
    },
    close(error) {
      if (closed) return;
      closed = true;
      if (error !== undefined) failure = { error };
      notifyConsumer();
    },
    iterator() {
      if (state !== 'waiting') throw new InputError('A batch run can be iterated only once', { path: 'run' });
      state = 'attached';
      return {
        async next(): Promise<IteratorResult<T>> {
          for (;;) {
            if (state !== 'attached') return { done: true, value: undefined };
            if (buffer.length > 0) {
              const value = buffer.shift() as T;
              releaseProducers();
              return { done: false, value };
            }
            if (closed) {
              state = 'detached';
              if (failure !== undefined) throw failure.error;
              return { done: true, value: undefined };
            }
            await new Promise<void>((resolve) => {
              wakeConsumer = resolve;
            });
          }
        },
        async return(): Promise<IteratorResult<T>> {
          state = 'detached';
          buffer.length = 0;
          releaseProducers();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
