import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { estimateTokens } from '../tokens.js';
import { chunkSpans, chunkText } from './chunk-text.js';

/** Checks both properties: every chunk within budget, and the text rebuilt from the chunks and whitespace alone. */
function expectValidChunks(text: string, maxTokens: number): string[] {
  const chunks = chunkText(text, { maxTokens });
  for (const chunk of chunks) {
    expect(chunk).not.toBe('');
    expect(estimateTokens(chunk), JSON.stringify(chunk)).toBeLessThanOrEqual(maxTokens);
  }
  let position = 0;
  for (const chunk of chunks) {
    const found = text.indexOf(chunk, position);
    expect(found, `chunk ${JSON.stringify(chunk)} in order`).toBeGreaterThanOrEqual(0);
    expect(text.slice(position, found).trim(), 'only whitespace between chunks').toBe('');
    position = found + chunk.length;
  }
  expect(text.slice(position).trim()).toBe('');
  return chunks;
}

/** A small deterministic generator, so the property test is the same on every run. */
function randomText(seed: number, length: number): string {
  const pieces = [
    'the',
    'invoice',
    'was',
    'paid',
    'late',
    'because',
    'internationalization',
    '阿里巴巴',
    '今天发布了',
    '财报',
    'スマートフォン',
    'です',
    '서울',
    '비가',
    '42',
    '3.14',
    '😀',
    '👍🏽',
    '.',
    ',',
    '!',
    '?',
    '。',
    '，',
    '！',
    '？',
    ' ',
    ' ',
    ' ',
    ' ',
    '\n',
    '\n\n',
    '  ',
    '"',
    '(',
    ')',
    '{"a":1}',
    'https://example.com/a/b',
  ];
  let state = seed;
  let text = '';
  while (text.length < length) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    text += pieces[state % pieces.length];
  }
  return text;
}

const paragraph = (topic: string) =>
  `The ${topic} team met on Monday. They reviewed the open issues and agreed on next steps. ` +
  `Everyone will report progress on Friday.`;

describe('chunkText', () => {
  it('returns a text within budget whole, and no chunk for an empty text', () => {
    expect(chunkText('  Short text.\n', { maxTokens: 100 })).toEqual(['  Short text.\n']);
    expect(chunkText('', { maxTokens: 10 })).toEqual([]);
  });

  it('cuts at paragraphs when the paragraphs fit', () => {
    const text = [paragraph('billing'), paragraph('support'), paragraph('design')].join('\n\n');
    const chunks = expectValidChunks(text, 30);
    expect(chunks).toEqual([paragraph('billing'), paragraph('support'), paragraph('design')]);
  });

  it('packs small paragraphs together up to the budget', () => {
    const text = Array.from({ length: 6 }, (_, index) => `Point ${index}.`).join('\n\n');
    const chunks = expectValidChunks(text, 12);
    expect(chunks.length).toBeLessThan(6);
    expect(chunks[0]).toContain('\n\n');
  });

  it('cuts a long paragraph at sentences, CJK sentence marks included', () => {
    const english = expectValidChunks(paragraph('billing'), 15);
    expect(english).toEqual([
      'The billing team met on Monday.',
      'They reviewed the open issues and agreed on next steps.',
      'Everyone will report progress on Friday.',
    ]);
    const chinese =
      '阿里巴巴集团今天发布了第三季度财报。公司表示将继续加大在人工智能领域的投入！分析师认为这一结果超出了市场预期？';
    expect(expectValidChunks(chinese, 12)).toEqual([
      '阿里巴巴集团今天发布了第三季度财报。',
      '公司表示将继续加大在人工智能领域的投入！',
      '分析师认为这一结果超出了市场预期？',
    ]);
  });

  it('cuts inside a word only as a last resort, never inside a surrogate pair', () => {
    const word = 'a'.repeat(2_000);
    expect(expectValidChunks(word, 50).join('')).toBe(word);
    const emoji = '😀'.repeat(300);
    const chunks = expectValidChunks(emoji, 7);
    expect(chunks.join('')).toBe(emoji);
    for (const chunk of chunks) expect(chunk).toMatch(/^(?:😀)+$/u);
  });

  it.each([1, 2, 5, 20, 100, 1_000])(
    'keeps every chunk within %i tokens and loses nothing but whitespace at joins',
    (maxTokens) => {
      for (let seed = 1; seed <= 5; seed++) expectValidChunks(randomText(seed * maxTokens, 4_000), maxTokens);
    },
  );

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects maxTokens %s with an InputError',
    (maxTokens) => {
      expect(() => chunkText('text', { maxTokens })).toThrow(InputError);
    },
  );

  it('chunks a megabyte in a few seconds at most', () => {
    const text = randomText(7, 1_000_000);
    const started = performance.now();
    const chunks = chunkText(text, { maxTokens: 2_000 });
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(chunks.length).toBeGreaterThan(1);
  });
});

describe('chunkSpans', () => {
  const sentences = Array.from({ length: 400 }, (_, index) => `Sentence number ${index} says something short.`);
  const text = sentences.join(' ');

  it('gives chunkText’s chunks as offsets into the text', () => {
    const spans = chunkSpans(text, { maxTokens: 300 });
    expect(spans.map((span) => text.slice(span.start, span.end))).toEqual(chunkText(text, { maxTokens: 300 }));
  });

  it('starts each chunk after the first up to overlapTokens early, at a sentence boundary, within maxTokens', () => {
    const spans = chunkSpans(text, { maxTokens: 300, overlapTokens: 40 });
    const plain = chunkSpans(text, { maxTokens: 260 });
    expect(spans.map((span) => span.end)).toEqual(plain.map((span) => span.end));
    spans.slice(1).forEach((span, index) => {
      const core = plain[index + 1];
      expect(span.start).toBeLessThan(core?.start ?? 0);
      expect(estimateTokens(text.slice(span.start, core?.start))).toBeLessThanOrEqual(40);
      expect(text.slice(span.start)).toMatch(/^Sentence number \d+/);
      expect(estimateTokens(text.slice(span.start, span.end))).toBeLessThanOrEqual(300);
    });
  });

  it('falls back to a word boundary when the overlap holds no sentence end, never cutting a word', () => {
    const words = Array.from({ length: 3000 }, (_, index) => `word${index}`).join(' ');
    const spans = chunkSpans(words, { maxTokens: 200, overlapTokens: 30 });
    expect(spans.length).toBeGreaterThan(2);
    for (const span of spans.slice(1)) expect(words[span.start - 1]).toBe(' ');
  });

  it('refuses an overlap over half the chunk', () => {
    expect(() => chunkSpans(text, { maxTokens: 100, overlapTokens: 51 })).toThrow(InputError);
    expect(() => chunkSpans(text, { maxTokens: 100, overlapTokens: -1 })).toThrow(InputError);
  });
});
