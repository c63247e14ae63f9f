import { describe, expect, it } from 'vitest';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';

const start = useMockPerTest();

const hello = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });

async function call(url: string) {
  const response = await fetch(url, { method: 'POST', body: hello });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as { error: { code: string } },
  };
}

describe('Segmind credits', () => {
  it('takes creditsPerCall from each successful call and reports what is left', async () => {
    const server = await start({ credits: 1, creditsPerCall: 0.25 });
    const remaining = [];
    for (let index = 0; index < 3; index += 1) {
      remaining.push((await call(server.segmindURL)).headers.get('x-remaining-credits'));
    }
    expect(remaining).toEqual(['0.75', '0.5', '0.25']);
    const credits = await fetch(`${server.url}/v1/get-user-credits`);
    expect(await credits.json()).toEqual({ credits: 0.25, 'free-credits': 0 });
    expect(credits.headers.get('x-remaining-credits')).toBe('0.25');
  });

  it('answers 406 Insufficient credits once the credits are below one call', async () => {
    const server = await start({ credits: 0.0015 });
    const first = await call(server.segmindURL);
    const second = await call(server.segmindURL);
    expect([first.status, first.headers.get('x-remaining-credits')]).toEqual([200, '0.0005']);
    expect([second.status, second.json, second.headers.get('x-remaining-credits')]).toEqual([
      406,
      { error: 'Insufficient credits' },
      '0.0005',
    ]);
  });

  it('keeps the credits of failed calls and restores them on reset', async () => {
    const server = await start({ faults: [{ type: 'status', status: 500 }] });
    expect((await call(server.segmindURL)).headers.get('x-remaining-credits')).toBe('100');
    expect((await call(server.segmindURL)).headers.get('x-remaining-credits')).toBe('99.999');
    server.reset();
    expect(await (await fetch(`${server.url}/v1/get-user-credits`)).json()).toEqual({
      credits: 100,
      'free-credits': 0,
    });
  });

  it('does not count DashScope calls against the credits', async () => {
    const server = await start({ credits: 1, creditsPerCall: 1 });
    await call(`${server.baseURL}/chat/completions`);
    expect((await call(server.segmindURL)).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('refuses requests beyond the window with 429 limit_requests and a Retry-After that shrinks with time', async () => {
    let time = 1_000_000;
    const server = await start({ rateLimit: { requestsPerMinute: 2 }, now: () => time });
    const url = `${server.baseURL}/chat/completions`;
    expect((await call(url)).status).toBe(200);
    time += 30_000;
    expect((await call(url)).status).toBe(200);
    const refused = await call(url);
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('limit_requests');
    expect(refused.headers.get('retry-after')).toBe('30');
    time += 20_500;
    expect((await call(url)).headers.get('retry-after')).toBe('10');
    time += 9_501;
    expect((await call(url)).status).toBe(200);
    const again = await call(url);
    expect([again.status, again.headers.get('retry-after')]).toEqual([429, '30']);
  });

  it('uses windowMs, can leave out Retry-After, and applies to the Segmind route in its shape', async () => {
    let time = 0;
    const server = await start({
      rateLimit: { requestsPerMinute: 1, windowMs: 1000, retryAfter: false },
      now: () => time,
    });
    expect((await call(server.segmindURL)).status).toBe(200);
    const refused = await call(server.segmindURL);
    expect([refused.status, typeof refused.json.error, refused.headers.get('retry-after')]).toEqual([
      429,
      'string',
      null,
    ]);
    time += 1000;
    expect((await call(server.segmindURL)).status).toBe(200);
  });
});
