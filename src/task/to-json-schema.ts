import { createRequire } from 'node:module';
import type { z } from 'zod';
import type { JsonSchema } from './types.js';

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
 * Input side (`io: 'input'`) so transforms do not throw; unrepresentable types become `{}`; `z.date()` becomes an
 * ISO 8601 string marked `"x-coerce": "date"` so replies are coerced back to `Date` before zod validates them.
 * @internal
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const converted = convert(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (context) => {
      if (context.zodSchema._zod.def.type === 'date') {
        context.jsonSchema.type = 'string';
        context.jsonSchema.format = 'date-time';
        context.jsonSchema['x-coerce'] = 'date';
      }
    },
  }) as JsonSchema;
  const { $schema: _ignored, ...rest } = converted;
  return rest;
}

/** Whether a value is a zod 4 schema. @internal */
export function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}
