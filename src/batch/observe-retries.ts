import type { ChatOptions, ChatRequest, ChatResponse, QwenClient } from '../client/types.js';

/**
 * Wraps a client so that `onRetried` is called when a chat call was rate limited (a 429) before the client
 * recovered on its own, which still tells the runner that it is sending too fast. Other retries (5xx, resets,
 * timeouts) are not a sign of speed and do not slow the run down. Everything
 * but `chat` is the client's own (the wrapper inherits from it). @internal
 */
export function observeRetries(client: QwenClient, onRetried: () => void): QwenClient {
  async function chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResponse> {
    const response = await client.chat(request, options);
    if (response.rateLimitedAttempts > 0) onRetried();
    return response;
  }
  return Object.create(client, { chat: { value: chat } }) as QwenClient;
}
