/**
 * Moving a parsed value toward its JSON Schema without guessing: scalars written as strings, enum members in another
 * spelling, ISO dates where marked, a value where an array is expected and back, property names in another
 * spelling, missing nullable properties. It never validates. See `docs/output-repair.md#local-repairs`.
 * @module
 */
import type { JsonSchema } from '../json.js';
import { addRepair, type RepairName } from './outcome.js';
import { exceedsJsonDepth, isUnsafeKey, MAX_JSON_DEPTH, parseJsonSafely } from './scan.js';
import { allowsNull, asSchema, fitsSchema, isPlainObject, matchesType, resolveSchemaNode, typeList } from './schema.js';

/** A number as models write it: optional sign, digits with optional thousands separators, fraction, exponent. */
const NUMBER_TEXT = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', 'n', '0', 'off']);
const NULL_WORDS: ReadonlySet<string> = new Set(['null', 'none', 'nil', 'n/a', '']);
/** ISO 8601 calendar date, optionally with a time (after `T` or a space) and a zone. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

interface CoerceContext {
  root: JsonSchema;
  repairs: RepairName[];
}

/**
 * Moves a parsed value toward a JSON Schema (`type`, `properties`, `items`, `enum`, `const`, `anyOf`/`oneOf`,
 * `allOf`, `$ref`), dropping unsafe keys. The input is not modified; repairs made are appended to `repairs` once each.
 */
export function coerceToSchema(value: unknown, schema: JsonSchema, repairs: RepairName[]): unknown {
  return coerceNode(value, schema, { root: schema, repairs }, 0);
}

function coerceNode(value: unknown, node: unknown, context: CoerceContext, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) {
    return value;
  }
  const schema = resolveSchemaNode(node, context.root);
  let result = value;
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) {
      result = coerceNode(result, part, context, depth + 1);
    }
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    result = coerceToBranch(result, branches, context, depth);
  }
  if (schema['x-coerce'] === 'date' && typeof result === 'string') {
    const date = parseIsoDate(result);
    if (date !== undefined) {
      addRepair(context.repairs, 'coerce-date');
      return date;
    }
  }
  result = coerceType(result, schema, context, depth);
  return coerceEnum(result, schema, context);
}

/** Coerces with the first branch the value already fits, else the first branch it can be made to fit. */
function coerceToBranch(value: unknown, branches: readonly unknown[], context: CoerceContext, depth: number): unknown {
  const fitting = branches.find((branch) => fitsSchema(value, branch, context.root));
  if (fitting !== undefined) {
    return coerceNode(value, fitting, context, depth + 1);
  }
  for (const branch of branches) {
    const branchRepairs: RepairName[] = [];
    const coerced = coerceNode(value, branch, { root: context.root, repairs: branchRepairs }, depth + 1);
    if (fitsSchema(coerced, branch, context.root)) {
      for (const repair of branchRepairs) {
        addRepair(context.repairs, repair);
      }
      return coerced;
    }
  }
  return value;
}

function coerceType(value: unknown, schema: JsonSchema, context: CoerceContext, depth: number): unknown {
  let result = value;
  const types = typeList(schema);
  if (types !== undefined && !types.some((type) => matchesType(result, type))) {
    if (Array.isArray(result) && result.length === 1 && !types.includes('array')) {
      result = result[0];
      addRepair(context.repairs, 'unwrap-array');
    }
    if (!types.some((type) => matchesType(result, type))) {
      const conversion = convertScalar(result, types);
      if (conversion !== undefined) {
        result = conversion.value;
        addRepair(context.repairs, conversion.repair);
      }
    }
  }
  if (Array.isArray(result)) {
    return coerceArray(result, schema, context, depth);
  }
  return isPlainObject(result) ? coerceObject(result, schema, context, depth) : result;
}

function coerceArray(value: readonly unknown[], schema: JsonSchema, context: CoerceContext, depth: number): unknown[] {
  const prefixItems = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const { items } = schema;
  return value.map((item, index) => {
    const node = index < prefixItems.length ? prefixItems[index] : items;
    return node === undefined ? item : coerceNode(item, node, context, depth + 1);
  });
}

function coerceObject(
  value: Record<string, unknown>,
  schema: JsonSchema,
  context: CoerceContext,
  depth: number,
): Record<string, unknown> {
  const properties = asSchema(schema.properties);
  const additional = schema.additionalProperties;
  const renames = matchPropertyNames(value, properties);
  const result: Record<string, unknown> = {};
  for (const [rawKey, child] of Object.entries(value)) {
    if (isUnsafeKey(rawKey)) {
      addRepair(context.repairs, 'unsafe-key');
      continue;
    }
    const key = renames.get(rawKey) ?? rawKey;
    if (key !== rawKey) {
      addRepair(context.repairs, 'coerce-key');
    }
    const node = Object.hasOwn(properties, key)
      ? properties[key]
      : typeof additional === 'object' && additional !== null
        ? additional
        : undefined;
    result[key] = node === undefined ? child : coerceNode(child, node, context, depth + 1);
  }
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const name of required) {
    if (typeof name === 'string' && !Object.hasOwn(result, name) && Object.hasOwn(properties, name)) {
      if (allowsNull(properties[name], context.root)) {
        result[name] = null;
        addRepair(context.repairs, 'null-default');
      }
    }
  }
  return result;
}

/**
 * Pairs keys of the value that the schema does not know with missing properties of the same normalized spelling
 * (`First Name` → `firstName`), when the pairing is one to one.
 */
function matchPropertyNames(value: Record<string, unknown>, properties: JsonSchema): Map<string, string> {
  const renames = new Map<string, string>();
  const unknownKeys = Object.keys(value).filter((key) => !Object.hasOwn(properties, key));
  if (unknownKeys.length === 0) {
    return renames;
  }
  const missing = Object.keys(properties).filter((name) => !Object.hasOwn(value, name) && !isUnsafeKey(name));
  for (const name of missing) {
    const normalized = normalizeForMatch(name);
    const matches = unknownKeys.filter((key) => normalizeForMatch(key) === normalized);
    const sameSpelling = missing.filter((other) => normalizeForMatch(other) === normalized);
    if (matches.length === 1 && sameSpelling.length === 1) {
      renames.set(matches[0]!, name);
    }
  }
  return renames;
}

function coerceEnum(value: unknown, schema: JsonSchema, context: CoerceContext): unknown {
  const members = Array.isArray(schema.enum) ? schema.enum : 'const' in schema ? [schema.const] : undefined;
  if (members === undefined || members.includes(value)) {
    return value;
  }
  const member = matchEnumMember(value, members);
  if (member === undefined) {
    return value;
  }
  addRepair(context.repairs, 'coerce-enum');
  return member.value;
}

/** What a conversion produced, and the repair it counts as. */
type Conversion = { value: unknown; repair: RepairName } | undefined;

/**
 * Converts a value that does not match any of the node's types to the first of those types it can stand for:
 * `"42"` → 42, `"1,200.5"` → 1200.5, `"yes"` → true, `1` → true, `42` → `"42"`, `"null"` → null, a JSON text
 * → the object or array it holds, a single value → `[value]`. `undefined` when no type fits.
 */
function convertScalar(value: unknown, types: readonly string[]): Conversion {
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

/** A number from its text, or `undefined` when the text is not just a number. */
function parseNumberText(text: string): number | undefined {
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

/**
 * A `Date` from an ISO 8601 string (`2024-05-01`, `2024-05-01T10:30:00Z`, `2024-05-01 10:30+0200`), or
 * `undefined` when the text is not one or names no real day (`2024-02-30`). A date without a time means midnight
 * UTC, as in `new Date('2024-05-01')`; a time without a zone is local time, as in `new Date(…)`.
 */
function parseIsoDate(text: string): Date | undefined {
  const match = ISO_DATE.exec(text.trim());
  if (match === null) {
    return undefined;
  }
  const [, year = '', month = '', day = '', time, zone] = match;
  const dayStart = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (dayStart.getUTCFullYear() !== Number(year) || dayStart.getUTCMonth() !== Number(month) - 1) {
    return undefined;
  }
  if (dayStart.getUTCDate() !== Number(day) || (time === undefined && zone !== undefined)) {
    return undefined;
  }
  if (time === undefined) {
    return dayStart;
  }
  const date = new Date(`${year}-${month}-${day}T${time.replace(',', '.')}${normalizeZone(zone)}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `Z`, `+02`, `+0200` and `+02:00` as `Z` or `+02:00`; no zone stays empty. */
function normalizeZone(zone: string | undefined): string {
  if (zone === undefined || zone.toUpperCase() === 'Z') {
    return zone === undefined ? '' : 'Z';
  }
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

/**
 * The one enum member a string, number or boolean stands for once case, spacing and punctuation are ignored
 * (`"Feature request"` → `'feature-request'`, `"2"` → `2`); `undefined` when none or several match.
 * Returned in a box so a matching `null` member is told apart from no match.
 */
function matchEnumMember(value: unknown, members: readonly unknown[]): { value: unknown } | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return undefined;
  }
  const normalized = normalizeForMatch(String(value));
  const matches = members.filter(
    (member) =>
      (typeof member === 'string' || typeof member === 'number' || typeof member === 'boolean') &&
      normalizeForMatch(String(member)) === normalized,
  );
  return matches.length === 1 ? { value: matches[0] } : undefined;
}

/**
 * The form two spellings of one name share: Unicode-compatibility folded (full-width letters become ASCII),
 * lower-cased, with everything but letters and digits removed. `Feature request`, `feature-request` and
 * `FEATURE_REQUEST` all become `featurerequest`. A name of punctuation only keeps its folded, trimmed form.
 */
function normalizeForMatch(text: string): string {
  const folded = text.normalize('NFKC').toLowerCase();
  const lettersAndDigits = folded.replace(/[^\p{L}\p{N}]+/gu, '');
  return lettersAndDigits === '' ? folded.trim() : lettersAndDigits;
}
