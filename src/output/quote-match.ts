/**
 * Matching a model's quote against the input text, and checking that a quote supports a value: the documented
 * normalisation (whitespace runs, curly and straight quotes, full-width and half-width forms) with a map back to the
 * text's own offsets, and the notations a number or a date may take in a quote. See `docs/grounding.md`.
 * @module
 */

/** A text after normalisation, with where each of its characters starts in the original. */
export interface NormalizedText {
  /** The normalised text. */
  text: string;
  /**
   * `origin[k]`: the UTF-16 offset in the original of normalised character `k`; `origin[text.length]` is the
   * original's length, so a match `[k, k + n)` covers the original `[origin[k], origin[k + n])`.
   */
  origin: Int32Array;
}

const SINGLE_QUOTES = new Set([0x2018, 0x2019, 0x201a, 0x201b, 0x2032, 0x2035]);
const DOUBLE_QUOTES = new Set([0x201c, 0x201d, 0x201e, 0x201f, 0x2033, 0x2036]);
const WHITESPACE = /\s/;

/** One code unit's normal form: a curly quote as the straight one, a full-width form as its ASCII twin. */
function normalCode(code: number): number {
  if (code >= 0xff01 && code <= 0xff5e) return code - 0xfee0;
  if (SINGLE_QUOTES.has(code)) return 0x27;
  if (DOUBLE_QUOTES.has(code)) return 0x22;
  return code;
}

function isSpace(code: number): boolean {
  return (
    code === 0x20 ||
    code === 0x0a ||
    code === 0x09 ||
    code === 0x0d ||
    (code > 0x7f && WHITESPACE.test(String.fromCharCode(code)))
  );
}

/**
 * Normalises a text for quote matching: every run of whitespace (the ideographic space included) becomes one space,
 * curly quotes and primes become straight quotes, full-width ASCII forms become ASCII. Nothing else changes, so the
 * map back to the original is exact.
 */
export function normalizeText(text: string): NormalizedText {
  const origin = new Int32Array(text.length + 1);
  const codes: number[] = [];
  let pieces = '';
  let length = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (isSpace(code)) {
      origin[length] = index;
      length += 1;
      codes.push(0x20);
      while (index + 1 < text.length && isSpace(text.charCodeAt(index + 1))) index += 1;
    } else {
      origin[length] = index;
      length += 1;
      codes.push(normalCode(code));
    }
    if (codes.length >= 8192) {
      pieces += String.fromCharCode(...codes);
      codes.length = 0;
    }
  }
  pieces += String.fromCharCode(...codes);
  origin[length] = text.length;
  return { text: pieces, origin: length === text.length ? origin : origin.slice(0, length + 1) };
}

/**
 * Anything {@link normalizeText} would change: whitespace other than a lone space, a curly quote or prime, a
 * full-width form.
 */
const NOT_NORMAL = /[^\S ]| {2}|[\u2018-\u201f\u2032\u2033\u2035\u2036\uff01-\uff5e]/;

/**
 * A value's or quote's normal form for comparison: normalised, trimmed. A text already in normal form (a stretch
 * of the normalised input, most quotes) is only trimmed, with no offset map built.
 */
export function normalForm(text: string): string {
  return (NOT_NORMAL.test(text) ? normalizeText(text).text : text).trim();
}

/** Where a normalised quote occurs in a normalised text (at most `limit` places, in order). */
export function occurrences(haystack: string, needle: string, limit = 10_000): number[] {
  const found: number[] = [];
  if (needle === '') return found;
  for (let at = haystack.indexOf(needle); at !== -1 && found.length < limit; at = haystack.indexOf(needle, at + 1)) {
    found.push(at);
  }
  return found;
}

/** Does the quote hold the string, after the same normalisation and ignoring case? */
export function quoteHoldsString(quote: string, value: string): boolean {
  const wanted = normalForm(value).toLowerCase();
  return wanted === '' || normalForm(quote).toLowerCase().includes(wanted);
}

/** A number with its grouping separators: `1,250.00`, `1.250,00`, `1 250`, `1'250`, `-3.5`, `(1,250)`. */
const NUMBER =
  /(\()?([-−+]?)(\d+(?:[.,'’_\u00a0\u202f ]\d+)*)(\))?(\s*(?:%|percent\b|k\b|thousand\b|m\b|mn\b|million\b|bn\b|b\b|billion\b))?/gi;
const SCALES: Readonly<Record<string, number>> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mn: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
};

/**
 * The numbers a quote may be writing, each notation tried: `,` or `.` as the decimal mark with the other (and
 * spaces, apostrophes, underscores) grouping, each space-separated part alone, a scale word (`k`, `million`, `bn`)
 * applied or not, and a percentage as itself or as a fraction.
 */
export function numbersInQuote(quote: string): number[] {
  const numbers: number[] = [];
  for (const match of normalForm(quote).matchAll(NUMBER)) {
    const body = match[3] ?? '';
    const suffix = (match[5] ?? '').trim().toLowerCase();
    const readings = [body, ...(body.includes(' ') ? body.split(' ') : [])].flatMap((part) => [
      readNumber(part, '.'),
      readNumber(part, ','),
    ]);
    for (const number of readings) {
      if (number === undefined) continue;
      numbers.push(number);
      const scale = SCALES[suffix];
      if (scale !== undefined) numbers.push(number * scale);
      if (suffix === '%' || suffix === 'percent') numbers.push(number / 100);
    }
  }
  return numbers;
}

/**
 * A number written with `decimal` as its decimal mark (the last one) and any other separator grouping the digits in
 * threes (`1,250.00`, `1.250,00`, `1 250`); `undefined` when the groups are not threes (`12.5` is not 125).
 */
function readNumber(body: string, decimal: '.' | ','): number | undefined {
  const at = body.lastIndexOf(decimal);
  const integer = at === -1 ? body : body.slice(0, at);
  const fraction = at === -1 ? '' : body.slice(at + 1);
  if (!/^\d*$/.test(fraction) || integer.includes(decimal)) return undefined;
  const groups = integer.split(/[.,'’_\u00a0\u202f ]/);
  if (groups.length > 1 && (!/^\d{1,3}$/.test(groups[0] ?? '') || groups.slice(1).some((group) => group.length !== 3)))
    return undefined;
  const number = Number(`${groups.join('')}${fraction === '' ? '' : `.${fraction}`}`);
  return Number.isFinite(number) && integer !== '' ? number : undefined;
}

/** Does the quote write this number in any notation {@link numbersInQuote} reads (the sign is not compared)? */
export function quoteHoldsNumber(quote: string, value: number): boolean {
  const wanted = Math.abs(value);
  return numbersInQuote(quote).some((number) => Math.abs(number - wanted) <= 1e-9 * Math.max(1, wanted));
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};
const MONTH =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DAY = '(\\d{1,2})(?:st|nd|rd|th)?';
const DATE_NOTATIONS: readonly { pattern: RegExp; read: (match: RegExpMatchArray) => [number, number, number][] }[] = [
  // 2025-03-03, 2025/3/3, 2025.03.03
  { pattern: /(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/g, read: (m) => [[Number(m[1]), Number(m[2]), Number(m[3])]] },
  // 03/03/2025, 3.3.25: day first or month first
  {
    pattern: /\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b/g,
    read: (m) => {
      const year = fullYear(m[3] ?? '');
      return [
        [year, Number(m[2]), Number(m[1])],
        [year, Number(m[1]), Number(m[2])],
      ];
    },
  },
  // 3 March 2025, 3rd of March, 2025, 3 Mar. 2025
  {
    pattern: new RegExp(`\\b${DAY}\\.?(?:\\s+of)?\\s+${MONTH}\\.?,?\\s+(\\d{4})`, 'gi'),
    read: (m) => [[Number(m[3]), monthNumber(m[2]), Number(m[1])]],
  },
  // March 3, 2025, Mar 3rd 2025
  {
    pattern: new RegExp(`\\b${MONTH}\\.?\\s+${DAY},?\\s+(\\d{4})`, 'gi'),
    read: (m) => [[Number(m[3]), monthNumber(m[1]), Number(m[2])]],
  },
  // 2025年3月3日
  {
    pattern: /(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日/g,
    read: (m) => [[Number(m[1]), Number(m[2]), Number(m[3])]],
  },
];

function fullYear(year: string): number {
  const number = Number(year);
  if (year.length === 4) return number;
  return number < 70 ? 2000 + number : 1900 + number;
}

function monthNumber(name: string | undefined): number {
  return MONTHS[(name ?? '').toLowerCase().replace(/\.$/, '')] ?? 0;
}

/** The calendar dates a quote writes, in any notation of {@link DATE_NOTATIONS}, as `YYYY-MM-DD`. */
export function datesInQuote(quote: string): Set<string> {
  const dates = new Set<string>();
  const text = normalForm(quote);
  for (const { pattern, read } of DATE_NOTATIONS) {
    for (const match of text.matchAll(pattern)) {
      for (const [year, month, day] of read(match)) {
        if (month >= 1 && month <= 12 && day >= 1 && day <= 31) {
          dates.add(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
        }
      }
    }
  }
  return dates;
}

/** An ISO 8601 date at the start of a string (a date-time's date part): `2025-03-03`, `2025-03-03T10:00Z`. */
export const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/;

/** Does the quote write this calendar date (`YYYY-MM-DD`), in any notation {@link datesInQuote} reads? */
export function quoteHoldsDate(quote: string, isoDate: string): boolean {
  return datesInQuote(quote).has(isoDate);
}

/** A month written as ISO 8601 does: `2025-03`. */
export const ISO_MONTH = /^\d{4}-\d{2}$/;

const MONTH_NOTATIONS: readonly { pattern: RegExp; read: (match: RegExpMatchArray) => [number, number] }[] = [
  // March 2025, Mar. 2025, March, 2025
  { pattern: new RegExp(`\\b${MONTH}\\.?,?\\s+(\\d{4})`, 'gi'), read: (m) => [Number(m[2]), monthNumber(m[1])] },
  // 03/2025, 3.2025
  { pattern: /\b(\d{1,2})[/.](\d{4})\b/g, read: (m) => [Number(m[2]), Number(m[1])] },
  // 2025-03, 2025/3
  { pattern: /\b(\d{4})[-/](\d{1,2})\b/g, read: (m) => [Number(m[1]), Number(m[2])] },
  // 2025年3月
  { pattern: /(\d{4})\s*年\s*(\d{1,2})\s*月/g, read: (m) => [Number(m[1]), Number(m[2])] },
];

/**
 * Does the quote write this month (`YYYY-MM`): as `March 2025`, `03/2025`, `2025-03`, `2025年3月`, or within a
 * date of that month?
 */
export function quoteHoldsMonth(quote: string, isoMonth: string): boolean {
  for (const date of datesInQuote(quote)) if (date.startsWith(isoMonth)) return true;
  const text = normalForm(quote);
  for (const { pattern, read } of MONTH_NOTATIONS) {
    for (const match of text.matchAll(pattern)) {
      const [year, month] = read(match);
      if (`${year}-${String(month).padStart(2, '0')}` === isoMonth) return true;
    }
  }
  return false;
}
