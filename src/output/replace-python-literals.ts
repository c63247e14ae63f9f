import { scanQuotedString } from './skip-quoted-string.js';

/** Bare words that stand for JSON literals in a value position, whatever their case. */
const LITERALS: Readonly<Record<string, string>> = { true: 'true', false: 'false', null: 'null', none: 'null' };

/**
 * Rewrites Python (and other near-JSON) literals outside strings as JSON: `True`, `FALSE`, `None`, `Null` in a
 * value position → `true`, `false`, `null`; single-quoted and triple-quoted strings → JSON strings. Everything
 * else is copied unchanged, so the result may still need `jsonrepair`. Returns the input when nothing changed.
 * @internal
 */
export function replacePythonLiterals(text: string): string {
  if (!/true|false|none|null|'|"""/i.test(text)) {
    return text;
  }
  let result = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const character = text[index] ?? '';
    const quoted = scanQuotedString(text, index);
    if (quoted !== undefined) {
      const triple = text.startsWith(character.repeat(3), index);
      if (quoted.closed && (triple || character === "'")) {
        const quoteLength = triple ? 3 : 1;
        result +=
          text.slice(copiedUpTo, index) + toJsonString(text.slice(index + quoteLength, quoted.end - quoteLength));
        copiedUpTo = quoted.end;
      }
      index = Math.max(quoted.end, index + 1);
      continue;
    }
    const word = /^[A-Za-z_]\w*/.exec(text.slice(index, index + 8));
    if (word !== null && !/[\w$]/.test(text[index - 1] ?? '')) {
      const end = index + word[0].length;
      const literal = LITERALS[word[0].toLowerCase()];
      if (literal !== undefined && literal !== word[0] && isValuePosition(text, index, end)) {
        result += text.slice(copiedUpTo, index) + literal;
        copiedUpTo = end;
      }
      index = end;
      continue;
    }
    index++;
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}

/** Whether a bare word stands alone as a value: after `:`, `[`, `,` (or nothing), before `,` `}` `]` (or nothing). */
function isValuePosition(text: string, start: number, end: number): boolean {
  const before = /\S?\s*$/.exec(text.slice(Math.max(0, start - 64), start))?.[0].trim() ?? '';
  const after = /^\s*\S?/.exec(text.slice(end, end + 64))?.[0].trim() ?? '';
  return (before === '' || ':[,'.includes(before)) && (after === '' || ',}]'.includes(after));
}

/** A JSON string literal with the given Python string body (`\'` unescaped, `"` and control characters escaped). */
function toJsonString(body: string): string {
  let json = '"';
  for (let index = 0; index < body.length; index++) {
    const character = body[index] ?? '';
    if (character === '\\') {
      const next = body[index + 1] ?? '';
      index++;
      if (next === "'") {
        json += "'";
      } else if (next !== '' && '"\\/bfnrtu'.includes(next)) {
        json += `\\${next}`;
      } else {
        json += next === '\n' ? '' : `\\\\${JSON.stringify(next).slice(1, -1)}`;
      }
    } else {
      json += JSON.stringify(character).slice(1, -1);
    }
  }
  return `${json}"`;
}
