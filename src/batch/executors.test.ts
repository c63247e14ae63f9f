import { describe, expect, it } from 'vitest';
import type { ChatResponse, QwenClient } from '../client/types.js';
import { observeRetries } from './executors.js';

function clientAnswering(response: Partial<ChatResponse>): QwenClient {
  return { chat: async () => response as ChatResponse } as unknown as QwenClient;
}

describe('observeRetries', () => {
  it('reports a call that was rate limited before it succeeded', async () => {
    let signals = 0;
    const client = observeRetries(clientAnswering({ attempts: 2, rateLimitedAttempts: 1 }), () => signals++);
    await client.chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(signals).toBe(1);
  });

  it('does not treat retries after 5xx, resets or timeouts as a sign of sending too fast', async () => {
    let signals = 0;
    const client = observeRetries(clientAnswering({ attempts: 3, rateLimitedAttempts: 0 }), () => signals++);
    await client.chat({ messages: [{ role: 'user', content: 'x' }] });
    expect(signals).toBe(0);
  });
});
