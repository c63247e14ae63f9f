import type { JsonSchema } from '../json.js';
import { addRepair } from './add-repair.js';
import { convertScalar } from './convert-scalar.js';
import { MAX_JSON_DEPTH } from './exceeds-json-depth.js';
import { matchEnumMember } from './match-enum-member.js';
import { normalizeForMatch } from './normalize-for-match.js';
import { parseIsoDate } from './parse-iso-date.js';
import { isUnsafeKey } from './parse-json-safely.js';
import type { RepairName } from './repair-name.js';
import { asSchema, resolveSchemaNode } from './resolve-schema-node.js';
import { allowsNull, fitsSchema, isPlainObject, matchesType, typeList } from './schema-types.js';

interface CoerceContext {
  root: JsonSchema;
  repairs: RepairName[];
}

/**
 * Moves a parsed value toward a JSON Schema without guessing: numbers, booleans and nulls written as strings,
 * enum members in another case or spelling, ISO 8601 strings for nodes marked `"x-coerce": "date"`, a single value
 * where an array is expected, a missing required nullable property, property names in another spelling. It
 * follows `type` (one or a list), `properties`/`required`/`additionalProperties`, `items`/`prefixItems`, `enum`,
 * `const`, `anyOf`/`oneOf` (the first branch the value fits, or can be made to fit), `allOf` and `$ref` within the
 * schema. Unsafe keys are dropped. The input is not modified; repairs made are appended to `repairs` (once each).
 * It does not validate: what cannot be coerced is left for the validator to report.
 *
 * @example
 * const repairs: RepairName[] = [];
 * coerceToSchema({ age: '42' }, { type: 'object', properties: { age: { type: 'integer' } } }, repairs);
 * // { age: 42 }, repairs: ['coerce-number']
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
