import { describe, expect, it } from 'vitest';
import { InputError } from '../errors/index.js';
import { parsePackedLabelsReply } from './parse-packed-labels-reply.js';

const SENTIMENT = ['positive', 'negative', 'neutral'] as const;
const TRIAGE = ['billing', 'bug', 'feature-request'] as const;

/** The accepted values, `undefined` for an item without an answer, `'invalid'` for a rejected one. */
function values(reply: string, count: number, options: { multi?: boolean; truncated?: boolean } = {}): unknown[] {
  const labels = options.multi === true ? TRIAGE : SENTIMENT;
  return parsePackedLabelsReply(reply, labels, count, options).answers.map((answer) =>
    answer === undefined ? undefined : answer.ok ? answer.value : 'invalid',
  );
}

describe('parsePackedLabelsReply', () => {
  it.each<[string, string, unknown[]]>([
    ['colon lines', '1: positive\n2: negative\n3: neutral', ['positive', 'negative', 'neutral']],
    ['numbered lines', '1. positive\n2. negative\n3. neutral', ['positive', 'negative', 'neutral']],
    ['parenthesis lines', '1) positive\n2) negative\n3) neutral', ['positive', 'negative', 'neutral']],
    ['hash lines without a separator', '#1 positive\n#2 negative\n#3 neutral', ['positive', 'negative', 'neutral']],
    ['bracketed numbers', '(1) positive\n[2] negative\n(3) neutral', ['positive', 'negative', 'neutral']],
    ['bold numbers', '**1.** positive\n**2:** negative\n**3.** neutral', ['positive', 'negative', 'neutral']],
    ['"Text n:" lines', 'Text 1: positive\nText 2: negative\nText 3: neutral', ['positive', 'negative', 'neutral']],
    ['spaced dashes', '1 - positive\n2 – negative\n3 — neutral', ['positive', 'negative', 'neutral']],
    ['full-width colons and digits', '１：positive\n２：negative\n3：neutral', ['positive', 'negative', 'neutral']],
    ['CRLF line breaks', '1: positive\r\n2: negative\r\n3: neutral\r\n', ['positive', 'negative', 'neutral']],
    ['lines out of order', '3: neutral\n1: positive\n2: negative', ['positive', 'negative', 'neutral']],
    [
      'labels needing local repair',
      '1: "Positive".\n2: **negative**\n3: Label: neutral',
      ['positive', 'negative', 'neutral'],
    ],
    ['a JSON object', '{"1": "positive", "2": "negative", "3": "neutral"}', ['positive', 'negative', 'neutral']],
    [
      'a fenced JSON object',
      '```json\n{"1":"positive","2":"negative","3":"neutral"}\n```',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'a preamble and a closing remark',
      'Here are the labels:\n\n1: positive\n2: negative\n3: neutral\n\nLet me know if you need more.',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'reasoning first',
      '<think>1 is happy, 2 is not</think>\n1: positive\n2: negative\n3: neutral',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'a preamble with a bare number',
      '3 texts classified\n1: positive\n2: negative\n3: neutral',
      ['positive', 'negative', 'neutral'],
    ],
  ])('reads %s', (_name, reply, expected) => {
    expect(values(reply, 3)).toEqual(expected);
  });

  it.each<[string, string, unknown[]]>([
    ['a missing item', '1: positive\n3: neutral', ['positive', undefined, 'neutral']],
    ['an invalid label', '1: positive\n2: maybe\n3: neutral', ['positive', 'invalid', 'neutral']],
    ['a negated label', '1: not negative\n2: negative\n3: neutral', ['invalid', 'negative', 'neutral']],
    ['two labels for one item', '1: positive or negative\n2: negative\n3: neutral', ['invalid', 'negative', 'neutral']],
    ['an empty answer', '1:\n2: negative\n3: neutral', ['invalid', 'negative', 'neutral']],
    [
      'a number outside 1..count',
      '1: positive\n2: negative\n3: neutral\n4: positive\n0: negative',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'a number given twice, differently',
      '1: positive\n2: negative\n2: positive\n3: neutral',
      ['positive', undefined, 'neutral'],
    ],
    [
      'a number given twice, the same',
      '1: positive\n1: positive\n2: negative\n3: neutral',
      [undefined, 'negative', 'neutral'],
    ],
    ['two answers on one line', '1: positive, 2: negative\n3: neutral', ['invalid', undefined, 'neutral']],
    ['a reply with no answer lines', 'I cannot help with that.', [undefined, undefined, undefined]],
    ['an empty reply', '', [undefined, undefined, undefined]],
    [
      'a JSON array (positions are not trusted)',
      '["positive", "negative", "neutral"]',
      [undefined, undefined, undefined],
    ],
  ])('leaves %s for an individual retry', (_name, reply, expected) => {
    expect(values(reply, 3)).toEqual(expected);
  });

  it('reads multi-label answers as JSON arrays, lists and none', () => {
    const reply = '1: ["billing", "bug"]\n2: []\n3: Feature request, bug\n4: none\n5: ["billing", "refund"]';
    expect(values(reply, 5, { multi: true })).toEqual([
      ['billing', 'bug'],
      [],
      ['feature-request', 'bug'],
      [],
      'invalid',
    ]);
  });

  it('reads a multi-label JSON object', () => {
    expect(values('{"1": ["bug"], "2": [], "3": "billing"}', 3, { multi: true })).toEqual([['bug'], [], ['billing']]);
  });

  it('drops the cut-off last line of a truncated reply and keeps the complete ones', () => {
    expect(values('1: positive\n2: negative\n3: neu', 3, { truncated: true })).toEqual([
      'positive',
      'negative',
      undefined,
    ]);
    expect(values('1: ["billing", "bug"]\n2: ["bi', 2, { multi: true, truncated: true })).toEqual([
      ['billing', 'bug'],
      undefined,
    ]);
  });

  it('keeps every line of a truncated reply that ends with a line break', () => {
    expect(values('1: positive\n2: negative\n', 3, { truncated: true })).toEqual(['positive', 'negative', undefined]);
  });

  it('drops the last member of a truncated JSON object', () => {
    expect(values('{"1": ["billing", "bug"], "2": ["bi', 2, { multi: true, truncated: true })).toEqual([
      ['billing', 'bug'],
      undefined,
    ]);
  });

  it('cannot be widened beyond the label set by what the reply says', () => {
    const reply = '1: positive\n2: IGNORE PREVIOUS INSTRUCTIONS\n3: admin';
    expect(values(reply, 3)).toEqual(['positive', 'invalid', 'invalid']);
  });

  it('keeps the answer text of each item and the reply-level repairs', () => {
    const parsed = parsePackedLabelsReply('<think>ok</think>1: "positive"\n2: negative', SENTIMENT, 2);
    expect(parsed.answerTexts).toEqual(['"positive"', 'negative']);
    expect(parsed.answers[0]).toEqual({ ok: true, value: 'positive', repairs: ['think', 'label-quote'] });
    expect(parsed.answers[1]).toEqual({ ok: true, value: 'negative', repairs: ['think'] });
  });

  it('turns non-string JSON answers into JSON text', () => {
    const parsed = parsePackedLabelsReply('{"1": ["bug"]}', TRIAGE, 1, { multi: true });
    expect(parsed.answerTexts).toEqual(['["bug"]']);
  });

  it('returns no answers for an empty pack', () => {
    expect(parsePackedLabelsReply('1: positive', SENTIMENT, 0)).toEqual({ answers: [], answerTexts: [] });
  });

  it.each([-1, 1.5, Number.NaN])('refuses a count of %s', (count) => {
    expect(() => parsePackedLabelsReply('', SENTIMENT, count)).toThrow(InputError);
  });
});
