import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS } from '../src/client/config.js';
import type { ChatRequest, Clock } from '../src/client/types.js';
import { ConnectionError, TimeoutError } from '../src/errors.js';
import { failure, useLoopbackClients } from './helpers/use-loopback-client.js';

const KEY = 'sk-bounds-test-0123456789abcdef';
const hello: ChatRequest = { messages: [{ role: 'user', content: 'hello' }] };
const MIB = 1024 * 1024;

const { server, client } = useLoopbackClients(KEY, { client: { maxRetries: 0 } });

/** A clock that runs `speedup` times faster than real time (its sleeps are real, and unused here). */
function fastClock(speedup: number): Clock {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * speedup,
    sleep: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs / speedup)),
  };
}

describe('the default maxResponseBytes', () => {
  it('fits the largest real reply with a wide margin: 32,768 output tokens at 64 bytes each, twice over', () => {
    expect(CLIENT_DEFAULTS.maxResponseBytes).toBeGreaterThanOrEqual(2 * 32_768 * 64);
    expect(CLIENT_DEFAULTS.maxResponseBytes).toBeLessThan(10 * MIB);
  });

  it('refuses a 12 MB chat reply with a typed error naming the limit and the option, without retrying', async () => {
    server.setReply('x'.repeat(12 * MIB));
    const error = await failure(client({ maxRetries: 2 }).chat(hello));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
    expect((error as Error).message).toContain(String(CLIENT_DEFAULTS.maxResponseBytes));
    expect((error as Error).message).toContain('maxResponseBytes');
    expect(server.chatRequests()).toHaveLength(1);
  });

  it('bounds a stream by the text it assembles, not by its SSE framing', async () => {
    // 20,000 events of 10 characters each: 200 KB of text in over 4 MB of frames, as a token-by-token stream sends.
    const frame = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id: 'chatcmpl-frames',
        object: 'chat.completion.chunk',
        created: 1_735_120_033,
        model: 'qwen-flash',
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
        usage: null,
        system_fingerprint: null,
      })}\n\n`;
    const events = Array.from({ length: 20_000 }, () => frame({ content: '0123456789' }));
    const body = `${events.join('')}${frame({}, 'stop')}data: [DONE]\n\n`;
    expect(body.length).toBeGreaterThan(4 * MIB);
    server.setReply({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const reply = await client({ maxResponseBytes: MIB }).chat({ ...hello, stream: true });
    expect(reply.content).toHaveLength(200_000);
    server.setReply({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
    const error = await failure(client({ maxResponseBytes: 100_000 }).chat({ ...hello, stream: true }));
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  });
});

describe('a reply body that trickles in', () => {
  it('times out the whole attempt at a timeout of 30 s or more, although a byte arrives every 50 ms', async () => {
    // The clock runs 20× fast, so 30 s of the client's time pass in 1.5 s; undici's own timers run on real time and
    // never fire, since no pause between two bytes is longer than 50 ms.
    server.setFaults(() => ({ type: 'trickle', intervalMs: 50 }));
    const started = Date.now();
    const error = await failure(client({ clock: fastClock(20) }).chat(hello, { timeoutMs: 30_000 }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ timeoutMs: 30_000 });
    // 1.5 s plus the sweep's granularity; the trickled body alone would take over 15 s.
    expect(Date.now() - started).toBeLessThan(6_000);
  }, 30_000);

  it('still reads a reply that trickles in within the timeout', async () => {
    server.setFaults([{ type: 'trickle', intervalMs: 1 }]);
    const reply = await client().chat(hello, { timeoutMs: 30_000 });
    expect(reply.content).toBe('ok');
  });
});
