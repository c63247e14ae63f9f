import { exceedsJsonDepth } from './exceeds-json-depth.js';
import { parseJsonSafely } from './parse-json-safely.js';
import type { RepairName } from './repair-name.js';
import { isPlainObject } from './schema-types.js';

/** A number as models write it: optional sign, digits with optional thousands separators, fraction, exponent. */
const NUMBER_TEXT = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', 'n', '0', 'off']);
const NULL_WORDS: ReadonlySet<string> = new Set(['null', 'none', 'nil', 'n/a', '']);

/** What a conversion produced, and the repair it counts as. @internal */
export type Conversion = { value: unknown; repair: RepairName } | undefined;

/**
 * Converts a value that does not match any of the node's types to the first of those types it can stand for:
 * `"42"` → 42, `"1,200.5"` → 1200.5, `"yes"` → true, `1` → true, `42` → `"42"`, `"null"` → null, a JSON text
 * → the object or array it holds, a single value → `[value]`. `undefined` when no type fits. @internal
 */
export function convertScalar(value: unknown, types: readonly string[]): Conversion {
  for (const type of types) {
    const conversion = convertTo(value, type);
    if (conversion !== undefined) {
      return conversion;
    }
  }
  return undefined;
}

function convertTo(value: unknown, type: string): Conversion {
  switch (type) {
    case 'integer':
    case 'number': {
      const number = typeof value === 'string' ? parseNumberText(value) : undefined;
      if (number === undefined || (type === 'integer' && !Number.isInteger(number))) {
        return undefined;
      }
      return { value: number, repair: 'coerce-number' };
    }
    case 'boolean':
      return convertToBoolean(value);
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean'
        ? { value: String(value), repair: 'coerce-string' }
        : undefined;
    case 'null':
      return typeof value === 'string' && NULL_WORDS.has(value.trim().toLowerCase())
        ? { value: null, repair: 'coerce-null' }
        : undefined;
    case 'object':
    case 'array':
      return convertToContainer(value, type);
    default:
      return undefined;
  }
}

/** A number from its text, or `undefined` when the text is not just a number. @internal */
export function parseNumberText(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '+' || trimmed === '-' || !NUMBER_TEXT.test(trimmed) || !/\d/.test(trimmed)) {
    return undefined;
  }
  const number = Number(trimmed.replaceAll(',', ''));
  return Number.isFinite(number) ? number : undefined;
}

function convertToBoolean(value: unknown): Conversion {
  if (typeof value === 'number' && (value === 0 || value === 1)) {
    return { value: value === 1, repair: 'coerce-boolean' };
  }
  if (typeof value !== 'string') {
    return undefined;
  }
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) {
    return { value: true, repair: 'coerce-boolean' };
  }
  return FALSE_WORDS.has(word) ? { value: false, repair: 'coerce-boolean' } : undefined;
}

function convertToContainer(value: unknown, type: 'object' | 'array'): Conversion {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    const opener = type === 'object' ? '{' : '[';
    if (trimmed.startsWith(opener) && !exceedsJsonDepth(trimmed)) {
      try {
        const parsed = parseJsonSafely(trimmed).value;
        if (type === 'object' ? isPlainObject(parsed) : Array.isArray(parsed)) {
          return { value: parsed, repair: 'coerce-json-string' };
        }
      } catch {
        // not JSON after all: fall through
      }
    }
  }
  if (type === 'array' && value !== null && value !== undefined) {
    return { value: [value], repair: 'wrap-array' };
  }
  return undefined;
}
