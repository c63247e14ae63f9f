import { InputError } from '../errors.js';

/** RFC 9110 token: the characters a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks one extra header before any request: a valid name, and a string value without CR, LF or NUL (no header
 * injection). undici would otherwise refuse it on every attempt, as a retried connection error. @internal
 */
export function checkHeader(name: string, value: unknown): string {
  if (!HEADER_NAME.test(name)) {
    throw new InputError(`headers: ${JSON.stringify(name)} is not a valid header name`, { path: 'headers' });
  }
  if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
    throw new InputError(`headers.${name} must be a string without line breaks`, { path: `headers.${name}` });
  }
  return value;
}
