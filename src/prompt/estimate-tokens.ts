/**
 * Qwen's pre-tokenizer split (the regex of its `tokenizer.json`): contractions, letter runs with one leading
 * non-letter, single digits, punctuation runs, whitespace. BPE never merges across these pieces, so estimating
 * piece by piece keeps the error local.
 */
const PIECE =
  /'(?:[sStTmMdD]|[rR][eE]|[vV][eE]|[lL][lL])|([^\r\n\p{L}\p{N}]?)(\p{L}+)|\p{N}|( ?[^\s\p{L}\p{N}]+[\r\n]*)|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/**
 * Weights fitted against the Qwen3 tokenizer on English, German, Spanish, French and Russian prose, code, JSON,
 * logs, Markdown, Chinese, Japanese and Korean (see `estimate-tokens.test.ts`). Qwen's vocabulary holds many
 * Chinese words, so a Han character costs about half a token, not one.
 */
const WEIGHTS = {
  han: 0.55,
  hiragana: 0.7,
  katakana: 0.65,
  hangul: 0.5,
  /** Cyrillic, Greek, Arabic, … letters. */
  otherLetter: 0.4,
  /** A Latin word costs one token up to this length… */
  latinWordLength: 6,
  /** …and one more for each this many letters beyond it. */
  latinLettersPerToken: 3.5,
  /** A space before a CJK word is a token of its own. */
  spaceBeforeCjk: 1,
  asciiSymbol: 0.33,
  otherSymbol: 1.2,
  astralSymbol: 1.4,
} as const;

/**
 * A fast estimate of the Qwen3 token count of `text`, without the 84 MB tokenizer: about 0.55 token per Chinese
 * character, 0.5–0.7 per kana and Hangul syllable, one per short English word, one per digit (Qwen splits numbers
 * into digits), a third per ASCII symbol. Within ±20% of the real tokenizer on each calibration sample (English
 * prose, code, JSON, Chinese, Japanese, Korean, mixed), usually within ±10%; use {@link countTokens} for exact
 * counts.
 *
 * @example
 * ```ts
 * estimateTokens('I love this product'); // 4
 * ```
 */
export function estimateTokens(text: string): number {
  let total = 0;
  PIECE.lastIndex = 0;
  for (let match = PIECE.exec(text); match !== null; match = PIECE.exec(text)) {
    const [, lead, letters, symbols] = match;
    if (letters !== undefined) total += letterPieceCost(lead ?? '', letters);
    else if (symbols !== undefined) total += symbolPieceCost(symbols);
    else total += 1; // a contraction, a digit or a run of whitespace
  }
  return Math.round(total);
}

function letterPieceCost(lead: string, letters: string): number {
  let latin = 0;
  let cost = 0;
  let cjk = false;
  for (const char of letters) {
    const code = char.codePointAt(0) ?? 0;
    if (isLatin(code)) {
      latin++;
      continue;
    }
    const weight = cjkWeight(code);
    if (weight > 0) cjk = true;
    cost += weight > 0 ? weight : WEIGHTS.otherLetter;
  }
  if (latin > 0) cost += 1 + Math.max(0, latin - WEIGHTS.latinWordLength) / WEIGHTS.latinLettersPerToken;
  if (cjk && lead === ' ') cost += WEIGHTS.spaceBeforeCjk;
  return Math.max(1, cost);
}

function symbolPieceCost(piece: string): number {
  let cost = 0;
  for (const char of piece) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x20) continue;
    cost += code < 0x7f ? WEIGHTS.asciiSymbol : code > 0xffff ? WEIGHTS.astralSymbol : WEIGHTS.otherSymbol;
  }
  return Math.max(1, cost);
}

function isLatin(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0xc0 && code <= 0x24f) ||
    (code >= 0x1e00 && code <= 0x1eff)
  );
}

/** Weight of a Han, kana or Hangul character; 0 for any other letter. */
function cjkWeight(code: number): number {
  if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf) || (code >= 0xf900 && code <= 0xfaff)) {
    return WEIGHTS.han;
  }
  if (code >= 0x20000 && code <= 0x3134f) return WEIGHTS.han;
  if (code >= 0x3040 && code <= 0x309f) return WEIGHTS.hiragana;
  if ((code >= 0x30a0 && code <= 0x30ff) || (code >= 0x31f0 && code <= 0x31ff) || (code >= 0xff66 && code <= 0xff9f)) {
    return WEIGHTS.katakana;
  }
  if ((code >= 0xac00 && code <= 0xd7af) || (code >= 0x1100 && code <= 0x11ff) || (code >= 0x3130 && code <= 0x318f)) {
    return WEIGHTS.hangul;
  }
  return 0;
}
