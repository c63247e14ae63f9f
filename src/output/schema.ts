/**
 * JSON Schema and zod on the output side: reading schema nodes (`$ref`, `type`, a shallow fit check) for coercion
 * and region choice, validating values with ajv (draft 2020-12, loaded on first use) or zod, and formatting the
 * issues. See `docs/output-repair.md#repair-turns`.
 * @module
 */
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { z } from 'zod';
import type { OutputIssue } from '../errors.js';
import { isRecord, type JsonSchema } from '../json.js';
import type { ParseOutcome } from './outcome.js';
import { MAX_JSON_DEPTH } from './scan.js';

/** Most `$ref` hops followed in a row; a longer chain is treated as a cycle and left alone. */
const MAX_REFERENCE_HOPS = 32;
const require = createRequire(import.meta.url);
let ajvClass: typeof Ajv2020 | undefined;

/**
 * Minimal checks for the common `format`s (ajv-formats is not a dependency). Other formats are not checked.
 * `date-time` and `date` also accept what `"x-coerce": "date"` fields hold before coercion.
 */
const FORMATS: Readonly<Record<string, RegExp>> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$/,
  date: /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/,
  time: /^\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$/,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[A-Za-z][A-Za-z\d+.-]*:[^\s]*$/,
  uuid: /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i,
};

const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/**
 * Follows a node's `$ref` (a JSON Pointer into the root schema, such as `#/$defs/Address`) and lays the node's other
 * keywords over the target. Unresolvable references and cycles come back as they are; non-objects become `{}`.
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

/** The node as a schema object (`true`, `false` and anything else that is not an object become `{}`). */
export function asSchema(node: unknown): JsonSchema {
  return isRecord(node) ? node : {};
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

/** The node's `type` keyword as a list, or `undefined` when it has none. */
export function typeList(schema: JsonSchema): string[] | undefined {
  const { type } = schema;
  if (typeof type === 'string') {
    return [type];
  }
  return Array.isArray(type) ? type.filter((name): name is string => typeof name === 'string') : undefined;
}

/** Whether a value is an instance of a JSON Schema type (`integer` also counts as `number`'s subset). */
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

/** Whether a value is a plain object (not an array, not null, not a `Date`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * A shallow check that a value fits a schema node: its `type`, `const`, `enum`, date marker and (through
 * `anyOf`/`oneOf`) any branch. Nested properties and items are not checked.
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

/** Whether a node says in so many words that `null` is allowed (a `null` type, const or enum member, or branch). */
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

/** The JSON type names a node can take at its top level, or `undefined` when it does not say. */
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

/**
 * ajv's draft 2020-12 class, loaded on first use: a run of label or text tasks never validates a JSON Schema, and
 * ajv costs a process about 10 MB of memory once loaded.
 */
export function loadAjv2020(): typeof Ajv2020 {
  ajvClass ??= (require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 }).Ajv2020;
  return ajvClass;
}

/**
 * A validator for a JSON Schema (draft 2020-12), compiled once per schema with ajv (`allErrors`, the `FORMATS`
 * checks, unknown keywords ignored); `Date`s are checked as ISO strings. Throws (from ajv) on an invalid schema.
 */
export function createJsonSchemaValidator(schema: JsonSchema): (value: unknown) => ParseOutcome<unknown> {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    const ajv = new (loadAjv2020())({ allErrors: true, strict: false, logger: false, formats: FORMATS });
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const check = validate;
  return (value) => {
    if (check(toJsonView(value, 0))) {
      return { ok: true, value, repairs: [] };
    }
    return { ok: false, issues: (check.errors ?? []).map(toIssue), repairs: [] };
  };
}

/** The value with `Date`s as ISO strings (the value itself when it holds none). */
function toJsonView(value: unknown, depth: number): unknown {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  }
  if (typeof value !== 'object' || value === null || depth > MAX_JSON_DEPTH) {
    return value;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => toJsonView(item, depth + 1));
    return items.every((item, index) => item === value[index]) ? value : items;
  }
  let changed = false;
  const entries = Object.entries(value).map(([key, child]) => {
    const view = toJsonView(child, depth + 1);
    changed ||= view !== child;
    return [key, view] as const;
  });
  return changed ? Object.fromEntries(entries) : value;
}

function toIssue(error: ErrorObject): OutputIssue {
  const path: (string | number)[] = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^(?:0|[1-9]\d*)$/.test(segment) ? Number(segment) : segment));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: 'is required' };
    case 'additionalProperties':
      return { path, message: `has an unknown property "${String(params.additionalProperty)}"` };
    case 'enum':
      return { path, message: `must be one of: ${formatAllowed(params.allowedValues)}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path, message: error.message ?? `fails "${error.keyword}"` };
  }
}

function formatAllowed(values: unknown): string {
  return Array.isArray(values) ? values.map((value) => JSON.stringify(value)).join(', ') : String(values);
}

/** A validator that runs a zod schema's `safeParse` (refinements and transforms apply) and reports its issues. */
export function createZodValidator<T>(schema: z.ZodType<T>): (value: unknown) => ParseOutcome<T> {
  return (value) => {
    const result = schema.safeParse(value);
    if (result.success) {
      return { ok: true, value: result.data, repairs: [] };
    }
    const issues: OutputIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
      message: issue.message,
    }));
    return { ok: false, issues, repairs: [] };
  };
}

/**
 * Formats issues for a repair turn and error messages, like `z.prettifyError`: one `✖ message` line per issue,
 * then `  → at items[0].price` when the issue is inside the value.
 */
export function formatIssues(issues: readonly OutputIssue[]): string {
  return issues
    .map((issue) =>
      issue.path.length === 0 ? `✖ ${issue.message}` : `✖ ${issue.message}\n  → at ${formatPath(issue.path)}`,
    )
    .join('\n');
}

/** `a.b[0]["odd key"]`: identifiers after dots, indexes and other keys in brackets. */
export function formatPath(path: readonly (string | number)[]): string {
  let formatted = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      formatted += `[${segment}]`;
    } else if (/^[A-Za-z_$][\w$]*$/.test(segment)) {
      formatted += formatted === '' ? segment : `.${segment}`;
    } else {
      formatted += `[${JSON.stringify(segment)}]`;
    }
  }
  return formatted;
}
