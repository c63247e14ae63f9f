import type { JsonSchema } from '../json.js';

/** Most `$ref` hops followed in a row; a longer chain is treated as a cycle and left alone. */
const MAX_REFERENCE_HOPS = 32;

/**
 * Follows a node's `$ref` (a JSON Pointer into the root schema, such as `#/$defs/Address` or `#`) and returns the
 * target with the node's other keywords laid over it. Nodes without `$ref`, unresolvable references and
 * reference cycles come back as they are. Boolean schemas and non-objects become `{}`. @internal
 */
export function resolveSchemaNode(node: unknown, root: JsonSchema): JsonSchema {
  let current = asSchema(node);
  for (let hops = 0; hops < MAX_REFERENCE_HOPS && typeof current.$ref === 'string'; hops++) {
    const target = resolvePointer(root, current.$ref);
    if (target === undefined) {
      return current;
    }
    const { $ref: _reference, ...siblings } = current;
    current = { ...target, ...siblings };
  }
  return current;
}

/** The node as a schema object (`true`, `false` and anything else that is not an object become `{}`). @internal */
export function asSchema(node: unknown): JsonSchema {
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as JsonSchema) : {};
}

function resolvePointer(root: JsonSchema, reference: string): JsonSchema | undefined {
  if (!reference.startsWith('#')) {
    return undefined;
  }
  let current: unknown = root;
  for (const rawToken of reference.slice(1).split('/').slice(1)) {
    const token = decodeURIComponent(rawToken).replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, token)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[token];
  }
  return typeof current === 'object' && current !== null ? (current as JsonSchema) : undefined;
}
