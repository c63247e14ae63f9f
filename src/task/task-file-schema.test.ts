import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { taskFileSchema } from './task-file-schema.js';

const schemaFile = new URL('../../schema/task.schema.json', import.meta.url);

describe('taskFileSchema', () => {
  it('is exactly what schema/task.schema.json ships', async () => {
    const shipped: unknown = JSON.parse(await readFile(schemaFile, 'utf8'));
    // When this fails, write JSON.stringify(taskFileSchema, null, 2) to schema/task.schema.json.
    expect(shipped).toEqual(taskFileSchema);
  });

  it('compiles with ajv strict checks and strict types without a single warning', () => {
    const warnings: unknown[] = [];
    const logger = {
      log: () => {},
      warn: (...args: unknown[]) => warnings.push(args),
      error: (...args: unknown[]) => warnings.push(args),
    };
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strictTypes: true, logger });
    expect(() => ajv.compile(taskFileSchema)).not.toThrow();
    expect(warnings).toEqual([]);
  });

  it('gives every property a title and a description so editors can explain it', () => {
    const properties = taskFileSchema.properties as Record<string, { title?: unknown; description?: unknown }>;
    const examples = (properties.examples as { items: { properties: typeof properties } }).items.properties;
    for (const [name, property] of Object.entries({ ...properties, ...examples })) {
      expect(typeof property.title, name).toBe('string');
      expect(typeof property.description, name).toBe('string');
    }
  });

  it('rejects unknown keys at the top level and in examples', () => {
    expect(taskFileSchema.additionalProperties).toBe(false);
    const properties = taskFileSchema.properties as Record<string, { items?: { additionalProperties?: unknown } }>;
    expect(properties.examples?.items?.additionalProperties).toBe(false);
  });
});
