import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';
import type { MockFault, MockQwenOptions, MockRequest } from './index.js';
import { seededFaults } from './index.js';

const start = useMockPerTest();

const hello = { messages: [{ role: 'user', content: 'Hello there, how are you today?' }] };

async function send(
  url: string,
  body: unknown = hello,
  options: { headers?: Record<string, string>; headersTimeout?: number } = {},
) {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
    ...(options.headersTimeout === undefined ? {} : { headersTimeout: options.headersTimeout }),
  });
}

async function startWithFault(fault: MockFault, options: MockQwenOptions = {}) {
  return start({ reply: 'a reply long enough to be cut in half', faults: [fault], ...options });
}

describe('status faults', () => {
  it.each([
    {
      shape: 'dashscope' as const,
      check: (body: string, requestId: string) =>
        expect(JSON.parse(body)).toEqual({
          error: { code: 'limit_requests', param: null, message: 'slow down', type: 'rate_limit_error' },
          id: `chatcmpl-${requestId}`,
          request_id: requestId,
        }),
    },
    {
      shape: 'flat' as const,
      check: (body: string, requestId: string) =>
        expect(JSON.parse(body)).toEqual({ code: 'limit_requests', message: 'slow down', request_id: requestId }),
    },
    { shape: 'segmind' as const, check: (body: string) => expect(JSON.parse(body)).toEqual({ error: 'slow down' }) },
    { shape: 'empty' as const, check: (body: string) => expect(body).toBe('') },
    { shape: 'html' as const, check: (body: string) => expect(body).toContain('<h1>429 Too Many Requests</h1>') },
  ])('sends a 429 in the $shape shape with Retry-After and retry-after-ms', async ({ shape, check }) => {
    const server = await startWithFault({
      type: 'status',
      status: 429,
      message: 'slow down',
      retryAfter: 2,
      retryAfterMs: 1500,
      shape,
    });
    const response = await send(`${server.baseURL}/chat/completions`);
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.headers['retry-after-ms']).toBe('1500');
    check(await response.body.text(), String(response.headers['x-request-id']));
  });

  it('fills in a code and message that fit the status and the route', async () => {
    const server = await start({ faults: { 0: { type: 'status', status: 500 }, 1: { type: 'status', status: 503 } } });
    const internal = JSON.parse(await (await send(`${server.baseURL}/chat/completions`)).body.text());
    const unavailable = await send(server.segmindURL);
    expect(internal.error).toMatchObject({ code: 'internal_error', type: 'server_error' });
    expect(unavailable.statusCode).toBe(503);
    expect(JSON.parse(await unavailable.body.text())).toEqual({ error: expect.any(String) });
    expect(unavailable.headers['x-remaining-credits']).toBe('100');
  });

  it('sends Retry-After as an HTTP date when given one, with extra headers', async () => {
    const date = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const server = await startWithFault({ type: 'status', status: 503, retryAfter: date, headers: { 'x-extra': '1' } });
    const response = await send(`${server.baseURL}/chat/completions`);
    expect([response.headers['retry-after'], response.headers['x-extra']]).toEqual([date, '1']);
  });

  it('still records the faulted request and counts it in the chat index', async () => {
    const server = await start({ faults: [undefined, { type: 'status', status: 500 }] });
    const statuses = [];
    for (let call = 0; call < 3; call += 1)
      statuses.push((await send(`${server.baseURL}/chat/completions`)).statusCode);
    expect(statuses).toEqual([200, 500, 200]);
    expect(server.chatRequests().map((received) => received.index)).toEqual([0, 1, 2]);
  });

  it('asks a fault function about every chat request', async () => {
    const server = await start({
      faults: (received) => (received.messages[0]?.content === 'fail' ? { type: 'status', status: 500 } : undefined),
    });
    const failing = await send(`${server.baseURL}/chat/completions`, { messages: [{ role: 'user', content: 'fail' }] });
    const passing = await send(`${server.baseURL}/chat/completions`);
    expect([failing.statusCode, passing.statusCode]).toEqual([500, 200]);
  });
});

describe('answer faults', () => {
  it('sends an HTML page as a proxy would', async () => {
    const server = await startWithFault({ type: 'html', status: 502 });
    const response = await send(`${server.baseURL}/chat/completions`);
    expect([response.statusCode, response.headers['content-type']]).toEqual([502, 'text/html']);
    expect(await response.body.text()).toMatch(/^<html>[\s\S]*502 Bad Gateway[\s\S]*<\/html>\r\n$/);
  });

  it('echoes the presented key in the body and a header', async () => {
    const server = await startWithFault({ type: 'echo-key', status: 401 }, { apiKey: 'sk-echo-me-please' });
    const response = await send(`${server.baseURL}/chat/completions`, hello, {
      headers: { authorization: 'Bearer sk-echo-me-please' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-echoed-api-key']).toBe('sk-echo-me-please');
    expect(await response.body.text()).toContain('sk-echo-me-please');
    expect(JSON.stringify(server.requests)).not.toContain('sk-echo-me-please');
  });
});

describe('transport faults', () => {
  it('resets the connection after part of the body', async () => {
    const server = await startWithFault({ type: 'reset' });
    const response = await send(`${server.baseURL}/chat/completions`);
    expect(response.statusCode).toBe(200);
    await expect(response.body.text()).rejects.toThrow();
  });

  it('truncates the body below its Content-Length', async () => {
    const server = await startWithFault({ type: 'truncate' });
    const response = await send(`${server.baseURL}/chat/completions`);
    expect(response.statusCode).toBe(200);
    expect(Number(response.headers['content-length'])).toBeGreaterThan(100);
    await expect(response.body.text()).rejects.toThrow();
  });

  it('holds the headers back, then answers normally to a patient client', async () => {
    const server = await startWithFault({ type: 'slow-headers', delayMs: 80 });
    const started = performance.now();
    const response = await send(`${server.baseURL}/chat/completions`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    expect(JSON.parse(await response.body.text()).choices[0].message.content).toBe(
      'a reply long enough to be cut in half',
    );
  });

  it('makes an impatient client time out while waiting for headers', async () => {
    const server = await startWithFault({ type: 'slow-headers', delayMs: 10_000 });
    await expect(send(`${server.baseURL}/chat/completions`, hello, { headersTimeout: 100 })).rejects.toThrow(
      /timeout/i,
    );
  });

  it('sends the headers at once and the body after the delay', async () => {
    const server = await startWithFault({ type: 'slow-body', delayMs: 80 });
    const response = await send(`${server.baseURL}/chat/completions`);
    const headersAt = performance.now();
    expect(response.statusCode).toBe(200);
    const body = await response.body.text();
    expect(performance.now() - headersAt).toBeGreaterThanOrEqual(60);
    expect(JSON.parse(body).object).toBe('chat.completion');
  });

  it('uses up the reply of a slowed request, not of a broken one', async () => {
    const server = await start({
      reply: ['first', 'second'],
      faults: [{ type: 'reset' }, { type: 'slow-body', delayMs: 1 }],
    });
    await expect(send(`${server.baseURL}/chat/completions`).then((response) => response.body.text())).rejects.toThrow();
    const contents = [];
    for (let call = 0; call < 2; call += 1) {
      const response = await send(`${server.baseURL}/chat/completions`);
      contents.push(JSON.parse(await response.body.text()).choices[0].message.content);
    }
    expect(contents).toEqual(['first', 'second']);
  });
});

const requestNumber = (index: number) => ({ index }) as MockRequest;
const run = (pick: (request: MockRequest) => MockFault | undefined, count: number) =>
  Array.from({ length: count }, (_, index) => pick(requestNumber(index)));

describe('seededFaults', () => {
  it('picks the same faults for the same seed, whatever order the requests come in', () => {
    const first = run(seededFaults({ seed: 42, rate: 0.3 }), 200);
    const pick = seededFaults({ seed: 42, rate: 0.3 });
    const backwards = Array.from({ length: 200 }, (_, offset) => pick(requestNumber(199 - offset))).reverse();
    expect(backwards).toEqual(first);
  });

  it('picks different faults for a different seed', () => {
    expect(run(seededFaults({ seed: 1, rate: 0.5 }), 100)).not.toEqual(run(seededFaults({ seed: 2, rate: 0.5 }), 100));
  });

  it.each([0, 0.2, 0.5, 1])('faults roughly a share of %s of the requests', (rate) => {
    const faulted = run(seededFaults({ seed: 7, rate }), 2000).filter((fault) => fault !== undefined).length;
    expect(Math.abs(faulted / 2000 - rate)).toBeLessThan(0.05);
  });

  it('draws from the given kinds, turning type names into faults with defaults', () => {
    const faults = run(
      seededFaults({ seed: 3, rate: 1, kinds: ['reset', { type: 'status', status: 429, retryAfter: 1 }] }),
      200,
    );
    expect(new Set(faults.map((fault) => JSON.stringify(fault)))).toEqual(
      new Set(['{"type":"reset"}', '{"type":"status","status":429,"retryAfter":1}']),
    );
  });

  it('draws from 429, 500, 503, reset and truncate by default', () => {
    const types = new Set(
      run(seededFaults({ seed: 9, rate: 1 }), 500).map(
        (fault) => `${fault?.type}:${'status' in (fault ?? {}) ? (fault as { status: number }).status : ''}`,
      ),
    );
    expect(types).toEqual(new Set(['status:429', 'status:500', 'status:503', 'reset:', 'truncate:']));
  });
});
