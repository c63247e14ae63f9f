const CODE = /^[A-Z]{1,6}$/;
const LETTER_COUNT = 26;
const CODE_POINT_OF_A = 65;

/**
 * The item index a packed-request letter code stands for, the inverse of the prompt module's `packedItemCode`:
 * `A` is 0 (the first item), `Z` 25, `AA` 26, `BA` 52, `CV` 99. Only 1 to 6 uppercase ASCII letters are a code
 * (fold full-width letters first); anything else is `undefined`.
 *
 * @example
 * ```ts
 * ['A', 'AA', 'CV', 'a', '1'].map(packedItemIndex); // [0, 26, 99, undefined, undefined]
 * ```
 */
export function packedItemIndex(code: string): number | undefined {
  if (!CODE.test(code)) {
    return undefined;
  }
  let position = 0;
  for (let offset = 0; offset < code.length; offset += 1) {
    position = position * LETTER_COUNT + (code.charCodeAt(offset) - CODE_POINT_OF_A + 1);
  }
  return position - 1;
}
