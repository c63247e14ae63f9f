import { scanQuotedString } from './skip-quoted-string.js';

/**
 * Doubles backslashes inside double-quoted strings that start no valid JSON escape (`"\json"` → `"\\json"`), so
 * the backslash is kept as text instead of being dropped. Returns the input when nothing changed. @internal
 */
export function escapeStrayBackslashes(text: string): string {
  if (!text.includes('\\')) {
    return text;
  }
  let result = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const quoted = text[index] === '"' ? scanQuotedString(text, index) : undefined;
    if (quoted === undefined) {
      index++;
      continue;
    }
    for (let inner = index + 1; inner < quoted.end; inner++) {
      if (text[inner] !== '\\') {
        continue;
      }
      const next = text[inner + 1] ?? '';
      const validEscape =
        '"\\/bfnrt'.includes(next) || (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(inner + 2, inner + 6)));
      if (next !== '' && !validEscape && inner + 1 < quoted.end) {
        result += `${text.slice(copiedUpTo, inner)}\\`;
        copiedUpTo = inner;
      } else {
        inner++;
      }
    }
    index = quoted.end;
  }
  return copiedUpTo === 0 ? text : result + text.slice(copiedUpTo);
}
