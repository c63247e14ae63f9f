import { z } from 'zod';
import type { JsonSchema } from './types.js';

/**
 * Converts a zod schema to the JSON Schema used inside the library (prompt shape, coercion, response_format).
 * Input side (`io: 'input'`) so transforms do not throw; unrepresentable types become `{}`; `z.date()` becomes an
 * ISO 8601 string marked `"x-coerce": "date"` so replies are coerced back to `Date` before zod validates them.
 * @internal
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const converted = z.toJSONSchema(schema, {
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
