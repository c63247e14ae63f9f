import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { OutputIssue } from '../errors.js';
import type { JsonSchema } from '../json.js';
import { MAX_JSON_DEPTH } from './exceeds-json-depth.js';
import { loadAjv2020 } from './load-ajv.js';
import type { ParseOutcome } from './parse-outcome.js';

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
 * A validator for a JSON Schema (draft 2020-12), compiled once with ajv's 2020 build (`allErrors`). Formats:
 * `date-time`, `date`, `time`, `email`, `uri` and `uuid` are checked with small built-in patterns; other formats
 * are accepted unchecked (no `ajv-formats` dependency). Unknown keywords, such as `x-coerce`, are ignored. `Date`
 * values (from `"x-coerce": "date"` fields) are checked as their ISO strings, and returned as `Date`s.
 * Issues carry the path of the failing value (for a missing property, the property itself).
 *
 * @throws Error (from ajv) when the schema itself is invalid; the task layer reports it as a definition error.
 * @example
 * const validate = createJsonSchemaValidator({ type: 'object', required: ['total'] });
 * validate({}); // { ok: false, issues: [{ path: ['total'], message: 'is required' }], repairs: [] }
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
