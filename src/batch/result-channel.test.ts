import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { createResultChannel } from './result-channel.js';

async function drain<T>(iterator: AsyncIterator<T>): Promise<T[]> {
  const values: T[] = [];
  for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) values.push(next.value);
  return values;
}

describe('createResultChannel', () => {
  it('hands every value to an iterator attached before the first push', async () => {
    const channel = createResultChannel<number>(2);
    const iterator = channel.iterator();
    const values = drain(iterator);
    for (const value of [1, 2, 3, 4, 5]) await channel.push(value);
    channel.close();
    expect(await values).toEqual([1, 2, 3, 4, 5]);
  });

  it('makes push wait while an attached iterator is behind', async () => {
    const channel = createResultChannel<number>(2);
    const iterator = channel.iterator();
    await channel.push(1);
    await channel.push(2);
    let third = false;
    const pushed = channel.push(3).then(() => {
      third = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(third).toBe(false);
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    await pushed;
    expect(third).toBe(true);
  });

  it('keeps only the latest values while no iterator is attached, without ever waiting', async () => {
    const channel = createResultChannel<number>(3);
    for (let value = 1; value <= 10; value += 1) await channel.push(value);
    channel.close();
    expect(await drain(channel.iterator())).toEqual([8, 9, 10]);
  });

  it('drops values once the iterator returned', async () => {
    const channel = createResultChannel<number>(1);
    const iterator = channel.iterator();
    await channel.push(1);
    await iterator.return?.();
    await channel.push(2);
    await channel.push(3);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('throws the error it was closed with after the buffered values', async () => {
    const channel = createResultChannel<number>(4);
    await channel.push(1);
    channel.close(new Error('duplicate'));
    const iterator = channel.iterator();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    await expect(iterator.next()).rejects.toThrow('duplicate');
  });

  it('gives out one iterator only', () => {
    const channel = createResultChannel<number>();
    channel.iterator();
    expect(() => channel.iterator()).toThrow(InputError);
  });
});
