import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { BatchItemResult } from '../../src/batch/types.js';
import type { MockRequest } from '../../src/testing/index.js';
import { TEST_BUILD_DIR } from './test-build.js';
import {
  forwardingClient,
  forwardingServer,
  type LoopbackClient,
  type LoopbackClientOptions,
  useLoopbackClient,
} from './use-loopback-client.js';

/**
 * What a batch test file shares: one loopback server, a client without retries, and a temp folder. All three may be
 * destructured at top level: the server and client forward to the file's once they start.
 */
export interface BatchHarness extends LoopbackClient {
  /** A new path in the temp folder, unique within the file. */
  readonly freshPath: (name: string) => string;
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
    server: forwardingServer(() => loopback.server),
    client: forwardingClient(() => loopback.client),
    freshPath: (name) => {
      fileCount += 1;
      return join(directory, `${fileCount}-${name}`);
    },
  };
}

const KILL_CHILD = fileURLToPath(new URL('../fixtures/batch-kill-child.mjs', import.meta.url));

/** Where the kill-child fixture sends its batch, and how much of it. */
export interface KillChildOptions {
  baseURL: string;
  apiKey: string;
  /** The results file, resumed if it exists. */
  output: string;
  items: number;
  /** What becomes of the child's stdout and stderr. */
  stdio: 'ignore' | 'pipe';
}

/** Starts the kill-child fixture (a batch run of `items` texts with resume, concurrency 4) in a child process. */
export function spawnKillChild(options: KillChildOptions): ChildProcess {
  return spawn(process.execPath, [KILL_CHILD], {
    env: {
      ...process.env,
      BATCH_BUILD_DIR: TEST_BUILD_DIR,
      BATCH_BASE_URL: options.baseURL,
      BATCH_API_KEY: options.apiKey,
      BATCH_OUTPUT: options.output,
      BATCH_ITEMS: String(options.items),
    },
    stdio: ['ignore', options.stdio, options.stdio],
  });
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
