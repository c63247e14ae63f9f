import { isRecord } from './is-record.js';

const MAX_DEPTH = 12;

/**
 * @internal The smallest value a JSON Schema accepts, roughly: required properties only, strings `"x"`, numbers 0,
 * booleans false, arrays empty, enums and unions their first choice. Local `$ref`s (`#/$defs/…`) are followed.
 */
export function exampleFromSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isRecord(schema) || depth > MAX_DEPTH) return {};
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (typeof schema.$ref === 'string') return exampleFromSchema(resolveReference(schema.$ref, root), root, depth + 1);
  const choices = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (Array.isArray(choices) && choices.length > 0) return exampleFromSchema(choices[0], root, depth + 1);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((candidate) => candidate !== 'null') ?? types[0];
  switch (type) {
    case 'string':
      return 'x'.repeat(Math.max(1, numberOr(schema.minLength, 1)));
    case 'number':
    case 'integer':
      return numberOr(schema.minimum, 0);
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: numberOr(schema.minItems, 0) }, () =>
        exampleFromSchema(schema.items, root, depth + 1),
      );
    default:
      return exampleObject(schema, root, depth);
  }
}

function exampleObject(schema: Record<string, unknown>, root: unknown, depth: number): Record<string, unknown> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  const result: Record<string, unknown> = {};
  for (const name of required) {
    if (typeof name === 'string') result[name] = exampleFromSchema(properties[name], root, depth + 1);
  }
  return result;
}

function resolveReference(reference: string, root: unknown): unknown {
  if (!reference.startsWith('#')) return undefined;
  let target: unknown = root;
  for (const segment of reference.slice(1).split('/').filter(Boolean)) {
    target = isRecord(target) ? target[decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return target;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
