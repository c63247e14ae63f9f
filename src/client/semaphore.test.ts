import { describe, expect, it } from 'vitest';
import { createSemaphore } from './semaphore.js';

describe('createSemaphore', () => {
  it('lets `limit` holders in and queues the rest in order', async () => {
    const semaphore = createSemaphore(2);
    const order: string[] = [];
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const third = semaphore.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = semaphore.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first();
    first();
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
  });

  it('rejects a waiter with the signal reason and removes it from the queue', async () => {
    const semaphore = createSemaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    const reason = new Error('stop waiting');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    release();
    const next = await semaphore.acquire();
    next();
  });

  it('rejects at once when the signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createSemaphore(5).acquire(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('never queues with an infinite limit', async () => {
    const semaphore = createSemaphore(Number.POSITIVE_INFINITY);
    const releases = await Promise.all(Array.from({ length: 100 }, () => semaphore.acquire()));
    expect(releases).toHaveLength(100);
  });
});
