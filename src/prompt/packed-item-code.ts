import { InputError } from '../errors.js';

const LETTER_COUNT = 26;
const CODE_POINT_OF_A = 65;

/**
 * The letter code of an item in a packed request: the spreadsheet column name of its position, so index 0 (the
 * first item) is `A`, 25 is `Z`, 26 is `AA`, 51 is `AZ`, 52 is `BA` and 99 (the hundredth item) is `CV`.
 * Qwen's tokenizer keeps such a code (and the line break before it) in about two tokens, where it splits a number
 * into digits, so letter codes make a packed request cheaper than numbers. The output module reads codes back
 * with `packedItemIndex`. Throws an {@link InputError} unless `index` is a safe integer from 0.
 *
 * @example
 * ```ts
 * [0, 25, 26, 99].map(packedItemCode); // ['A', 'Z', 'AA', 'CV']
 * ```
 */
export function packedItemCode(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new InputError(`index must be a whole number from 0, got ${String(index)}`, { path: 'index' });
  }
  let code = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / LETTER_COUNT)) {
    code = String.fromCharCode(CODE_POINT_OF_A + ((rest - 1) % LETTER_COUNT)) + code;
  }
  return code;
}
