import { expect } from 'vitest';

/** The `data:` payloads of an SSE body as the mock writes it, `[DONE]` kept as a string. */
export function parseEvents(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      expect(block.startsWith('data: ')).toBe(true);
      const data = block.slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}
