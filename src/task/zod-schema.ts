/**
 * Output schemas as a task receives them: a zod schema turned into the JSON Schema used inside the library (types
 * JSON cannot carry refused at definition time), and the check that a plain JSON Schema says what the value is.
 * See `docs/tasks.md#output-schemas`.
 * @module
 */
import { createRequire } from 'node:module';
import type { z } from 'zod';
import type { JsonSchema } from '../json.js';

/** The keywords of which a JSON Schema must hold one to say what the value is (`{}` accepts anything). */
export const DESCRIBING_KEYWORDS = ['type', 'properties', '$ref', 'anyOf', 'oneOf', 'allOf', 'enum', 'const'] as const;

/**
 * zod types no JSON reply can produce (zod's names), with what to do instead where there is something: a call
 * would be paid for and then fail validation whatever the model wrote. `z.custom()` is let through: its check may
 * well accept a JSON value.
 */
const UNCARRIED: Readonly<Record<string, string>> = {
  symbol: '',
  function: '',
  bigint: ' (use z.coerce.bigint(), read from a string of digits)',
  map: ' (use z.record())',
  set: ' (use z.array())',
  nan: '',
  promise: '',
  file: '',
};

/** Whether a value is a zod 4 schema. */
export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/** Whether a JSON Schema object says what the value is: it holds one of {@link DESCRIBING_KEYWORDS}. */
export function describesValue(schema: object): boolean {
  return DESCRIBING_KEYWORDS.some((keyword) => Object.hasOwn(schema, keyword));
}

type ToJsonSchemaParams = NonNullable<Parameters<typeof z.toJSONSchema>[1]>;

const require = createRequire(import.meta.url);

/**
 * The schema's own `toJSONSchema` method (zod 4.2 and later), so the caller's zod does the work; else zod's
 * `z.toJSONSchema`, loaded on first use, so a run that never converts a zod schema never loads zod.
 */
function convert(schema: z.ZodType, params: ToJsonSchemaParams): unknown {
  const method = (schema as { toJSONSchema?: (params: ToJsonSchemaParams) => unknown }).toJSONSchema;
  if (typeof method === 'function') return method.call(schema, params);
  return (require('zod') as typeof import('zod')).z.toJSONSchema(schema, params);
}

/**
 * Converts a zod schema to the JSON Schema used inside the library (prompt shape, coercion, response_format).
 * Input side (`io: 'input'`) so transforms do not throw. `z.date()` becomes an ISO 8601 string marked
 * `"x-coerce": "date"` so replies are coerced back to `Date` before zod validates them; `z.coerce.bigint()` a string
 * of digits. Throws an `Error` naming the first type JSON cannot carry (`z.symbol()`, `z.map()`, …) and where.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  let uncarried: string | undefined;
  const converted = convert(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (context) => {
      const definition = context.zodSchema._zod.def as { type: string; coerce?: boolean };
      const { type } = definition;
      if (type === 'date') {
        context.jsonSchema.type = 'string';
        context.jsonSchema.format = 'date-time';
        context.jsonSchema['x-coerce'] = 'date';
      } else if (type === 'bigint' && definition.coerce === true) {
        context.jsonSchema.type = 'string';
        context.jsonSchema.pattern = '^-?\\d+$';
      } else if (Object.hasOwn(UNCARRIED, type) && uncarried === undefined) {
        uncarried = `${type} at ${valuePath(context.path)}${UNCARRIED[type]}`;
      }
    },
  }) as JsonSchema;
  if (uncarried !== undefined) {
    throw new Error(`the zod schema has a type JSON cannot carry: ${uncarried}`);
  }
  const { $schema: _ignored, ...rest } = converted;
  return rest;
}

/** A JSON Schema path as a value path: `properties.a.items` → `a[]`; the whole value is `the value`. */
function valuePath(schemaPath: readonly (string | number)[]): string {
  let path = '';
  for (let index = 0; index < schemaPath.length; index++) {
    const segment = schemaPath[index];
    if (segment === 'properties' || segment === 'patternProperties') {
      const key = String(schemaPath[++index]);
      path += path === '' ? key : `.${key}`;
    } else if (segment === 'items' || segment === 'additionalProperties') {
      path += segment === 'items' ? '[]' : '[key]';
    } else if (segment === 'prefixItems') {
      path += `[${String(schemaPath[++index])}]`;
    }
  }
  return path === '' ? 'the value' : path;
}
