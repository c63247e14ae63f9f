import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { createResultChannel, validateBatchApiOptions } from './run-batch.js';
import type { BatchApiRunOptions } from './types.js';

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

describe('validateBatchApiOptions', () => {
  it.each<[string, BatchApiRunOptions]>([
    ['no options', {}],
    [
      'every option',
      {
        repairOnline: false,
        completionWindow: '14d',
        batchIds: ['batch_1'],
        pollIntervalMs: 5,
        maxPollIntervalMs: 10,
        maxLinesPerFile: 3,
        maxBytesPerFile: 1000,
        maxBytesPerLine: 100,
      },
    ],
    ['the shortest window', { completionWindow: '24h' }],
    ['the longest window', { completionWindow: '336h' }],
  ])('accepts %s', (_name, options) => {
    expect(() => validateBatchApiOptions(options)).not.toThrow();
  });

  it.each<[string, BatchApiRunOptions, string]>([
    ['a zero line limit', { maxLinesPerFile: 0 }, 'options.maxLinesPerFile'],
    ['a fractional poll interval', { pollIntervalMs: 1.5 }, 'options.pollIntervalMs'],
    ['a window under 24 hours', { completionWindow: '23h' }, 'options.completionWindow'],
    ['a window over 14 days', { completionWindow: '15d' }, 'options.completionWindow'],
    ['a window in minutes', { completionWindow: '1440m' }, 'options.completionWindow'],
    ['an empty batch id', { batchIds: [''] }, 'options.batchIds'],
    ['repairOnline as a string', { repairOnline: 'yes' as unknown as boolean }, 'options.repairOnline'],
  ])('refuses %s, naming the option', (_name, options, path) => {
    let caught: unknown;
    try {
      validateBatchApiOptions(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).path).toBe(path);
  });
});
