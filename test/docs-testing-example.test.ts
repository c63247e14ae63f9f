import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { classify, createClient, defineTask, OutputError, type QwenClient, runTask } from '../src/index.js';
import { type MockQwen, startMockQwen } from '../src/testing/index.js';

// The complete example of docs/testing.md, with the package imports pointed at the sources.

const TEAMS = { billing: 'money matters', bug: 'something broken', other: 'anything else' };

/** The team that should handle a support ticket. */
function triage(ticket: string, client: QwenClient) {
  return classify(ticket, TEAMS, { client });
}

let server: MockQwen;
let client: QwenClient;

beforeAll(async () => {
  server = await startMockQwen({ apiKey: 'sk-test' });
  client = createClient({ provider: 'dashscope', baseURL: server.baseURL, apiKey: 'sk-test' });
});
afterEach(() => {
  server.reset();
  server.setFaults(undefined);
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('triage', () => {
  it('sends the ticket alone as the user message and returns the label', async () => {
    server.setReply('Billing.');
    await expect(triage('I was charged twice.', client)).resolves.toBe('billing');
    const [request] = server.chatRequests();
    expect(request?.messages.at(-1)).toEqual({ role: 'user', content: 'I was charged twice.' });
  });

  it('rides out a rate limit', async () => {
    server.setReply('bug');
    server.setFaults([{ type: 'status', status: 429, retryAfter: 0 }]);
    await expect(triage('The app crashes on start.', client)).resolves.toBe('bug');
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('fails with an OutputError when the model never names one label', async () => {
    server.setReply(['billing or bug', 'no idea']);
    const error = await triage('Hmm.', client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).attempts).toEqual(['billing or bug', 'no idea']);
  });
});

describe('the Segmind credits example of docs/testing.md', () => {
  it('reports the credits left after a call', async () => {
    const segmindServer = await startMockQwen({ reply: 'spam', credits: 1, creditsPerCall: 0.25 });
    const segmind = createClient({ provider: 'segmind', baseURL: segmindServer.segmindURL, apiKey: 'test-key' });
    try {
      const spam = defineTask({ name: 'spam', output: { labels: ['spam', 'ham'] } });
      const result = await runTask(spam, 'WIN A PRIZE', { client: segmind });
      expect(result.value).toBe('spam');
      expect(result.remainingCredits).toBe(0.75);
    } finally {
      await segmind.close();
      await segmindServer.close();
    }
  });
});
