import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { BatchItemResult } from '../../src/batch/types.js';
import type { MockRequest } from '../../src/testing/index.js';
import { type LoopbackClient, type LoopbackClientOptions, useLoopbackClient } from './use-loopback-client.js';

/** What a batch test file shares: one loopback server, a client without retries, and a temp folder. */
export interface BatchHarness extends LoopbackClient {
  /** A new path in the temp folder, unique within the file. */
  freshPath(name: string): string;
}

/** Starts the server, client and temp folder for a test file (call at top level); resets the server after each test. */
export function useBatchHarness(key: string, options: LoopbackClientOptions = {}): BatchHarness {
  const loopback = useLoopbackClient(key, options);
  let directory: string;
  let fileCount = 0;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'qwen-tasks-batch-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  return {
    get server() {
      return loopback.server;
    },
    get client() {
      return loopback.client;
    },
    freshPath(name) {
      fileCount += 1;
      return join(directory, `${fileCount}-${name}`);
    },
  };
}

/** Whether a request's user message is exactly `text`. */
export const hasText = (request: MockRequest, text: string): boolean =>
  request.messages.some((message) => message.role === 'user' && message.content === text);

/** Every line of a results file, parsed. */
export async function fileLines(path: string): Promise<BatchItemResult[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as BatchItemResult);
}

/** The ids `"0"` … `"count-1"`. */
export const ids = (count: number): string[] => Array.from({ length: count }, (_, position) => String(position));

/** The ids of result lines, in numeric order. */
export const sortedIds = (lines: readonly BatchItemResult[]): string[] =>
  lines.map((line) => line.id).sort((a, b) => Number(a) - Number(b));

/** Every value of an async iterable, in order. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}
