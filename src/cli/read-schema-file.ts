import { extname } from 'node:path';
import { loadYaml } from '../task/load-yaml.js';
import type { JsonSchema } from '../task/types.js';
import { readTextFile } from './read-text-input.js';
import { UsageError } from './usage-error.js';

/**
 * Reads the JSON Schema named by `--schema`: a `.json` file, or `.yaml`/`.yml`. It must hold an object; whether it
 * is a usable schema is checked when the task is defined.
 * @internal
 */
export async function readSchemaFile(path: string, command: string): Promise<JsonSchema> {
  const text = await readTextFile(path, '--schema', command);
  const yaml = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  let schema: unknown;
  try {
    schema = yaml ? loadYaml().parse(text) : JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new UsageError(`--schema ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${reason}`, { command });
  }
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new UsageError(`--schema ${path} must hold a JSON Schema object`, { command });
  }
  return schema as JsonSchema;
}
