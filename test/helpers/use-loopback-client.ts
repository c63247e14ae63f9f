import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ClientOptions } from '../../src/client/types.js';
import { createClient, type QwenClient } from '../../src/index.js';
import { type MockQwen, type MockReplySource, startMockQwen } from '../../src/testing/index.js';

/** One loopback server and a DashScope client on it, shared by the tests of a file. */
export interface LoopbackClient {
  readonly server: MockQwen;
  readonly client: QwenClient;
}

/** How a test file wants its server and client. */
export interface LoopbackClientOptions {
  /** The server's reply, restored after each test; the automatic reply otherwise. */
  reply?: MockReplySource;
  /** More client options (e.g. `clock`, `env`); `maxRetries` is 0 unless given. */
  client?: Omit<ClientOptions, 'baseURL' | 'apiKey'>;
}

/**
 * Starts a server that accepts only `key` and a client that presents it, for a test file (call at top level).
 * After each test the server forgets its requests and gets its reply back, with no faults; after the file both
 * are closed.
 */
export function useLoopbackClient(key: string, options: LoopbackClientOptions = {}): LoopbackClient {
  let server: MockQwen;
  let client: QwenClient;
  beforeAll(async () => {
    server = await startMockQwen({ apiKey: key, ...(options.reply === undefined ? {} : { reply: options.reply }) });
    client = createClient({
      provider: 'dashscope',
      maxRetries: 0,
      ...options.client,
      baseURL: server.baseURL,
      apiKey: key,
    });
  });
  afterEach(() => {
    server.reset();
    server.setReply(options.reply);
    server.setFaults(undefined);
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });
  return {
    get server() {
      return server;
    },
    get client() {
      return client;
    },
  };
}
