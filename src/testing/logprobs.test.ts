import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { parseEvents } from '../../test/helpers/sse-events.js';
import { useMockPerTest } from '../../test/helpers/use-mock-per-test.js';
import type { MockQwen, MockReply } from './index.js';
import { mockTokens } from './wire.js';

const start = useMockPerTest();

const asking = {
  model: 'qwen-flash',
  messages: [{ role: 'user', content: 'Is this review positive or negative?' }],
  logprobs: true,
  top_logprobs: 5,
};

interface Top {
  token: string;
  logprob: number;
  bytes: number[];
}
interface Entry extends Top {
  top_logprobs: Top[];
}
interface Completion {
  choices: { message: { content: string }; logprobs: { content: Entry[] } | null }[];
}
interface Chunk {
  choices: { delta: { content?: string }; logprobs: { content: Entry[] } | null }[];
}

async function post(server: MockQwen, body: unknown) {
  return await request(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function complete(server: MockQwen, body: unknown = asking): Promise<Completion> {
  const response = await post(server, body);
  expect(response.statusCode).toBe(200);
  return (await response.body.json()) as Completion;
}

async function choiceOf(reply: MockReply, body: unknown = asking) {
  const server = await start({ reply });
  const choice = (await complete(server, body)).choices[0];
  if (choice === undefined) throw new Error('no choice');
  return choice;
}

describe('explicit tokens', () => {
  const reply: MockReply = {
    logprobs: {
      tokens: [
        { token: 'Pos', top: { Neg: 0.3, Pos: 0.6, Neu: 0.05, Mixed: 0.02, Other: 0.01, Rare: 0.005 } },
        { token: 'itive', logprob: -0.01 },
        { token: '.' },
      ],
    },
  };

  it('make the content, with logprobs from the probabilities, sorted and capped by top_logprobs', async () => {
    const choice = await choiceOf(reply);
    expect(choice.message.content).toBe('Positive.');
    const entries = choice.logprobs?.content ?? [];
    expect(entries.map((entry) => entry.token)).toEqual(['Pos', 'itive', '.']);
    const [first, second, third] = entries;
    expect(first?.logprob).toBeCloseTo(Math.log(0.6), 12);
    expect(first?.top_logprobs.map((top) => top.token)).toEqual(['Pos', 'Neg', 'Neu', 'Mixed', 'Other']);
    const expected = [0.6, 0.3, 0.05, 0.02, 0.01];
    first?.top_logprobs.forEach((top, position) => {
      expect(Math.abs(top.logprob - Math.log(expected[position] ?? Number.NaN))).toBeLessThan(1e-12);
    });
    expect(first?.bytes).toEqual([80, 111, 115]);
    expect(second).toEqual({ token: 'itive', logprob: -0.01, bytes: [105, 116, 105, 118, 101], top_logprobs: [] });
    expect(third).toEqual({ token: '.', logprob: 0, bytes: [46], top_logprobs: [] });
  });

  it('cap the alternatives at top_logprobs, and send none for 0 or without it', async () => {
    const two = await choiceOf(reply, { ...asking, top_logprobs: 2 });
    expect(two.logprobs?.content[0]?.top_logprobs.map((top) => top.token)).toEqual(['Pos', 'Neg']);
    const zero = await choiceOf(reply, { ...asking, top_logprobs: 0 });
    expect(zero.logprobs?.content[0]?.top_logprobs).toEqual([]);
    const { top_logprobs: _, ...withoutTop } = asking;
    const absent = await choiceOf(reply, withoutTop);
    expect(absent.logprobs?.content.map((entry) => entry.top_logprobs)).toEqual([[], [], []]);
    expect(absent.logprobs?.content[0]?.logprob).toBeCloseTo(Math.log(0.6), 12);
  });

  it('send the UTF-8 bytes of multi-byte tokens', async () => {
    const choice = await choiceOf({
      logprobs: { tokens: [{ token: '负', top: { 负: 0.9, 正: 0.1 } }, { token: 'é😀' }] },
    });
    const [first, second] = choice.logprobs?.content ?? [];
    expect(first?.bytes).toEqual([0xe8, 0xb4, 0x9f]);
    expect(first?.top_logprobs[1]).toEqual({ token: '正', logprob: Math.log(0.1), bytes: [0xe6, 0xad, 0xa3] });
    expect(second?.bytes).toEqual([...Buffer.from('é😀', 'utf8')]);
    expect(Buffer.from(second?.bytes ?? []).toString('utf8')).toBe('é😀');
  });

  it('accept a content equal to their concatenation', async () => {
    const choice = await choiceOf({ content: 'ab', logprobs: { tokens: [{ token: 'a' }, { token: 'b' }] } });
    expect(choice.logprobs?.content.map((entry) => entry.token)).toEqual(['a', 'b']);
  });

  it('answer a 500 mock_server_error when the content differs from them', async () => {
    const server = await start({
      reply: { content: 'Negative.', logprobs: { tokens: [{ token: 'Positive' }, { token: '.' }] } },
    });
    const response = await post(server, asking);
    expect(response.statusCode).toBe(500);
    const body = (await response.body.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('mock_server_error');
    expect(body.error.message).toContain('not the concatenation of reply.logprobs.tokens');
    expect(body.error.message).toContain('"Positive."');
  });

  it('answer a 500 for a probability outside (0, 1]', async () => {
    const server = await start({ reply: { logprobs: { tokens: [{ token: 'a', top: { a: 1.5 } }] } } });
    const response = await post(server, asking);
    expect(response.statusCode).toBe(500);
    expect(((await response.body.json()) as { error: { message: string } }).error.message).toContain('(0, 1]');
  });
});

describe('a distribution', () => {
  const distribution = { Negative: 0.7, Positive: 0.2, Neutral: 0.1 };

  it('applies at the first token of the mock tokenization', async () => {
    const choice = await choiceOf({ content: 'Negative.', logprobs: { distribution } });
    const entries = choice.logprobs?.content ?? [];
    expect(entries.map((entry) => entry.token)).toEqual(['Negative', '.']);
    expect(entries[0]?.logprob).toBeCloseTo(Math.log(0.7), 12);
    expect(entries[0]?.top_logprobs.map((top) => [top.token, Math.exp(top.logprob)])).toEqual([
      ['Negative', expect.closeTo(0.7, 12)],
      ['Positive', expect.closeTo(0.2, 12)],
      ['Neutral', expect.closeTo(0.1, 12)],
    ]);
    expect(entries[1]).toEqual({ token: '.', logprob: 0, bytes: [46], top_logprobs: [] });
  });

  it('splits Chinese into one token per character', async () => {
    const choice = await choiceOf({ content: '负面', logprobs: { distribution: { 负: 0.8, 正: 0.15, 中: 0.05 } } });
    const entries = choice.logprobs?.content ?? [];
    expect(entries.map((entry) => entry.token)).toEqual(['负', '面']);
    expect(entries[0]?.top_logprobs.map((top) => top.token)).toEqual(['负', '正', '中']);
    expect(entries[0]?.logprob).toBeCloseTo(Math.log(0.8), 12);
    expect(entries[1]?.top_logprobs).toEqual([]);
  });

  it('applies at a later token with `at` (a quoted label)', async () => {
    const choice = await choiceOf({
      content: '"positive"',
      logprobs: { distribution: { positive: 0.55, negative: 0.45 }, at: 1 },
    });
    const entries = choice.logprobs?.content ?? [];
    expect(entries.map((entry) => entry.token)).toEqual(['"', 'positive', '"']);
    expect(entries[0]).toMatchObject({ logprob: 0, top_logprobs: [] });
    expect(entries[1]?.logprob).toBeCloseTo(Math.log(0.55), 12);
    expect(entries[1]?.top_logprobs.map((top) => top.token)).toEqual(['positive', 'negative']);
  });

  it('answers a 500 when `at` is past the last token', async () => {
    const server = await start({ reply: { content: 'ok', logprobs: { distribution, at: 1 } } });
    const response = await post(server, asking);
    expect(response.statusCode).toBe(500);
    expect(((await response.body.json()) as { error: { message: string } }).error.message).toContain(
      'reply.logprobs.at is 1',
    );
  });
});

describe('the mock tokenization', () => {
  it.each([
    ['Negative.', ['Negative', '.']],
    [' I am fine', [' I', ' am', ' fine']],
    ['"positive"', ['"', 'positive', '"']],
    ['负面 评价', ['负', '面', ' 评', '价']],
    ['café3x, ok\n', ['café3x', ',', ' ok', '\n']],
    ['a  -b', ['a', '  -', 'b']],
    ['', []],
  ])('%j', (text, tokens) => {
    expect(mockTokens(text)).toEqual(tokens);
    expect(mockTokens(text).join('')).toBe(text);
  });
});

describe('when not asked, or not scripted', () => {
  const reply: MockReply = { content: 'Negative.', logprobs: { distribution: { Negative: 0.9 } } };

  it('sends logprobs: null to a request without logprobs: true', async () => {
    const { logprobs: _, top_logprobs: __, ...plain } = asking;
    expect((await choiceOf(reply, plain)).logprobs).toBeNull();
    expect((await choiceOf(reply, { ...asking, logprobs: false })).logprobs).toBeNull();
  });

  it('sends logprobs: null to a request that asks, when the reply scripts none', async () => {
    const choice = await choiceOf('Negative.');
    expect(choice.message.content).toBe('Negative.');
    expect(choice.logprobs).toBeNull();
  });

  it('never has logprobs in the automatic reply', async () => {
    const server = await start();
    expect((await complete(server)).choices[0]?.logprobs).toBeNull();
  });

  it('still lets the tokens make the content of a request that does not ask', async () => {
    const choice = await choiceOf(
      { logprobs: { tokens: [{ token: 'Yes' }, { token: '.' }] } },
      { ...asking, logprobs: false },
    );
    expect(choice.message.content).toBe('Yes.');
    expect(choice.logprobs).toBeNull();
  });
});

describe("the 'refuse' option", () => {
  it('answers a 400 InvalidParameter naming logprobs', async () => {
    const server = await start({ logprobs: 'refuse', reply: 'Negative.' });
    const response = await post(server, asking);
    expect(response.statusCode).toBe(400);
    const body = (await response.body.json()) as { error: Record<string, unknown>; request_id: string };
    expect(body.error).toEqual({
      code: 'InvalidParameter',
      param: 'logprobs',
      message: 'The parameter `logprobs` is not supported by model qwen-flash',
      type: 'invalid_request_error',
    });
    expect(typeof body.request_id).toBe('string');
  });

  it('names top_logprobs when only that is sent, and lets other requests through', async () => {
    const server = await start({ logprobs: 'refuse', reply: 'Negative.' });
    const { logprobs: _, ...topOnly } = asking;
    const refused = await post(server, topOnly);
    expect(refused.statusCode).toBe(400);
    expect(((await refused.body.json()) as { error: { message: string } }).error.message).toBe(
      'The parameter `top_logprobs` is not supported by model qwen-flash',
    );
    const { top_logprobs: __, ...plain } = topOnly;
    expect((await complete(server, plain)).choices[0]?.message.content).toBe('Negative.');
  });

  it('is checked when the server starts', async () => {
    await expect(start({ logprobs: 'yes' as 'refuse' })).rejects.toThrow(/options\.logprobs/);
  });
});

describe('top_logprobs', () => {
  it('is refused outside 0–20', async () => {
    const server = await start({ reply: 'ok' });
    for (const value of [21, -1, 2.5, '5']) {
      const response = await post(server, { ...asking, top_logprobs: value });
      expect(response.statusCode).toBe(400);
      const body = (await response.body.json()) as { error: { code: string; param: string } };
      expect(body.error).toMatchObject({ code: 'invalid_parameter_error', param: 'top_logprobs' });
    }
  });
});

describe('streaming', () => {
  async function streamedEntries(server: MockQwen, body: unknown) {
    const response = await post(server, { ...(body as object), stream: true });
    const chunks = parseEvents(await response.body.text()).slice(0, -1) as Chunk[];
    const contentChunks = chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? '') !== '');
    return { chunks, contentChunks };
  }

  it('sends each token in its own chunk, the entries equal to the non-streamed ones', async () => {
    const reply: MockReply = {
      content: 'The review is negative, 负面.',
      logprobs: { distribution: { ' negative': 0.6, ' positive': 0.3, ' mixed': 0.1 }, at: 3 },
    };
    const server = await start({ reply });
    const whole = (await complete(server)).choices[0]?.logprobs?.content;
    const { chunks, contentChunks } = await streamedEntries(server, asking);
    expect(contentChunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(whole?.map((entry) => entry.token));
    expect(contentChunks.flatMap((chunk) => chunk.choices[0]?.logprobs?.content ?? [])).toEqual(whole);
    expect(whole?.[3]?.top_logprobs).toHaveLength(3);
    const others = chunks.filter((chunk) => !contentChunks.includes(chunk));
    expect(others.every((chunk) => chunk.choices[0]?.logprobs === null)).toBe(true);
  });

  it('groups whole tokens up to pieceChars', async () => {
    const reply: MockReply = {
      logprobs: { tokens: [{ token: 'ab' }, { token: 'c' }, { token: 'defgh' }, { token: 'i' }] },
      stream: { pieceChars: 3 },
    };
    const server = await start({ reply });
    const { contentChunks } = await streamedEntries(server, asking);
    expect(contentChunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(['abc', 'defgh', 'i']);
    expect(contentChunks.map((chunk) => chunk.choices[0]?.logprobs?.content.map((entry) => entry.token))).toEqual([
      ['ab', 'c'],
      ['defgh'],
      ['i'],
    ]);
  });

  it('streams as before, with logprobs: null, when the request does not ask', async () => {
    const server = await start({ reply: { content: 'Negative.', logprobs: { distribution: { Negative: 1 } } } });
    const { chunks, contentChunks } = await streamedEntries(server, { ...asking, logprobs: false });
    expect(contentChunks.map((chunk) => chunk.choices[0]?.delta.content).join('')).toBe('Negative.');
    expect(chunks.every((chunk) => chunk.choices[0]?.logprobs === null)).toBe(true);
  });
});
