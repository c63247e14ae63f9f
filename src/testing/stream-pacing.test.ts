import { connect } from 'node:net';
import { request } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import { parseEvents } from '../../test/helpers/sse-events.js';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';
import { type MockQwen, startMockQwen } from './index.js';

const start = useMockPerTest();

const streamed = {
  model: 'qwen-flash',
  messages: [{ role: 'user', content: 'Hello there' }],
  stream: true,
  stream_options: { include_usage: true },
};

/** Multi-byte UTF-8 (2, 3 and 4 bytes, the last a surrogate pair in JS) and a JSON string full of escapes. */
const TRICKY = 'é 漢 😀 — {"say":"hi \\"there\\"\\n","tab":"\t","path":"C:\\\\x","u":"\\u00e9"} 😀😀';
const TRICKY_ARGUMENTS = JSON.stringify({ quote: 'a "b" \\ c', newline: 'x\ny', emoji: '😀漢é', tab: '\t' });

type Chunk = {
  choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
  usage: unknown;
  error?: unknown;
};

/** The deltas of the chunks that carry a choice. */
function deltas(events: unknown[]): Record<string, unknown>[] {
  return events.flatMap((item) => {
    const delta = typeof item === 'object' && item !== null ? (item as Chunk).choices?.[0]?.delta : undefined;
    return delta === undefined ? [] : [delta];
  });
}

/** The non-empty content deltas, in order. */
function contentPieces(events: unknown[]): string[] {
  return deltas(events)
    .map((delta) => delta.content)
    .filter((content): content is string => typeof content === 'string' && content !== '');
}

function post(server: MockQwen, body: unknown = streamed, signal?: AbortSignal) {
  return request(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** A promise and the function that fulfils it (Promise.withResolvers is not in Node 20). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Reads a body until it holds `count` complete events; returns the text read so far and the iterator to go on. */
async function readEvents(body: AsyncIterable<Buffer>, count: number) {
  const iterator = body[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  let text = '';
  while (text.split('\n\n').length - 1 < count) {
    const next = await iterator.next();
    if (next.done === true) throw new Error(`the stream ended after ${text.split('\n\n').length - 1} events`);
    text += decoder.decode(next.value, { stream: true });
  }
  const rest = async () => {
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      text += decoder.decode(next.value, { stream: true });
    }
    return text + decoder.decode();
  };
  return { text, rest };
}

/**
 * Sends a streamed request over a raw socket and returns the sizes of the HTTP chunks the server wrote (each
 * `response.write` is one chunk of the chunked encoding, however TCP packs them) and the body they carry.
 */
async function rawChunks(server: MockQwen, body: unknown = streamed): Promise<{ sizes: number[]; body: Buffer }> {
  const payload = JSON.stringify(body);
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  socket.write(
    'POST /compatible-mode/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
  );
  const received: Buffer[] = [];
  for await (const piece of socket) received.push(piece as Buffer);
  const raw = Buffer.concat(received);
  const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
  expect(head).toMatch(/^HTTP\/1\.1 200/);
  expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  let position = raw.indexOf('\r\n\r\n') + 4;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', position);
    const size = Number.parseInt(raw.subarray(position, lineEnd).toString('latin1'), 16);
    if (size === 0) break;
    sizes.push(size);
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    position = lineEnd + 2 + size + 2;
  }
  return { sizes, body: Buffer.concat(parts) };
}

describe('pieceChars', () => {
  it('cuts the content into deltas of that many characters', async () => {
    const content = 'The quick brown fox jumps over the lazy dog';
    const server = await start({ reply: content, stream: { pieceChars: 4 } });
    const pieces = contentPieces(parseEvents(await (await post(server)).body.text()));
    expect(pieces.join('')).toBe(content);
    expect(pieces).toHaveLength(Math.ceil(content.length / 4));
    expect(pieces.slice(0, -1).every((piece) => piece.length === 4)).toBe(true);
    expect(pieces.at(-1)).toBe('dog');
  });

  it('counts code points, so a surrogate pair is never split', async () => {
    const content = '😀a😀😀b漢';
    const server = await start({ reply: content, stream: { pieceChars: 1 } });
    const pieces = contentPieces(parseEvents(await (await post(server)).body.text()));
    expect(pieces).toEqual(['😀', 'a', '😀', '😀', 'b', '漢']);
    const pairs = await start({ reply: content, stream: { pieceChars: 2 } });
    expect(contentPieces(parseEvents(await (await post(pairs)).body.text()))).toEqual(['😀a', '😀😀', 'b漢']);
  });

  it('also cuts the reasoning and each tool call’s arguments', async () => {
    const server = await start({
      reply: {
        reasoning: 'let me think',
        toolCalls: [
          { name: 'save', arguments: '{"name":"Ada"}' },
          { name: 'log', arguments: '{"level":"info"}' },
        ],
      },
      stream: { pieceChars: 5 },
    });
    const events = parseEvents(await (await post(server, { ...streamed, enable_thinking: true })).body.text());
    const reasoning = deltas(events).flatMap((delta) =>
      typeof delta.reasoning_content === 'string' ? [delta.reasoning_content] : [],
    );
    expect(reasoning).toEqual(['let m', 'e thi', 'nk']);
    const calls = deltas(events).flatMap(
      (delta) => (delta.tool_calls ?? []) as { index: number; function: { arguments: string } }[],
    );
    const argumentsOf = (index: number) =>
      calls
        .filter((call) => call.index === index && call.function.arguments !== '')
        .map((call) => call.function.arguments);
    expect(argumentsOf(0)).toEqual(['{"nam', 'e":"A', 'da"}']);
    expect(argumentsOf(1)).toEqual(['{"lev', 'el":"', 'info"', '}']);
  });

  it('follows the reply’s pacing over the server’s, and `stream: {}` streams a reply unpaced', async () => {
    const content = 'abcdefghijkl';
    const server = await start({
      reply: [{ content, stream: { pieceChars: 6 } }, { content, stream: {} }, content],
      stream: { pieceChars: 1 },
    });
    const pieces = async () => contentPieces(parseEvents(await (await post(server)).body.text()));
    expect(await pieces()).toEqual(['abcdef', 'ghijkl']);
    expect(await pieces()).toEqual(['abcd', 'efgh', 'ijkl']);
    expect(await pieces()).toHaveLength(content.length);
  });
});

describe('byteChunk', () => {
  it.each([1, 3])(
    'writes %i-byte slices through multi-byte characters and escapes, reassembled intact',
    async (size) => {
      const server = await start({
        reply: { content: TRICKY, toolCalls: [{ id: 'call_x', name: 'save', arguments: TRICKY_ARGUMENTS }] },
        stream: { byteChunk: size, pieceChars: 7 },
      });
      const events = parseEvents(await (await post(server)).body.text());
      expect(events.at(-1)).toBe('[DONE]');
      expect(contentPieces(events).join('')).toBe(TRICKY);
      const calls = deltas(events).flatMap(
        (delta) => (delta.tool_calls ?? []) as { function: { arguments: string } }[],
      );
      expect(calls.map((call) => call.function.arguments).join('')).toBe(TRICKY_ARGUMENTS);
    },
  );

  it.each([1, 3])('hands the socket %i bytes per write, across event boundaries', async (size) => {
    const server = await start({ reply: TRICKY, stream: { byteChunk: size } });
    const { sizes, body } = await rawChunks(server);
    expect(sizes.length).toBeGreaterThan(10);
    expect(sizes.slice(0, -1).every((chunk) => chunk === size)).toBe(true);
    expect(sizes.at(-1)).toBeLessThanOrEqual(size);
    const events = parseEvents(body.toString('utf8'));
    expect(contentPieces(events).join('')).toBe(TRICKY);
    expect(events.at(-1)).toBe('[DONE]');
  });

  it('writes one event per write without byteChunk (the default)', async () => {
    const server = await start({ reply: TRICKY });
    const { sizes, body } = await rawChunks(server);
    const text = body.toString('utf8');
    const events = text.split('\n\n').filter((block) => block !== '');
    expect(sizes).toEqual(events.map((block) => Buffer.byteLength(`${block}\n\n`)));
  });
});

describe('intervalMs', () => {
  it('spaces the events and still delivers the whole stream', async () => {
    const server = await start({ reply: TRICKY, stream: { intervalMs: 5, byteChunk: 2, pieceChars: 10 } });
    const events = parseEvents(await (await post(server)).body.text());
    expect(contentPieces(events).join('')).toBe(TRICKY);
    expect(events.at(-1)).toBe('[DONE]');
    const [record] = server.chatRequests();
    await vi.waitFor(() => expect(record?.answerFinishedAt).toBeDefined());
    expect(record?.eventsSent).toBe(events.length);
  });
});

describe('pauseAfterEvents', () => {
  it('holds the stream open until resume, with the server’s progress on the record', async () => {
    let time = 1_000;
    const resume = deferred();
    const server = await start({
      reply: 'The quick brown fox jumps',
      stream: { pauseAfterEvents: 2, resume: resume.promise, byteChunk: 3 },
      now: () => time,
    });
    const response = await post(server);
    const reading = await readEvents(response.body, 2);
    const record = server.chatRequests()[0];
    expect(parseEvents(reading.text)).toHaveLength(2);
    expect(record?.eventsSent).toBe(2);
    expect(record?.answerStartedAt).toBe(1_000);
    expect(record?.answerFinishedAt).toBeUndefined();
    time = 2_000;
    resume.resolve();
    const events = parseEvents(await reading.rest());
    expect(events.at(-1)).toBe('[DONE]');
    expect(contentPieces(events).join('')).toBe('The quick brown fox jumps');
    await vi.waitFor(() => expect(record?.answerFinishedAt).toBe(2_000));
    expect(record?.answerStartedAt).toBe(1_000);
    expect(record?.eventsSent).toBe(events.length);
  });

  it('with 0, sends the headers and waits before the first event', async () => {
    const resume = deferred();
    const server = await start({ reply: 'hi', stream: { pauseAfterEvents: 0, resume: resume.promise } });
    const response = await post(server);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream;charset=UTF-8');
    const record = server.chatRequests()[0];
    expect(record?.eventsSent).toBe(0);
    expect(record?.answerStartedAt).toBeDefined();
    resume.resolve();
    expect(parseEvents(await response.body.text()).at(-1)).toBe('[DONE]');
  });

  it('with the number of events, holds the stream open before it ends; a rejected resume lets it go on', async () => {
    const resume = deferred();
    const server = await start({
      reply: {
        content: 'hi',
        stream: {
          pieceChars: 2,
          pauseAfterEvents: 5,
          resume: resume.promise.then(() => Promise.reject(new Error('go on anyway'))),
        },
      },
    });
    const response = await post(server); // role, content "hi", finish, usage, [DONE]
    const reading = await readEvents(response.body, 5);
    expect(parseEvents(reading.text).at(-1)).toBe('[DONE]');
    const record = server.chatRequests()[0];
    expect(record?.eventsSent).toBe(5);
    expect(record?.answerFinishedAt).toBeUndefined();
    resume.resolve();
    expect(await reading.rest()).toBe(reading.text);
    await vi.waitFor(() => expect(record?.answerFinishedAt).toBeDefined());
  });

  it('stops quietly when the client leaves during the pause, and keeps serving', async () => {
    const resume = deferred();
    const server = await start({
      reply: [{ content: 'The quick brown fox', stream: { pauseAfterEvents: 2, resume: resume.promise } }, 'next'],
    });
    const controller = new AbortController();
    const response = await post(server, streamed, controller.signal);
    await readEvents(response.body, 2);
    controller.abort();
    await expect(response.body.text()).rejects.toThrow();
    // A whole request on a new connection: by its end the server has seen the first one close.
    const following = await post(server);
    expect(contentPieces(parseEvents(await following.body.text())).join('')).toBe('next');
    resume.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    const [left, served] = server.chatRequests();
    await vi.waitFor(() => expect(served?.answerFinishedAt).toBeDefined());
    expect(left?.eventsSent).toBe(2);
    expect(left?.answerFinishedAt).toBeUndefined();
    expect((await post(server)).statusCode).toBe(200);
  });

  it('stops quietly when the client leaves during a delay between events', async () => {
    const server = await start({
      reply: [{ content: 'The quick brown fox', stream: { intervalMs: 60_000 } }, 'next'],
    });
    const controller = new AbortController();
    const response = await post(server, streamed, controller.signal);
    await readEvents(response.body, 1);
    controller.abort();
    await expect(response.body.text()).rejects.toThrow();
    expect(contentPieces(parseEvents(await (await post(server)).body.text())).join('')).toBe('next');
    const [left] = server.chatRequests();
    expect(left?.eventsSent).toBe(1);
    expect(left?.answerFinishedAt).toBeUndefined();
  });

  it('closes a server whose stream is paused for good', async () => {
    const server = await startMockQwen({ stream: { pauseAfterEvents: 1, resume: new Promise(() => {}) } });
    const response = await post(server);
    await readEvents(response.body, 1);
    await server.close();
    await expect(response.body.text()).rejects.toThrow();
  });
});

describe('paced broken streams', () => {
  it('sse-error: the first half of the events, paced, then the error event', async () => {
    const content = 'The quick brown fox jumps over';
    const server = await start({
      reply: content,
      faults: [{ type: 'sse-error', code: 'data_inspection_failed', message: 'blocked' }],
      stream: { pieceChars: 2, byteChunk: 3, intervalMs: 1 },
    });
    const events = parseEvents(await (await post(server)).body.text());
    expect(events.at(-1)).toEqual({ error: { code: 'data_inspection_failed', message: 'blocked' } });
    expect(events).not.toContain('[DONE]');
    const pieces = contentPieces(events);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.every((piece) => piece.length === 2)).toBe(true);
    expect(content.startsWith(pieces.join(''))).toBe(true);
    expect(pieces.join('').length).toBeLessThan(content.length);
    const [record] = server.chatRequests();
    await vi.waitFor(() => expect(record?.answerFinishedAt).toBeDefined());
    expect(record?.eventsSent).toBe(events.length);
  });

  it('sse-error: pauses like a normal stream, the error event counting as one more', async () => {
    const resume = deferred();
    const server = await start({
      reply: 'The quick brown fox jumps over',
      faults: [{ type: 'sse-error' }],
      stream: { pieceChars: 3, pauseAfterEvents: 3, resume: resume.promise },
    });
    const response = await post(server);
    const reading = await readEvents(response.body, 3);
    const record = server.chatRequests()[0];
    expect(record?.eventsSent).toBe(3);
    expect(record?.answerFinishedAt).toBeUndefined();
    resume.resolve();
    const events = parseEvents(await reading.rest());
    expect(events.at(-1)).toMatchObject({ error: { code: 'data_inspection_failed' } });
    await vi.waitFor(() => expect(record?.answerFinishedAt).toBeDefined());
  });

  it('sse-cut: the first half of the events in 1-byte writes, held at the pause, then the cut', async () => {
    const resume = deferred();
    const server = await start({
      reply: 'The quick brown fox jumps over',
      faults: [{ type: 'sse-cut' }],
      stream: { pieceChars: 2, byteChunk: 1, pauseAfterEvents: 2, resume: resume.promise },
    });
    const response = await post(server);
    expect(response.statusCode).toBe(200);
    const reading = await readEvents(response.body, 2);
    const record = server.chatRequests()[0];
    expect(record?.eventsSent).toBe(2);
    expect(record?.answerFinishedAt).toBeUndefined();
    resume.resolve();
    await expect(reading.rest()).rejects.toThrow();
    await vi.waitFor(() => expect(record?.answerFinishedAt).toBeDefined());
    expect(record?.eventsSent).toBeGreaterThan(2);
    expect(record?.eventsSent).toBeLessThan(10);
  });

  it('sse-cut: the received text holds only whole paced events, without [DONE]', async () => {
    const server = await start({
      reply: 'The quick brown fox jumps over',
      faults: [{ type: 'sse-cut' }],
      stream: { pieceChars: 2, byteChunk: 3 },
    });
    const response = await post(server);
    let text = '';
    await expect(
      (async () => {
        for await (const piece of response.body) text += String(piece);
      })(),
    ).rejects.toThrow();
    expect(text).not.toContain('[DONE]');
    expect(text.endsWith('\n\n')).toBe(true);
    const pieces = contentPieces(parseEvents(text));
    expect(pieces.every((piece) => piece.length === 2)).toBe(true);
    expect(server.chatRequests()[0]?.eventsSent).toBe(parseEvents(text).length);
  });
});

describe('answer timing on the record', () => {
  it('notes when a JSON answer started and finished, and no eventsSent', async () => {
    let time = 5_000;
    const server = await start({ reply: 'hi', now: () => time });
    const response = await post(server, { ...streamed, stream: false });
    expect(response.statusCode).toBe(200);
    await response.body.json();
    time = 6_000;
    const [record] = server.chatRequests();
    await vi.waitFor(() => expect(record?.answerFinishedAt).toBeDefined());
    expect(record?.answerStartedAt).toBe(5_000);
    expect([5_000, 6_000]).toContain(record?.answerFinishedAt);
    expect(record?.eventsSent).toBeUndefined();
  });

  it('notes the timing of answers on other routes and of a reply function that throws', async () => {
    const server = await start({
      reply: () => {
        throw new Error('no reply');
      },
      now: () => 42,
    });
    const missing = await request(`${server.url}/nowhere`);
    expect(missing.statusCode).toBe(404);
    await missing.body.text();
    const crashed = await post(server);
    expect(crashed.statusCode).toBe(500);
    await crashed.body.text();
    for (const record of server.requests) {
      await vi.waitFor(() => expect(record.answerFinishedAt).toBe(42));
      expect(record.answerStartedAt).toBe(42);
    }
  });
});

describe('checks on the pacing', () => {
  it.each([
    [{ pieceChars: 0 }, RangeError, /pieceChars/],
    [{ byteChunk: 1.5 }, RangeError, /byteChunk/],
    [{ intervalMs: -1 }, RangeError, /intervalMs/],
    [{ pauseAfterEvents: -1, resume: Promise.resolve() }, RangeError, /pauseAfterEvents/],
    [{ pauseAfterEvents: 1 }, TypeError, /resume/],
  ])('refuses a server option of %o', async (stream, type, message) => {
    const failure = startMockQwen({ stream });
    await expect(failure).rejects.toThrow(type);
    await expect(failure).rejects.toThrow(message);
  });

  it('answers a 500 that names the field when a reply’s pacing is wrong', async () => {
    const server = await start({ reply: { content: 'hi', stream: { byteChunk: 0 } } });
    const response = await post(server);
    expect(response.statusCode).toBe(500);
    const body = (await response.body.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('mock_server_error');
    expect(body.error.message).toContain('reply.stream.byteChunk');
  });
});
