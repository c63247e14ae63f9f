import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ClientOptions, Clock } from '../../src/client/types.js';
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
 * Starts a server that accepts only `key` for a test file; returns a getter for it (valid once the file's tests
 * run). After each test the server forgets its requests and gets `reply` back, with no faults; after the file it
 * is closed.
 */
function useLoopbackServer(key: string, reply: MockReplySource | undefined): () => MockQwen {
  let server: MockQwen | undefined;
  beforeAll(async () => {
    server = await startMockQwen({ apiKey: key, ...(reply === undefined ? {} : { reply }) });
  });
  afterEach(() => {
    server?.reset();
    server?.setReply(reply);
    server?.setFaults(undefined);
  });
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (server === undefined) throw new Error('the loopback server starts before the tests of the file');
    return server;
  };
}

/**
 * Starts a server that accepts only `key` and a client that presents it, for a test file (call at top level).
 * After each test the server forgets its requests and gets its reply back, with no faults; after the file both
 * are closed.
 */
export function useLoopbackClient(key: string, options: LoopbackClientOptions = {}): LoopbackClient {
  const server = useLoopbackServer(key, options.reply);
  let client: QwenClient;
  beforeAll(() => {
    client = createClient({
      provider: 'dashscope',
      maxRetries: 0,
      ...options.client,
      baseURL: server().baseURL,
      apiKey: key,
    });
  });
  // Registered after the server's hook, so it runs before it: the client closes first.
  afterAll(async () => {
    await client.close();
  });
  return {
    get server() {
      return server();
    },
    get client() {
      return client;
    },
  };
}

/** One loopback server for a test file, and clients on it made test by test. */
export interface LoopbackClients {
  /** The file's server, which may be destructured at top level: it forwards to the server once started. */
  readonly server: MockQwen;
  /** The backoff waits, in ms, of the clients made while `recordSleeps` is on; emptied after each test. */
  readonly sleeps: number[];
  /**
   * A new client with `provider: 'dashscope'`, the key, the server's `baseURL` and `env: {}`, then the file's
   * `client` options, then `options`; closed after the test.
   */
  client(options?: ClientOptions): QwenClient;
  /** Has a client made some other way closed after the test; returns it. */
  closeAfterTest(created: QwenClient): QwenClient;
}

/** How a test file wants its server and its clients. */
export interface LoopbackClientsOptions {
  /** The server's reply, restored after each test; the automatic reply otherwise. */
  reply?: MockReplySource;
  /** Options every client of the file gets (e.g. `maxRetries`, `random`); each call's own options win. */
  client?: ClientOptions;
  /** Gives the clients a clock whose backoff sleeps are recorded in `sleeps`, not waited. */
  recordSleeps?: boolean;
}

/**
 * Starts a server that accepts only `key`, for a test file that makes its clients test by test (call at top
 * level). After each test its clients are closed, and the server forgets its requests and gets its reply back,
 * with no faults; after the file the server is closed.
 */
export function useLoopbackClients(key: string, options: LoopbackClientsOptions = {}): LoopbackClients {
  const started = useLoopbackServer(key, options.reply);
  const clients: QwenClient[] = [];
  const sleeps: number[] = [];
  const recordingClock: Clock = {
    now: () => Date.now(),
    sleep: async (delayMs, signal) => {
      signal?.throwIfAborted();
      sleeps.push(delayMs);
    },
  };
  // Registered after the server's hook, so it runs before it: the clients close before the server resets.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((created) => created.close()));
    sleeps.length = 0;
  });
  const server = forwardingServer(started);
  const closeAfterTest = (created: QwenClient): QwenClient => {
    clients.push(created);
    return created;
  };
  return {
    server,
    sleeps,
    client: (clientOptions = {}) =>
      closeAfterTest(
        createClient({
          provider: 'dashscope',
          apiKey: key,
          baseURL: server.baseURL,
          env: {},
          ...(options.recordSleeps === true ? { clock: recordingClock } : {}),
          ...options.client,
          ...clientOptions,
        }),
      ),
    closeAfterTest,
  };
}

/**
 * A server that forwards to the one `started` returns, so it may be destructured at top level before the file's
 * server starts.
 */
export function forwardingServer(started: () => MockQwen): MockQwen {
  return {
    get url() {
      return started().url;
    },
    get baseURL() {
      return started().baseURL;
    },
    get segmindURL() {
      return started().segmindURL;
    },
    get requests() {
      return started().requests;
    },
    chatRequests: () => started().chatRequests(),
    reset: () => started().reset(),
    setReply: (reply) => started().setReply(reply),
    setFaults: (faults) => started().setFaults(faults),
    close: () => started().close(),
  };
}

/**
 * A client that forwards to the one `created` returns, so it may be destructured at top level before the file's
 * client is made.
 */
export function forwardingClient(created: () => QwenClient): QwenClient {
  return {
    get provider() {
      return created().provider;
    },
    get model() {
      return created().model;
    },
    get baseURL() {
      return created().baseURL;
    },
    get usage() {
      return created().usage;
    },
    get capabilities() {
      return created().capabilities;
    },
    get batchApi() {
      return created().batchApi;
    },
    chat: (request, options) => created().chat(request, options),
    close: () => created().close(),
  };
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}
