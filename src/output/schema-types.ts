import type { JsonSchema } from '../json.js';
import { asSchema, resolveSchemaNode } from './resolve-schema-node.js';

/** The node's `type` keyword as a list, or `undefined` when it has none. @internal */
export function typeList(schema: JsonSchema): string[] | undefined {
  const { type } = schema;
  if (typeof type === 'string') {
    return [type];
  }
  return Array.isArray(type) ? type.filter((name): name is string => typeof name === 'string') : undefined;
}

/** Whether a value is an instance of a JSON Schema type (`integer` also counts as `number`'s subset). @internal */
export function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return true;
  }
}

/** Whether a value is a plain object (not an array, not null, not a `Date`). @internal */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * A shallow check that a value fits a schema node: its `type`, `const`, `enum`, date marker and (through
 * `anyOf`/`oneOf`) any branch. Nested properties and items are not checked. @internal
 */
export function fitsSchema(value: unknown, node: unknown, root: JsonSchema, depth = 0): boolean {
  const schema = resolveSchemaNode(node, root);
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches) && depth < 16 && !branches.some((branch) => fitsSchema(value, branch, root, depth + 1))) {
    return false;
  }
  if (
    Array.isArray(schema.allOf) &&
    depth < 16 &&
    !schema.allOf.every((part) => fitsSchema(value, part, root, depth + 1))
  ) {
    return false;
  }
  if ('const' in schema && schema.const !== value) {
    return false;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    return false;
  }
  if (schema['x-coerce'] === 'date') {
    return value instanceof Date;
  }
  const types = typeList(schema);
  return types === undefined || types.some((type) => matchesType(value, type));
}

/** Whether a node says in so many words that `null` is allowed (a `null` type, const or enum member, or branch). @internal */
export function allowsNull(node: unknown, root: JsonSchema, depth = 0): boolean {
  const schema = resolveSchemaNode(node, root);
  if (typeList(schema)?.includes('null') === true || schema.const === null) {
    return true;
  }
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) {
    return true;
  }
  const branches = schema.anyOf ?? schema.oneOf;
  return Array.isArray(branches) && depth < 16 && branches.some((branch) => allowsNull(branch, root, depth + 1));
}

/** The JSON type names a node can take at its top level, or `undefined` when it does not say. @internal */
export function topLevelTypes(node: unknown, root: JsonSchema, depth = 0): Set<string> | undefined {
  const schema = resolveSchemaNode(asSchema(node), root);
  const types = typeList(schema);
  if (types !== undefined) {
    return new Set(types);
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(branches) || depth >= 16) {
    return schema.properties === undefined ? undefined : new Set(['object']);
  }
  const union = new Set<string>();
  for (const branch of branches) {
    const branchTypes = topLevelTypes(branch, root, depth + 1);
    if (branchTypes === undefined) {
      return undefined;
    }
    for (const type of branchTypes) {
      union.add(type);
    }
  }
  return union;
}
