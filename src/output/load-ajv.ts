import { createRequire } from 'node:module';
import type { Ajv2020 } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);
let ajvClass: typeof Ajv2020 | undefined;

/**
 * ajv's draft 2020-12 class, loaded on first use: a run of label or text tasks never validates a JSON Schema, and
 * ajv costs a process about 10 MB of memory once loaded. @internal
 */
export function loadAjv2020(): typeof Ajv2020 {
  ajvClass ??= (require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 }).Ajv2020;
  return ajvClass;
}
