/** Characters of scripts written without spaces; each counts as one word. */
const UNSPACED_CHARACTER = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;

/**
 * Counts words the way a reader would: runs of letters or digits separated by spaces, with every Chinese,
 * Japanese, Korean or Thai character counted as a word of its own (those scripts do not separate words).
 *
 * @example
 * countWords('Revenue grew 12% in Q3.'); // 5
 * countWords('收入增长了'); // 5
 */
export function countWords(text: string): number {
  let count = 0;
  const rest = text.replace(UNSPACED_CHARACTER, () => {
    count++;
    return ' ';
  });
  for (const token of rest.split(/\s+/)) {
    if (/[\p{L}\p{N}]/u.test(token)) {
      count++;
    }
  }
  return count;
}
