import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerOther } from './answer-other.js';
import { deliverAnswer } from './deliver-answer.js';
import { handleChat } from './handle-chat.js';
import { createMockState, type MockState, resetMockState } from './mock-state.js';
import type { MockQwen, MockQwenOptions } from './mock-types.js';
import { pause } from './pause.js';
import { recordRequest } from './record-request.js';
import { isChatRequest, routeOf } from './route-of.js';

/**
 * Starts a loopback server on 127.0.0.1 (a free port) that speaks qwen-flash's wire formats — DashScope's
 * OpenAI-compatible chat completions (JSON and SSE), Segmind's endpoint with its credits, DashScope's Files and Batch
 * APIs — answers from a script and injects faults. It checks requests as the real service does (the "json" keyword
 * rule of JSON mode, thinking only when streaming, …) so client bugs show up in tests.
 *
 * Without a scripted `reply` it answers automatically: a named `tool_choice` gets a call with arguments built from the
 * tool's schema; JSON mode gets an object built from the `json_schema` (or `{}`); a system message listing
 * double-quoted labels gets the first label; anything else gets `"ok"`.
 *
 * @example
 * ```ts
 * const mock = await startMockQwen({ apiKey: 'sk-test', reply: ['positive'], faults: [{ type: 'status', status: 429, retryAfter: 1 }] });
 * const client = createClient({ apiKey: 'sk-test', baseURL: mock.baseURL });
 * // the first call gets a 429, its retry gets "positive"
 * expect(mock.chatRequests()).toHaveLength(2);
 * await mock.close();
 * ```
 */
export async function startMockQwen(options: MockQwenOptions = {}): Promise<MockQwen> {
  const state = createMockState(options);
  const server = createServer((request, response) => {
    void serve(state, request, response);
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/compatible-mode/v1`,
    segmindURL: `${url}/v1/qwen-flash`,
    get requests() {
      return state.requests;
    },
    chatRequests: () => state.requests.filter((request) => request.index >= 0),
    reset: () => resetMockState(state),
    setReply(reply) {
      state.reply = reply;
      state.replyPosition = 0;
    },
    setFaults(faults) {
      state.faults = faults;
    },
    close: () => closeServer(server),
  };
}

async function serve(state: MockState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const controller = new AbortController();
  // The client went away before the answer was sent; a finished answer closes too, and needs no abort.
  const onGone = (): void => {
    if (!response.writableFinished) controller.abort();
  };
  response.on('close', onGone);
  response.on('error', onGone);
  try {
    const rawBody = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const chat = isChatRequest(method, url.pathname);
    const record = recordRequest({
      index: chat ? state.chatCount++ : -1,
      method,
      path: url.pathname,
      route: routeOf(url.pathname),
      headers: request.headers,
      rawBody,
      apiKey: state.options.apiKey,
    });
    state.requests.push(record);
    const latencyMs = state.options.latencyMs ?? 0;
    if (latencyMs > 0 && !(await pause(latencyMs, controller.signal))) return;
    if (chat) {
      await handleChat(state, record, response, controller.signal);
    } else {
      await deliverAnswer(response, await answerOther(state, record, url, rawBody), undefined, controller.signal);
    }
  } catch (error) {
    answerCrash(response, error);
  }
}

/** A reply function that throws (or a bug here) becomes a 500 that says so, never a crash of the test run. */
function answerCrash(response: ServerResponse, error: unknown): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  const message = `The mock server failed: ${error instanceof Error ? error.message : String(error)}`;
  response.writeHead(500, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { code: 'mock_server_error', param: null, message, type: 'server_error' } }));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
