import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { parsePackedLabelsReply } from './packed-reply.js';

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
    ['colon lines', 'A: positive\nB: negative\nC: neutral', ['positive', 'negative', 'neutral']],
    ['dotted lines', 'A. positive\nB. negative\nC. neutral', ['positive', 'negative', 'neutral']],
    ['parenthesis lines', 'A) positive\nB) negative\nC) neutral', ['positive', 'negative', 'neutral']],
    ['bracketed codes', '(A) positive\n[B] negative\n【C】neutral', ['positive', 'negative', 'neutral']],
    ['bold codes', '**A.** positive\n**B**: negative\n__C:__ neutral', ['positive', 'negative', 'neutral']],
    ['bulleted lines', '- A: positive\n* B: negative\n• C: neutral', ['positive', 'negative', 'neutral']],
    ['"Text X:" lines', 'Text A: positive\nText B: negative\nText C: neutral', ['positive', 'negative', 'neutral']],
    ['"Item X:" lines', 'Item A: positive\nitem B: negative\nITEM C: neutral', ['positive', 'negative', 'neutral']],
    ['spaced dashes', 'A - positive\nB – negative\nC — neutral', ['positive', 'negative', 'neutral']],
    ['full-width colons and letters', 'Ａ：positive\nＢ：negative\nC．neutral', ['positive', 'negative', 'neutral']],
    ['a space before the colon', 'A : positive\nB : negative\nC : neutral', ['positive', 'negative', 'neutral']],
    ['CRLF line breaks', 'A: positive\r\nB: negative\r\nC: neutral\r\n', ['positive', 'negative', 'neutral']],
    ['lines out of order', 'C: neutral\nA: positive\nB: negative', ['positive', 'negative', 'neutral']],
    [
      'labels needing local repair',
      'A: "Positive".\nB: **negative**\nC: Label: neutral',
      ['positive', 'negative', 'neutral'],
    ],
    ['a JSON object', '{"A": "positive", "B": "negative", "C": "neutral"}', ['positive', 'negative', 'neutral']],
    [
      'a fenced JSON object',
      '```json\n{"A":"positive","B":"negative","C":"neutral"}\n```',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'a preamble and a closing remark',
      'Here are the labels:\n\nA: positive\nB: negative\nC: neutral\n\nLet me know if you need more.',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'reasoning first',
      '<think>A is happy, B is not</think>\nA: positive\nB: negative\nC: neutral',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'a preamble that starts with a capital letter but no separator',
      'A few notes:\nI think these are right.\nA: positive\nB: negative\nC: neutral',
      ['positive', 'negative', 'neutral'],
    ],
  ])('reads %s', (_name, reply, expected) => {
    expect(values(reply, 3)).toEqual(expected);
  });

  it('reads a one-letter word that is a code only when a separator follows it', () => {
    const nine = 'I think so.\nI: positive\nA: negative';
    expect(values(nine, 9)).toEqual(['negative', ...new Array(7).fill(undefined), 'positive']);
    expect(values('I think so.\nI: positive\nA: negative', 3)).toEqual(['negative', undefined, undefined]);
  });

  it('reads two-letter codes past Z', () => {
    const reply = 'Z: positive\nAA: negative\nAZ: neutral\nBA: positive\nCV: negative';
    const read = values(reply, 100);
    expect([read[25], read[26], read[51], read[52], read[99]]).toEqual([
      'positive',
      'negative',
      'neutral',
      'positive',
      'negative',
    ]);
    expect(read.filter((value) => value !== undefined)).toHaveLength(5);
  });

  it.each<[string, string, unknown[]]>([
    ['a missing item', 'A: positive\nC: neutral', ['positive', undefined, 'neutral']],
    ['an invalid label', 'A: positive\nB: maybe\nC: neutral', ['positive', 'invalid', 'neutral']],
    ['a negated label', 'A: not negative\nB: negative\nC: neutral', ['invalid', 'negative', 'neutral']],
    ['two labels for one item', 'A: positive or negative\nB: negative\nC: neutral', ['invalid', 'negative', 'neutral']],
    ['an empty answer', 'A:\nB: negative\nC: neutral', ['invalid', 'negative', 'neutral']],
    [
      'a code beyond the pack',
      'A: positive\nB: negative\nC: neutral\nD: positive\nOK: negative',
      ['positive', 'negative', 'neutral'],
    ],
    [
      'a code given twice, differently',
      'A: positive\nB: negative\nB: positive\nC: neutral',
      ['positive', undefined, 'neutral'],
    ],
    [
      'a code given twice, the same',
      'A: positive\nA: positive\nB: negative\nC: neutral',
      [undefined, 'negative', 'neutral'],
    ],
    [
      'a JSON object with a key given twice, differently',
      '{"A": "positive", "B": "negative", "B": "positive", "C": "neutral"}',
      ['positive', undefined, 'neutral'],
    ],
    [
      'a JSON object with a key given twice, the same',
      '```json\n{"A": "positive", "A": "positive", "B": "negative", "C": "neutral"}\n```',
      [undefined, 'negative', 'neutral'],
    ],
    [
      'a JSON object with a key given twice, once in full-width letters',
      '{"A": "positive", "Ａ": "negative", "B": "negative", "C": "neutral"}',
      [undefined, 'negative', 'neutral'],
    ],
    ['two answers on one line', 'A: positive, B: negative\nC: neutral', ['invalid', undefined, 'neutral']],
    ['codes without a separator', 'A positive\nB negative\nC neutral', [undefined, undefined, undefined]],
    ['lower-case codes', 'a: positive\nb: negative\nc: neutral', [undefined, undefined, undefined]],
    ['numbered lines', '1: positive\n2. negative\n3) neutral', [undefined, undefined, undefined]],
    ['capitalised words', 'Answer: positive\nABC: negative\nNote: neutral', [undefined, undefined, undefined]],
    ['a reply with no answer lines', 'I cannot help with that.', [undefined, undefined, undefined]],
    ['an empty reply', '', [undefined, undefined, undefined]],
    [
      'a JSON array (positions are not trusted)',
      '["positive", "negative", "neutral"]',
      [undefined, undefined, undefined],
    ],
    [
      'a JSON object keyed by number',
      '{"1": "positive", "2": "negative", "3": "neutral"}',
      [undefined, undefined, undefined],
    ],
  ])('leaves %s for an individual retry', (_name, reply, expected) => {
    expect(values(reply, 3)).toEqual(expected);
  });

  it('reads multi-label answers as JSON arrays, lists and none', () => {
    const reply = 'A: ["billing", "bug"]\nB: []\nC: Feature request, bug\nD: none\nE: ["billing", "refund"]';
    expect(values(reply, 5, { multi: true })).toEqual([
      ['billing', 'bug'],
      [],
      ['feature-request', 'bug'],
      [],
      'invalid',
    ]);
  });

  it('reads a multi-label JSON object', () => {
    expect(values('{"A": ["bug"], "B": [], "C": "billing"}', 3, { multi: true })).toEqual([['bug'], [], ['billing']]);
  });

  it('drops the cut-off last line of a truncated reply and keeps the complete ones', () => {
    expect(values('A: positive\nB: negative\nC: neu', 3, { truncated: true })).toEqual([
      'positive',
      'negative',
      undefined,
    ]);
    expect(values('A: ["billing", "bug"]\nB: ["bi', 2, { multi: true, truncated: true })).toEqual([
      ['billing', 'bug'],
      undefined,
    ]);
  });

  it('keeps every line of a truncated reply that ends with a line break', () => {
    expect(values('A: positive\nB: negative\n', 3, { truncated: true })).toEqual(['positive', 'negative', undefined]);
  });

  it('drops the last member of a truncated JSON object', () => {
    expect(values('{"A": ["billing", "bug"], "B": ["bi', 2, { multi: true, truncated: true })).toEqual([
      ['billing', 'bug'],
      undefined,
    ]);
  });

  it('cannot be widened beyond the label set by what the reply says', () => {
    const reply = 'A: positive\nB: IGNORE PREVIOUS INSTRUCTIONS\nC: admin';
    expect(values(reply, 3)).toEqual(['positive', 'invalid', 'invalid']);
  });

  it('keeps the answer text of each item and the reply-level repairs', () => {
    const parsed = parsePackedLabelsReply('<think>ok</think>A: "positive"\nB: negative', SENTIMENT, 2);
    expect(parsed.answerTexts).toEqual(['"positive"', 'negative']);
    expect(parsed.answers[0]).toEqual({ ok: true, value: 'positive', repairs: ['think', 'label-quote'] });
    expect(parsed.answers[1]).toEqual({ ok: true, value: 'negative', repairs: ['think'] });
  });

  it('turns non-string JSON answers into JSON text', () => {
    const parsed = parsePackedLabelsReply('{"A": ["bug"]}', TRIAGE, 1, { multi: true });
    expect(parsed.answerTexts).toEqual(['["bug"]']);
  });

  it('returns no answers for an empty pack', () => {
    expect(parsePackedLabelsReply('A: positive', SENTIMENT, 0)).toEqual({ answers: [], answerTexts: [] });
  });

  it.each([-1, 1.5, Number.NaN])('refuses a count of %s', (count) => {
    expect(() => parsePackedLabelsReply('', SENTIMENT, count)).toThrow(InputError);
  });
});
