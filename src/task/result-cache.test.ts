import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { defineTask } from './define-task.js';
import type { CachedEntry } from './result-cache.js';
import { cacheKey, cacheModel, createFileCache, createMemoryCache } from './result-cache.js';

const entry = (raw: string): CachedEntry => ({
  value: raw,
  raw,
  finishReason: 'stop',
  createdAt: '2025-07-28T00:00:00.000Z',
});

const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative'] } });

describe('cacheKey', () => {
  const base = cacheKey(sentiment, 'qwen-flash', 'Great!');

  it('is 64 hex characters and the same for the same call', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const again = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative'] } });
    expect(cacheKey(again, 'qwen-flash', 'Great!')).toBe(base);
  });

  it.each([
    ['the text', () => cacheKey(sentiment, 'qwen-flash', 'Great!!')],
    ['the model', () => cacheKey(sentiment, 'qwen-flash-2025-07-28', 'Great!')],
    [
      'the labels',
      () =>
        cacheKey(defineTask({ name: 'sentiment', output: { labels: ['positive', 'bad'] } }), 'qwen-flash', 'Great!'),
    ],
    [
      'the instructions',
      () =>
        cacheKey(
          defineTask({ name: 'sentiment', instructions: 'Be strict.', output: { labels: ['positive', 'negative'] } }),
          'qwen-flash',
          'Great!',
        ),
    ],
    [
      'the temperature',
      () =>
        cacheKey(
          defineTask({ name: 'sentiment', temperature: 0.7, output: { labels: ['positive', 'negative'] } }),
          'qwen-flash',
          'Great!',
        ),
    ],
    [
      'thinking',
      () =>
        cacheKey(
          defineTask({ name: 'sentiment', thinking: true, output: { labels: ['positive', 'negative'] } }),
          'qwen-flash',
          'Great!',
        ),
    ],
    [
      'the output-token limit',
      () =>
        cacheKey(
          defineTask({ name: 'sentiment', maxTokens: 5, output: { labels: ['positive', 'negative'] } }),
          'qwen-flash',
          'Great!',
        ),
    ],
  ])('changes with %s', (_name, other) => {
    expect(other()).not.toBe(base);
  });

  it('keys by the task model, then the client model, then qwen-flash', () => {
    const pinned = defineTask({ name: 'pinned', model: 'qwen-flash-2025-07-28', output: { labels: ['a', 'b'] } });
    expect(cacheModel(pinned, { model: 'qwen3.5-flash' })).toBe('qwen-flash-2025-07-28');
    expect(cacheModel(sentiment, { model: 'qwen3.5-flash' })).toBe('qwen3.5-flash');
    expect(cacheModel(sentiment, undefined)).toBe('qwen-flash');
  });
});

describe('createMemoryCache', () => {
  it('returns what was stored, as a copy', async () => {
    const cache = createMemoryCache();
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('a', { ...entry('positive'), value: { nested: [1] } });
    const first = (await cache.get('a')) as CachedEntry;
    expect(first).toEqual({ ...entry('positive'), value: { nested: [1] } });
    (first.value as { nested: number[] }).nested.push(2);
    expect(((await cache.get('a')) as CachedEntry).value).toEqual({ nested: [1] });
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = createMemoryCache(2);
    await cache.set('a', entry('a'));
    await cache.set('b', entry('b'));
    await cache.get('a');
    await cache.set('c', entry('c'));
    expect(await cache.get('b')).toBeUndefined();
    expect((await cache.get('a'))?.raw).toBe('a');
    expect((await cache.get('c'))?.raw).toBe('c');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxEntries %s', (maxEntries) => {
    expect(() => createMemoryCache(maxEntries)).toThrow(InputError);
  });
});

describe('createFileCache', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-cache-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const key = cacheKey(sentiment, 'qwen-flash', 'Great!');

  it('refuses a path that is a regular file, saying it is a file and not a directory', async () => {
    const file = join(directory, 'results.jsonl');
    await writeFile(file, '{"id": 1}\n');
    expect(() => createFileCache(file)).toThrow(InputError);
    expect(() => createFileCache(file)).toThrow(/results\.jsonl is a file, not a directory/);
    expect(() => createFileCache(join(file, 'cache'))).toThrow(/is a file, not a directory/);
    expect(await readFile(file, 'utf8')).toBe('{"id": 1}\n');
  });

  it('accepts a directory that does not exist yet (it is made on the first write)', async () => {
    const cache = createFileCache(join(directory, 'new', 'cache'));
    await cache.set(key, entry('positive'));
    expect(await cache.get(key)).toEqual(entry('positive'));
  });

  it('keeps entries for a new cache on the same directory, one file per key in a shard directory', async () => {
    await createFileCache(directory).set(key, entry('positive'));
    expect(await createFileCache(directory).get(key)).toEqual(entry('positive'));
    expect(await readdir(directory)).toEqual([key.slice(0, 2)]);
    expect(await readdir(join(directory, key.slice(0, 2)))).toEqual([`${key}.json`]);
  });

  it('replaces an entry and leaves no temporary files, even with concurrent writers', async () => {
    const cache = createFileCache(directory);
    await Promise.all(Array.from({ length: 10 }, (_, index) => cache.set(key, entry(`reply ${index}`))));
    expect((await cache.get(key))?.raw).toMatch(/^reply \d$/);
    expect(await readdir(join(directory, key.slice(0, 2)))).toEqual([`${key}.json`]);
  });

  it('misses on a missing directory or key', async () => {
    expect(await createFileCache(join(directory, 'nowhere')).get(key)).toBeUndefined();
  });

  it.each([
    ['a truncated file', (text: string) => text.slice(0, text.length / 2)],
    ['an empty file', () => ''],
    ['a JSON value that is no entry', () => '[1, 2, 3]'],
    ['an entry without raw text', (text: string) => JSON.stringify({ ...JSON.parse(text), raw: undefined })],
    ['an entry of another version', (text: string) => JSON.stringify({ ...JSON.parse(text), version: 99 })],
    ['an entry stored under another key', (text: string) => JSON.stringify({ ...JSON.parse(text), key: 'other' })],
  ])('treats %s as a miss', async (_name, corrupt) => {
    const cache = createFileCache(directory);
    await cache.set(key, entry('positive'));
    const file = join(directory, key.slice(0, 2), `${key}.json`);
    await writeFile(file, corrupt(await readFile(file, 'utf8')));
    expect(await cache.get(key)).toBeUndefined();
  });

  it('stores any key inside the directory, hashing keys that are not plain names', async () => {
    const cache = createFileCache(directory);
    await cache.set('../../escape', entry('positive'));
    expect((await cache.get('../../escape'))?.raw).toBe('positive');
    const [shard] = await readdir(directory);
    expect(shard).toMatch(/^[0-9a-f]{2}$/);
    expect(await readdir(join(directory, shard as string))).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.json$/)]);
  });

  it('refuses an empty directory name', () => {
    expect(() => createFileCache(' ')).toThrow(InputError);
  });
});
