/** CJK punctuation that Unicode compatibility folding leaves alone, with its ASCII counterpart. */
const CJK_PUNCTUATION: Readonly<Record<string, string>> = {
  '。': '.',
  '、': ',',
  '“': '"',
  '”': '"',
  '„': '"',
  '‘': "'",
  '’': "'",
  '「': '"',
  '」': '"',
  '『': '"',
  '』': '"',
  '【': '[',
  '】': ']',
  '《': '"',
  '》': '"',
  '〈': '"',
  '〉': '"',
  '…': '...',
};
const CJK_PUNCTUATION_PATTERN = new RegExp(`[${Object.keys(CJK_PUNCTUATION).join('')}]`, 'g');

/**
 * Reads full-width and CJK punctuation as ASCII (`标签：“positive”。` → `标签:"positive".`): Unicode
 * compatibility folding (NFKC) for full-width forms, plus the CJK quotes, brackets and stops it leaves alone.
 * Letters of any script are kept. @internal
 */
export function foldFullWidth(text: string): string {
  return text
    .normalize('NFKC')
    .replace(CJK_PUNCTUATION_PATTERN, (character) => CJK_PUNCTUATION[character] ?? character);
}
