import { describe, expect, it } from 'vitest';
import {
  datesInQuote,
  normalizeText,
  numbersInQuote,
  occurrences,
  quoteHoldsDate,
  quoteHoldsMonth,
  quoteHoldsNumber,
  quoteHoldsString,
} from './quote-match.js';

describe('normalizeText', () => {
  it.each([
    ['a  b\n\n\tc', 'a b c'],
    ['“quoted” and ‘single’ and ″prime″', '"quoted" and \'single\' and "prime"'],
    ['ＡＢＣ１２３！', 'ABC123!'],
    ['中文\u3000全角', '中文 全角'],
    ['no\u00a0break\u202fspace', 'no break space'],
    ['😀 emoji', '😀 emoji'],
  ])('normalises %j to %j', (text, expected) => {
    expect(normalizeText(text).text).toBe(expected);
  });

  it('maps every normalised offset back to the original, so a match covers the original text exactly', () => {
    const text = '  Total:\n\n  ＥＵＲ   1,250 😀 “ok”  ';
    const { text: normal, origin } = normalizeText(text);
    const at = normal.indexOf('EUR 1,250 😀 "ok"');
    const end = at + 'EUR 1,250 😀 "ok"'.length;
    expect(text.slice(origin[at], origin[end])).toBe('ＥＵＲ   1,250 😀 “ok”');
    expect(origin[normal.length]).toBe(text.length);
  });
});

describe('occurrences', () => {
  it('lists every place, overlapping ones included, and none for an empty needle', () => {
    expect(occurrences('aaaa', 'aa')).toEqual([0, 1, 2]);
    expect(occurrences('abc', '')).toEqual([]);
    expect(occurrences('abc', 'x')).toEqual([]);
  });
});

describe('numbersInQuote and quoteHoldsNumber', () => {
  it.each([
    ['total €1,250.00', 1250, true],
    ['total 1.250,00 EUR', 1250, true],
    ['1 250 kr', 1250, true],
    ["CHF 1'250.50", 1250.5, true],
    ['1250', 1250, true],
    ['-3.5 degrees', -3.5, true],
    ['a refund of (1,250)', -1250, true],
    ['15%', 0.15, true],
    ['15 percent', 15, true],
    ['$2.5 million', 2_500_000, true],
    ['3k users', 3000, true],
    ['1,205.00', 1250, false],
    ['no number here', 0, false],
    ['12.5', 125, false],
  ])('%j holds %d: %s', (quote, value, expected) => {
    expect(quoteHoldsNumber(quote, value)).toBe(expected);
  });

  it('reads each space-separated number alone too', () => {
    expect(numbersInQuote('items 3 12')).toEqual(expect.arrayContaining([3, 12]));
  });
});

describe('datesInQuote and quoteHoldsDate', () => {
  it.each([
    ['on 2025-03-03', true],
    ['on 2025/3/3', true],
    ['3 March 2025', true],
    ['3rd of March, 2025', true],
    ['March 3, 2025', true],
    ['Mar. 3rd 2025', true],
    ['03/03/2025', true],
    ['3.3.25', true],
    ['2025年3月3日', true],
    ['2025 年 3 月 3 日', true],
    ['4 March 2025', false],
    ['March 2025', false],
  ])('%j writes 2025-03-03: %s', (quote, expected) => {
    expect(quoteHoldsDate(quote, '2025-03-03')).toBe(expected);
  });

  it('reads a numeric date both day first and month first', () => {
    expect([...datesInQuote('05/04/2025')].sort()).toEqual(['2025-04-05', '2025-05-04']);
  });

  it('ignores impossible months and days', () => {
    expect(datesInQuote('2025-13-40').size).toBe(0);
  });
});

describe('quoteHoldsMonth', () => {
  it.each([
    ['for March 2025', true],
    ['Mar. 2025', true],
    ['period 03/2025', true],
    ['period 2025-03', true],
    ['2025年3月', true],
    ['on 3 March 2025', true],
    ['April 2025', false],
    ['03/2024', false],
  ])('%j writes 2025-03: %s', (quote, expected) => {
    expect(quoteHoldsMonth(quote, '2025-03')).toBe(expected);
  });
});

describe('quoteHoldsString', () => {
  it.each([
    ['Supplier: ACME  GmbH', 'acme gmbh', true],
    ['“Nordwind ＡＧ”', 'Nordwind AG', true],
    ['Supplier: ACME', 'ACME GmbH', false],
    ['anything', '', true],
  ])('%j holds %j: %s', (quote, value, expected) => {
    expect(quoteHoldsString(quote, value)).toBe(expected);
  });
});
