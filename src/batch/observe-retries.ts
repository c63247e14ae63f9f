import type { ChatOptions, ChatRequest, ChatResponse, QwenClient } from '../client/types.js';

/**
 * Wraps a client so that `onRetried` is called when a chat call needed more than one HTTP attempt — the client
 * recovered from a 429 (or a 5xx) on its own, which still tells the runner that it is sending too fast. Everything
 * but `chat` is the client's own (the wrapper inherits from it). @internal
 */
export function observeRetries(client: QwenClient, onRetried: () => void): QwenClient {
  async function chat(request: ChatRequest, options?: ChatOptions): Promise<ChatResponse> {
    const response = await client.chat(request, options);
    if (response.attempts > 1) onRetried();
    return response;
  }
  return Object.create(client, { chat: { value: chat } }) as QwenClient;
}
