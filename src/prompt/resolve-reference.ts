import type { JsonSchema } from '../json.js';

/**
 * Resolves a local `$ref` (`#`, `#/$defs/Name`, `#/definitions/Name`, any JSON pointer into the root).
 * Returns `undefined` for a reference that points nowhere or outside the document.
 * @internal
 */
export function resolveReference(root: JsonSchema, reference: string): unknown {
  if (reference === '#') return root;
  if (!reference.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const segment of reference.slice(2).split('/')) {
    if (typeof node !== 'object' || node === null) return undefined;
    const key = decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~');
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Finds the `$ref`s whose target can reach the same `$ref` again (recursive types) and names each one:
 * `Root` for `#`, the definition's key otherwise (`__schema0` → `Schema0`), made unique.
 * @internal
 */
export function findRecursiveReferences(root: JsonSchema): Map<string, string> {
  const references: string[] = [];
  collectReferences(root, references, root);
  const named = new Map<string, string>();
  const usedNames = new Set<string>();
  for (const reference of references) {
    if (named.has(reference)) continue;
    if (!reaches(resolveReference(root, reference), reference, root, new Set())) continue;
    const base = referenceName(reference);
    let name = base;
    for (let suffix = 2; usedNames.has(name); suffix++) name = `${base}${suffix}`;
    usedNames.add(name);
    named.set(reference, name);
  }
  return named;
}

/** Definition containers are reached through `$ref`s, never walked on their own. */
const DEFINITION_KEYS = new Set(['$defs', 'definitions']);

/** Collects the `$ref`s reachable from `node`, in order of first use, following each one once. */
function collectReferences(node: unknown, references: string[], root: JsonSchema): void {
  if (Array.isArray(node)) {
    for (const item of node) collectReferences(item, references, root);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (DEFINITION_KEYS.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') {
      if (references.includes(value)) continue;
      references.push(value);
      collectReferences(resolveReference(root, value), references, root);
    } else {
      collectReferences(value, references, root);
    }
  }
}

function reaches(node: unknown, reference: string, root: JsonSchema, visited: Set<string>): boolean {
  if (Array.isArray(node)) return node.some((item) => reaches(item, reference, root, visited));
  if (typeof node !== 'object' || node === null) return false;
  for (const [key, value] of Object.entries(node)) {
    if (DEFINITION_KEYS.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') {
      if (value === reference) return true;
      if (visited.has(value)) continue;
      visited.add(value);
      if (reaches(resolveReference(root, value), reference, root, visited)) return true;
    } else if (reaches(value, reference, root, visited)) {
      return true;
    }
  }
  return false;
}

function referenceName(reference: string): string {
  if (reference === '#') return 'Root';
  const last = reference.slice(reference.lastIndexOf('/') + 1).replace(/^_+/, '');
  const name = last === '' ? 'Type' : last;
  return name.charAt(0).toUpperCase() + name.slice(1);
}
