/**
 * If a `/* … *\/` or `// …` comment starts at `index`, returns the index just after it (a line comment ends
 * before its line break). `//` only counts after whitespace or punctuation, so `https://…` is not a comment.
 * Returns `undefined` when no comment starts there. @internal
 */
export function skipComment(text: string, index: number): number | undefined {
  if (text[index] !== '/') {
    return undefined;
  }
  const next = text[index + 1];
  if (next === '*') {
    const close = text.indexOf('*/', index + 2);
    return close < 0 ? text.length : close + 2;
  }
  if (next === '/') {
    const previous = text[index - 1];
    if (previous !== undefined && !/[\s,{[]/.test(previous)) {
      return undefined;
    }
    const lineEnd = text.indexOf('\n', index + 2);
    return lineEnd < 0 ? text.length : lineEnd;
  }
  return undefined;
}
