import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { estimateTokens } from '../tokens.js';
import { checkText, MAX_INPUT_TOKENS } from './run-task.js';

describe('checkText', () => {
  it('accepts a text that fits by its length alone, and one that fits only by its estimate', () => {
    expect(() => checkText('Great battery.')).not.toThrow();
    // 1.25 M characters (more than the limit) but about 250 k tokens: estimated, and accepted.
    expect(() => checkText('word '.repeat(250_000))).not.toThrow();
  });

  it('rejects a text whose estimate is over the limit, counting the system message too', () => {
    expect(() => checkText('a '.repeat(MAX_INPUT_TOKENS + 1))).toThrow(InputError);
    const justUnder = 'a '.repeat(MAX_INPUT_TOKENS - 100);
    expect(() => checkText(justUnder)).not.toThrow();
    expect(() => checkText(justUnder, 200)).toThrow(/too long: about \d+ tokens/);
  });

  it.each([
    ['digits', '1234567890'.repeat(20)],
    ['ASCII symbols', '!@#$%^&*()'.repeat(20)],
    ['other symbols', '€£¥§©®™'.repeat(20)],
    ['astral symbols', '😀🚀🎉'.repeat(20)],
    ['one-letter words', 'a b c d e '.repeat(20)],
    ['Han', '中文字符测试'.repeat(20)],
    ['line breaks', '\n\r\n'.repeat(20)],
    ['mixed', "I'm 42 — 中文 😀 ok!\n".repeat(20)],
  ])('never estimates more than 1.2 tokens per code unit, the bound its fast path relies on: %s', (_name, text) => {
    expect(estimateTokens(text)).toBeLessThanOrEqual(text.length * 1.2);
  });

  it.each([
    ['a number', 42, /must be a string, got number/],
    ['blank text', ' \n\t ', /empty or only whitespace/],
    ['a lone surrogate', 'bad \uD800 text', /lone surrogate/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => checkText(text)).toThrow(message);
  });
});
