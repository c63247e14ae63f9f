import { InputError } from '../errors.js';

/** Whitespace or a control character: never part of a key, often a pasted line break. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const NOT_IN_A_KEY = /[\s\u0000-\u001f\u007f]/;

/**
 * Checks an API key before any request: `undefined` passes (the caller decides whether a key is needed); an empty
 * key, a non-string, or a key holding whitespace or control characters is an {@link InputError}, where it would
 * otherwise fail every request with a 401 or a confusing connection error. The key never appears in the message.
 * @internal
 */
export function checkApiKey(apiKey: unknown): string | undefined {
  if (apiKey === undefined) return undefined;
  if (typeof apiKey !== 'string')
    throw new InputError(`apiKey must be a string, got ${typeof apiKey}`, { path: 'apiKey' });
  if (apiKey === '') {
    throw new InputError('apiKey is empty: pass the key, or leave apiKey out to read it from the environment', {
      path: 'apiKey',
    });
  }
  if (NOT_IN_A_KEY.test(apiKey)) {
    throw new InputError('apiKey contains whitespace or a control character (a stray line break?)', {
      path: 'apiKey',
    });
  }
  return apiKey;
}
