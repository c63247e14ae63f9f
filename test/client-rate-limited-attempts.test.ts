import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttemptInfo, createClient, defineTask, runTask } from '../src/index.js';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';

let server: MockQwen;
beforeAll(async () => {
  server = await startMockQwen({ reply: 'ok' });
});
afterAll(() => server.close());

/** A client whose backoff waits take no time. */
function instantClient() {
  return createClient({
    provider: 'dashscope',
    baseURL: server.baseURL,
    apiKey: 'sk-rate-limited-attempts',
    clock: { now: () => 0, sleep: async () => {} },
  });
}

describe('ChatResponse.rateLimitedAttempts', () => {
  it('counts the 429 answers before a reply, and not the 5xx ones', async () => {
    server.setFaults([
      { type: 'status', status: 429, code: 'limit_requests' },
      { type: 'status', status: 503, code: 'ModelUnavailable' },
    ]);
    const client = instantClient();
    const response = await client.chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(response).toMatchObject({ attempts: 3, rateLimitedAttempts: 1, content: 'ok' });
    await client.close();
  });

  it("reaches runTask's onAttempt, which is how runBatch notices it is sending too fast", async () => {
    server.reset();
    server.setReply('positive');
    server.setFaults([
      { type: 'status', status: 429, code: 'limit_requests' },
      { type: 'status', status: 429, code: 'limit_requests' },
    ]);
    const client = instantClient();
    const task = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative'] } });
    const attempts: AttemptInfo[] = [];
    const result = await runTask(task, 'Great!', { client, onAttempt: (attempt) => attempts.push(attempt) });
    expect(result.value).toBe('positive');
    expect(attempts.map((attempt) => attempt.rateLimitedAttempts)).toEqual([2]);
    server.setFaults([]);
    await runTask(task, 'Fine.', { client, onAttempt: (attempt) => attempts.push(attempt) });
    expect(attempts.map((attempt) => attempt.rateLimitedAttempts)).toEqual([2, 0]);
    await client.close();
  });
});
