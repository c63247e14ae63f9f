import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useLoopbackClient } from '../../test/helpers/use-loopback-client.js';
import { defineTask } from './define-task.js';
import type { ResultCache } from './result-cache.js';
import { cacheKey, createFileCache, createMemoryCache } from './result-cache.js';
import { runTask } from './run-task.js';

const KEY = 'sk-run-task-cache-test';
const mock = useLoopbackClient(KEY);
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-run-cache-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative', 'neutral'] } });
const meeting = defineTask({ name: 'meeting', output: z.object({ title: z.string(), startsAt: z.date() }) });

describe('runTask with a result cache', () => {
  it('calls on a miss, stores the result, and answers the same call from the cache without a request', async () => {
    mock.server.setReply({ content: 'positive', usage: { promptTokens: 40, completionTokens: 1 } });
    const cache = createFileCache(directory);
    const first = await runTask(sentiment, 'Great!', { client: mock.client, cache });
    expect(first).toMatchObject({ value: 'positive', calls: 1 });
    expect(first.cached).toBeUndefined();
    expect(first.costUsd).toBeGreaterThan(0);
    expect(mock.server.chatRequests()).toHaveLength(1);

    const second = await runTask(sentiment, 'Great!', { client: mock.client, cache });
    expect(second).toMatchObject({
      value: 'positive',
      raw: 'positive',
      calls: 0,
      costUsd: 0,
      cached: true,
      finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
    });
    expect(mock.server.chatRequests()).toHaveLength(1);
  });

  it('misses for another text, and a file cache survives a new instance on the same directory', async () => {
    mock.server.setReply('negative');
    await runTask(sentiment, 'It broke.', { client: mock.client, cache: createFileCache(directory) });
    await runTask(sentiment, 'It broke again.', { client: mock.client, cache: createFileCache(directory) });
    expect(mock.server.chatRequests()).toHaveLength(2);
    const again = await runTask(sentiment, 'It broke.', { client: mock.client, cache: createFileCache(directory) });
    expect(again).toMatchObject({ value: 'negative', cached: true });
    expect(mock.server.chatRequests()).toHaveLength(2);
  });

  it('needs no client and no API key for a hit', async () => {
    const cache = createMemoryCache();
    await cache.set(cacheKey(sentiment, 'qwen-flash', 'Fine.'), {
      value: 'neutral',
      raw: 'neutral',
      finishReason: 'stop',
      createdAt: new Date().toISOString(),
    });
    const names = ['DASHSCOPE_API_KEY', 'SEGMIND_API_KEY', 'QWEN_TASKS_API_KEY', 'QWEN_TASKS_BASE_URL'];
    const saved = names.map((name) => process.env[name]);
    for (const name of names) delete process.env[name];
    try {
      await expect(runTask(sentiment, 'Fine.', { cache })).resolves.toMatchObject({ value: 'neutral', cached: true });
    } finally {
      names.forEach((name, index) => {
        const value = saved[index];
        if (value !== undefined) process.env[name] = value;
      });
    }
  });

  it('gives dates back as Date objects on a hit, re-validating the stored reply', async () => {
    mock.server.setReply('{"title": "Kick-off", "startsAt": "2025-07-28T09:30:00Z"}');
    const cache = createFileCache(directory);
    const first = await runTask(meeting, 'Kick-off on 28 July at 9:30 UTC.', { client: mock.client, cache });
    const second = await runTask(meeting, 'Kick-off on 28 July at 9:30 UTC.', { client: mock.client, cache });
    expect(second.cached).toBe(true);
    expect(second.value.startsAt).toBeInstanceOf(Date);
    expect(second.value).toEqual(first.value);
    expect(second.value.startsAt.toISOString()).toBe('2025-07-28T09:30:00.000Z');
    expect(mock.server.chatRequests()).toHaveLength(1);
  });

  it('treats a corrupted file as a miss and calls again', async () => {
    mock.server.setReply('positive');
    const cache = createFileCache(directory);
    await runTask(sentiment, 'Great!', { client: mock.client, cache });
    const key = cacheKey(sentiment, mock.client.model, 'Great!');
    const file = join(directory, key.slice(0, 2), `${key}.json`);
    const stored = await readFile(file, 'utf8');
    await writeFile(file, stored.slice(0, 20));
    const again = await runTask(sentiment, 'Great!', { client: mock.client, cache });
    expect(again.cached).toBeUndefined();
    expect(mock.server.chatRequests()).toHaveLength(2);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ raw: 'positive' });
  });

  it('treats an entry whose reply no longer validates as a miss', async () => {
    mock.server.setReply('positive');
    const cache = createMemoryCache();
    await cache.set(cacheKey(sentiment, mock.client.model, 'Great!'), {
      value: 'maybe',
      raw: 'maybe',
      finishReason: 'stop',
      createdAt: new Date().toISOString(),
    });
    await expect(runTask(sentiment, 'Great!', { client: mock.client, cache })).resolves.toMatchObject({
      value: 'positive',
      calls: 1,
    });
  });

  it('never fails a call because the cache fails', async () => {
    mock.server.setReply('positive');
    const broken: ResultCache = {
      get: () => Promise.reject(new Error('store down')),
      set: () => {
        throw new Error('disk full');
      },
    };
    await expect(runTask(sentiment, 'Great!', { client: mock.client, cache: broken })).resolves.toMatchObject({
      value: 'positive',
    });
  });

  it('stores nothing for a call that fails', async () => {
    mock.server.setReply('maybe');
    const cache = createMemoryCache();
    await expect(runTask(sentiment, 'Hmm.', { client: mock.client, cache, maxRepairs: 0 })).rejects.toThrow();
    expect(await cache.get(cacheKey(sentiment, mock.client.model, 'Hmm.'))).toBeUndefined();
  });
});
