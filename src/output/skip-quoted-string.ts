/** Characters after which a single quote opens a string (rather than being an apostrophe in a bare word). */
const SINGLE_QUOTE_OPENERS = new Set(['{', '[', ',', ':']);

/** Where a quoted string ends, and whether its closing quote was found. @internal */
export interface QuotedStringEnd {
  /** Index just after the string (`text.length` when it never ends). */
  end: number;
  /** Whether the closing quote was found. */
  closed: boolean;
}

/**
 * If a quoted string starts at `index` (`"…"`, `"""…"""`, or `'…'` in a key or value position), returns where it
 * ends; `undefined` when no string starts there. Works on broken JSON: it only has to keep brackets inside strings
 * from counting. @internal
 */
export function scanQuotedString(text: string, index: number): QuotedStringEnd | undefined {
  const quote = text[index];
  if (quote !== '"' && (quote !== "'" || !opensSingleQuoted(text, index))) {
    return undefined;
  }
  const triple = quote.repeat(3);
  if (text.startsWith(triple, index)) {
    const close = text.indexOf(triple, index + 3);
    return close < 0 ? { end: text.length, closed: false } : { end: close + 3, closed: true };
  }
  return quote === '"' ? scanDoubleQuoted(text, index + 1) : scanSingleQuoted(text, index + 1);
}

/** `scanQuotedString`, returning only the end index. @internal */
export function skipQuotedString(text: string, index: number): number | undefined {
  const character = text[index];
  return character === '"' || character === "'" ? scanQuotedString(text, index)?.end : undefined;
}

function scanDoubleQuoted(text: string, from: number): QuotedStringEnd {
  for (let index = from; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') {
      index++;
    } else if (character === '"') {
      return { end: index + 1, closed: true };
    }
  }
  return { end: text.length, closed: false };
}

/**
 * A single-quoted string ends at a quote followed (after spaces and a block comment) by `,` `:` `}` `]`, a line
 * break or the end of the text, so apostrophes inside it (`'it's'`) do not end it.
 */
function scanSingleQuoted(text: string, from: number): QuotedStringEnd {
  for (let index = from; index < text.length; index++) {
    const character = text[index];
    if (character === '\\') {
      index++;
    } else if (character === "'") {
      let next = index + 1;
      while (text[next] === ' ' || text[next] === '\t') {
        next++;
      }
      if (text.startsWith('/*', next)) {
        const commentEnd = text.indexOf('*/', next + 2);
        next = commentEnd < 0 ? text.length : commentEnd + 2;
        while (text[next] === ' ' || text[next] === '\t') {
          next++;
        }
      }
      const after = text[next];
      if (after === undefined || ',:}]\r\n'.includes(after)) {
        return { end: index + 1, closed: true };
      }
    } else if (character === '\n') {
      return { end: index, closed: false };
    }
  }
  return { end: text.length, closed: false };
}

function opensSingleQuoted(text: string, index: number): boolean {
  let previous = index - 1;
  while (previous >= 0 && /\s/.test(text[previous] ?? '')) {
    previous--;
  }
  return previous < 0 || SINGLE_QUOTE_OPENERS.has(text[previous] ?? '');
}
