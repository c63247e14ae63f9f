/**
 * A task file's problems in words people act on: ajv's errors turned into one problem per mistake (with "did you
 * mean" hints), a user's extract schema checked, and what the schema cannot say (labels, example outputs).
 * See `docs/task-files.md`.
 * @module
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { TaskDefinitionProblem } from '../errors.js';
import { isRecord, type JsonSchema } from '../json.js';
import { loadAjv2020 } from '../output/schema.js';
import { normalizeLabels, OUTPUT_FORMATS } from './define-task.js';
import type { OutputFormat } from './types.js';

/** What a task file's examples must produce, decided by its kind and format. */
type ExpectedOutput =
  | { type: 'label'; labels: readonly string[]; multi: boolean }
  | { type: 'json'; validate: ValidateFunction }
  | { type: 'lines' }
  | { type: 'text' }
  | { type: 'unknown' };

/**
 * What the task-file schema cannot say: labels unique ignoring case (and the other label rules of
 * `defineTask`), an output schema that ajv compiles, and example outputs that fit the task. Checks only the
 * parts that are well-typed, so it can run beside the schema check and add to its problems.
 */
export function taskFileContentProblems(data: unknown): TaskDefinitionProblem[] {
  if (!isRecord(data)) return [];
  const problems: TaskDefinitionProblem[] = [];
  let expected: ExpectedOutput = { type: 'unknown' };
  const format = outputFormat(data);
  if (format === 'label' && (Array.isArray(data.labels) || isRecord(data.labels))) {
    const names = Array.isArray(data.labels) ? data.labels : Object.keys(data.labels);
    const checked = normalizeLabels(names, '/labels');
    for (const problem of checked.problems) problems.push({ ...problem, path: labelPath(problem.path, data.labels) });
    expected = { type: 'label', labels: checked.labels, multi: data.multi === true };
  }
  if (format === 'json' && isRecord(data.schema)) {
    const checked = taskFileSchemaProblems(data.schema as JsonSchema);
    problems.push(...checked.problems);
    if (checked.validate) expected = { type: 'json', validate: checked.validate };
  }
  if (format === 'lines' || format === 'text') expected = { type: format };

  if (Array.isArray(data.examples)) {
    data.examples.forEach((example, index) => {
      if (isRecord(example) && 'output' in example) {
        problems.push(...exampleProblems(example.output, `/examples/${index}/output`, expected));
      }
    });
  }
  return problems;
}

function exampleProblems(output: unknown, path: string, expected: ExpectedOutput): TaskDefinitionProblem[] {
  switch (expected.type) {
    case 'label': {
      if (expected.multi !== Array.isArray(output)) {
        return [
          {
            path,
            message: expected.multi
              ? 'must be a list of labels (multi is true)'
              : 'must be a single label (multi is false)',
          },
        ];
      }
      const values: unknown[] = Array.isArray(output) ? output : [output];
      return values.flatMap((value, index) => {
        if (typeof value === 'string' && expected.labels.includes(value)) return [];
        const where = Array.isArray(output) ? `${path}/${index}` : path;
        const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
        const hint = typeof value === 'string' ? didYouMean(value, expected.labels) : '';
        return [{ path: where, message: `${shown} is not one of the labels${hint}` }];
      });
    }
    case 'json':
      if (expected.validate(output)) return [];
      return taskFileAjvProblems(expected.validate.errors ?? [], { basePath: path }).map((problem) => ({
        ...problem,
        message: `does not fit the schema: ${problem.message}`,
      }));
    case 'lines':
      return Array.isArray(output) && output.every((item) => typeof item === 'string')
        ? []
        : [{ path, message: 'must be a list of strings' }];
    case 'text':
      return typeof output === 'string' ? [] : [{ path, message: 'must be a string' }];
    default:
      return [];
  }
}

/** The output format a task file asks for, when its kind (and format) make it clear. */
function outputFormat(data: Record<string, unknown>): OutputFormat | undefined {
  switch (data.kind) {
    case 'classify':
      return 'label';
    case 'extract':
      return 'json';
    case 'summarize':
      return data.format === 'bullets' ? 'lines' : data.format === 'paragraph' ? 'text' : undefined;
    case 'custom':
      return OUTPUT_FORMATS.find((format) => format === data.format);
    default:
      return undefined;
  }
}

/** `/labels/2` → `/labels/Billing` when the labels are a map (its problems are about keys). */
function labelPath(path: string, labels: unknown): string {
  if (Array.isArray(labels) || !isRecord(labels)) return path;
  const index = /^\/labels\/(\d+)$/.exec(path)?.[1];
  const key = index === undefined ? undefined : Object.keys(labels)[Number(index)];
  return key === undefined ? path : `/labels/${escapePointer(key)}`;
}

/** An output schema of a task file, checked: its problems, and its validator when it compiles. */
interface CheckedOutputSchema {
  problems: TaskDefinitionProblem[];
  validate: ValidateFunction | undefined;
}

let ajv: Ajv2020 | undefined;

/** A lenient ajv for users' schemas: unknown keywords and formats are ignored, nothing is logged or kept. */
function outputSchemaAjv(): Ajv2020 {
  ajv ??= new (loadAjv2020())({ strict: false, allErrors: true, verbose: true, logger: false, addUsedSchema: false });
  return ajv;
}

/**
 * Checks the `schema` of an extract (or custom json) task file: valid against the draft 2020-12 meta-schema and
 * compilable by ajv (every `$ref` resolves). Problems are reported under `path`.
 */
function taskFileSchemaProblems(schema: JsonSchema, path = '/schema'): CheckedOutputSchema {
  const instance = outputSchemaAjv();
  const { $schema: _ignored, ...body } = schema;
  if (!instance.validateSchema(body)) {
    return { problems: taskFileAjvProblems(instance.errors ?? [], { basePath: path }), validate: undefined };
  }
  try {
    return { problems: [], validate: instance.compile(body) };
  } catch (error) {
    return {
      problems: [{ path, message: `the schema does not compile: ${(error as Error).message}` }],
      validate: undefined,
    };
  } finally {
    instance.removeSchema(body);
  }
}

/** Friendlier words for `pattern` failures, by schema path. */
const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  '#/properties/name/pattern': 'must start with a letter or digit and hold only letters, digits, ".", "_" and "-"',
};

/** Keywords that only summarize their subschemas' failures. */
const SUMMARY_KEYWORDS = new Set(['anyOf', 'oneOf', 'allOf', 'if']);

/** Where ajv's errors are reported, and the task file they are about. */
interface AjvProblemContext {
  /** The whole task file, for the kind and format named in messages; omitted for a user's own schema. */
  root?: unknown;
  /** JSON pointer prefixed to every path, e.g. `/schema` for errors inside an extract schema. */
  basePath?: string;
}

interface RankedProblem extends TaskDefinitionProblem {
  keyword: string;
  /** Allowed values of an `enum` failure (fewer is more specific). */
  allowedCount: number;
}

/**
 * Turns ajv's errors (`allErrors`, `verbose`) into human problems: one per real mistake, with the key names in
 * the message, the noise of `if`/`then`, `anyOf` and overlapping enums removed.
 */
export function taskFileAjvProblems(
  errors: readonly ErrorObject[],
  context: AjvProblemContext,
): TaskDefinitionProblem[] {
  const basePath = context.basePath ?? '';
  const ranked = errors.map((error) => rank(error, context.root, basePath));
  const plain = ranked.filter((problem) => !SUMMARY_KEYWORDS.has(problem.keyword));
  const specific = ranked.filter(
    (problem) =>
      !SUMMARY_KEYWORDS.has(problem.keyword) ||
      (problem.keyword !== 'if' && !plain.some((other) => isAtOrBelow(other.path, problem.path))),
  );
  const byPath = new Map<string, RankedProblem[]>();
  for (const problem of specific) byPath.set(problem.path, [...(byPath.get(problem.path) ?? []), problem]);
  const problems: TaskDefinitionProblem[] = [];
  for (const [path, group] of byPath) {
    const notAllowed = group.filter((problem) => problem.keyword === 'false schema');
    const enums = group.filter((problem) => problem.keyword === 'enum').sort((a, b) => a.allowedCount - b.allowedCount);
    const kept = notAllowed.length > 0 ? notAllowed.slice(0, 1) : enums.length > 0 ? enums.slice(0, 1) : group;
    for (const message of new Set(kept.map((problem) => problem.message))) problems.push({ path, message });
  }
  return problems;
}

function rank(error: ErrorObject, root: unknown, basePath: string): RankedProblem {
  const path = basePath + error.instancePath;
  const params = error.params as Record<string, unknown>;
  const base = { path, keyword: error.keyword, allowedCount: 0 };
  switch (error.keyword) {
    case 'required':
      return { ...base, message: `missing required key "${String(params.missingProperty)}"` };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      return {
        ...base,
        path: `${path}/${escapePointer(key)}`,
        message: `unknown key "${key}"${didYouMean(key, known)}`,
      };
    }
    case 'false schema': {
      const key = unescapePointer(error.instancePath.split('/').pop() ?? '');
      const message = root === undefined ? 'is not allowed' : `key "${key}" does not apply to ${describeKind(root)}`;
      return { ...base, message };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((value) =>
        typeof value === 'string' ? value : JSON.stringify(value),
      );
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed) : '';
      return { ...base, allowedCount: allowed.length, message: `must be one of ${allowed.join(', ')}${suggestion}` };
    }
    case 'const':
      return { ...base, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'type':
      return { ...base, message: `must be ${typeNames(params.type)}, not ${describeValue(error.data)}` };
    case 'minimum':
      return { ...base, message: `must be at least ${String(params.limit)}` };
    case 'maximum':
      return { ...base, message: `must be at most ${String(params.limit)}` };
    case 'exclusiveMinimum':
      return { ...base, message: `must be greater than ${String(params.limit)}` };
    case 'exclusiveMaximum':
      return { ...base, message: `must be less than ${String(params.limit)}` };
    case 'minLength':
    case 'minItems':
    case 'minProperties':
      return {
        ...base,
        message:
          params.limit === 1
            ? 'must not be empty'
            : `must have at least ${String(params.limit)} ${unit(error.keyword)}`,
      };
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties':
      return { ...base, message: `must have at most ${String(params.limit)} ${unit(error.keyword)}` };
    case 'pattern':
      return {
        ...base,
        message: PATTERN_MESSAGES[error.schemaPath] ?? `must match the pattern ${String(params.pattern)}`,
      };
    default:
      return { ...base, message: error.message ?? 'is invalid' };
  }
}

function unit(keyword: string): string {
  if (keyword.endsWith('Length')) return 'characters';
  return keyword.endsWith('Items') ? 'items' : 'keys';
}

function isAtOrBelow(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** `kind classify`, or `kind custom with format json` where the format decides. */
function describeKind(root: unknown): string {
  const file = (root ?? {}) as { kind?: unknown; format?: unknown };
  const kind = typeof file.kind === 'string' ? `kind ${file.kind}` : 'this kind';
  const byFormat = (file.kind === 'summarize' || file.kind === 'custom') && typeof file.format === 'string';
  return byFormat ? `${kind} with format ${String(file.format)}` : kind;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object (key: value pairs)',
  null: 'null',
};

function typeNames(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return types.map((name) => TYPE_NAMES[name] ?? name).join(' or ');
}

/** What a value is, for "must be X, not Y" messages. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** `; did you mean "labels"?` when a known name is a typo away (an edit per three letters, at most two). */
function didYouMean(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined || best === name ? '' : `; did you mean "${best}"?`;
}

/** Levenshtein distance, with adjacent swaps counting as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = rows[i]!;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/** Escapes one JSON-pointer segment (`~` → `~0`, `/` → `~1`). */
function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
