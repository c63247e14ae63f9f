/**
 * The loopback HTTP server: it records every request, routes chat requests to the chat handler and answers the
 * other endpoints (Segmind credits, files and batches, 404 and 405).
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleBatchEndpoint } from './batch.js';
import { handleChat } from './chat.js';
import { type Delivery, deliverAnswer, endAnswer, pause, startAnswer } from './faults.js';
import {
  acceptsKey,
  createMockState,
  isChatRequest,
  type MockState,
  recordRequest,
  resetMockState,
  routeOf,
} from './state.js';
import type { MockQwen, MockQwenOptions, MockRequest } from './types.js';
import { buildErrorAnswer, jsonAnswer, type MockAnswer, SEGMIND_UNAUTHORIZED } from './wire.js';

/**
 * Starts a loopback server on 127.0.0.1 (a free port) that speaks qwen-flash's wire formats, answers from a script
 * (or automatically) and injects faults. See `docs/testing.md`.
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
  let delivery: Delivery | undefined;
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
    delivery = { response, signal: controller.signal, request: record, now: state.now };
    const latencyMs = state.options.latencyMs ?? 0;
    if (latencyMs > 0 && !(await pause(latencyMs, controller.signal))) return;
    if (chat) {
      await handleChat(state, record, response, controller.signal);
    } else {
      await deliverAnswer(delivery, await answerOther(state, record, url, rawBody), undefined);
    }
  } catch (error) {
    answerCrash(response, error, delivery);
  }
}

/**
 * A reply function that throws (or a bug here) becomes a 500 that says so, never a crash of the test run
 * (noted on the request's record when there is one).
 */
function answerCrash(response: ServerResponse, error: unknown, delivery: Delivery | undefined): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  const message = `The mock server failed: ${error instanceof Error ? error.message : String(error)}`;
  const headers = { 'content-type': 'application/json' };
  const body = JSON.stringify({ error: { code: 'mock_server_error', param: null, message, type: 'server_error' } });
  if (delivery === undefined) {
    response.writeHead(500, headers);
    response.end(body);
    return;
  }
  startAnswer(delivery, 500, headers);
  endAnswer(delivery, body);
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

/**
 * Answers everything but chat completions: Segmind's credits endpoint, the Files and Batch APIs,
 * 405 for a known path with the wrong method, 404 for an unknown path.
 */
async function answerOther(state: MockState, request: MockRequest, url: URL, rawBody: string): Promise<MockAnswer> {
  const requestId = randomUUID();
  switch (request.route) {
    case 'files':
    case 'batches':
      return handleBatchEndpoint(state, request, url, rawBody);
    case 'segmind': {
      const credits = { 'x-remaining-credits': String(state.credits), 'x-request-id': requestId };
      const fail = (status: number, message: string) =>
        buildErrorAnswer({ status, shape: 'segmind', requestId, message, headers: credits });
      if (request.path !== '/v1/get-user-credits' || request.method !== 'GET') return fail(405, 'Method Not Allowed');
      if (!acceptsKey(state, request)) return fail(401, SEGMIND_UNAUTHORIZED);
      return jsonAnswer(200, { credits: state.credits, 'free-credits': 0 }, credits);
    }
    case 'dashscope':
      return buildErrorAnswer({
        status: 405,
        shape: 'dashscope',
        requestId,
        code: 'method_not_allowed',
        message: `${request.method} is not allowed here; use POST.`,
      });
    case 'other':
      return buildErrorAnswer({
        status: 404,
        shape: 'dashscope',
        requestId,
        code: 'not_found',
        message: `No such endpoint: ${request.method} ${request.path}`,
      });
  }
}
