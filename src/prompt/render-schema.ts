/**
 * The compact, TypeScript-like shape of a JSON Schema that a json task's prompt shows: types, optional fields,
 * enums, descriptions and cheap constraints as comments, recursive `$ref`s by name. See `docs/prompting.md`.
 * @module
 */
import { isRecord, type JsonSchema } from '../json.js';

/** A rendered node: its type text, the notes that belong after it, and whether `[]` needs parentheses around it. */
interface Rendered {
  text: string;
  notes: SchemaNotes;
  compound: boolean;
}

interface RenderContext {
  root: JsonSchema;
  /** Self-reaching `$ref`s, rendered by name and defined once after the main shape. */
  named: ReadonlyMap<string, string>;
}

/** Deeper than this, a node renders as `any` (a guard against pathological schemas). */
const MAX_DEPTH = 32;

const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/**
 * Renders a JSON Schema as a compact shape for a prompt: one field per line, `?` for optional fields, `"a"|"b"` for
 * enums, `T|null`, notes as `//` comments; local `$ref`s inlined, a recursive one defined once by name after the
 * main shape. Handles what zod 4's `z.toJSONSchema(schema, { io: 'input' })` emits. See `docs/prompting.md`.
 */
export function renderSchema(schema: JsonSchema): string {
  const named = findRecursiveReferences(schema);
  const context: RenderContext = { root: schema, named };
  const main = attachNotes(renderNode(schema, 0, context));
  const rootName = named.get('#');
  const lines = [rootName === undefined ? main : `${rootName} = ${main}`];
  for (const [reference, name] of named) {
    if (reference === '#') continue;
    lines.push(`${name} = ${attachNotes(renderNode(resolveReference(schema, reference), 0, context))}`);
  }
  return lines.join('\n');
}

function renderNode(node: unknown, depth: number, context: RenderContext): Rendered {
  if (node === false) return plain('never');
  if (!isRecord(node)) return plain('any');
  const notes = schemaNotes(node);
  if (depth > MAX_DEPTH) return { text: 'any', notes, compound: false };
  const rendered = renderType(node, depth, context);
  const text =
    node.nullable === true && !rendered.text.split('|').includes('null') ? `${rendered.text}|null` : rendered.text;
  return {
    text,
    notes: mergeNotes(notes, rendered.notes),
    compound: rendered.compound || text !== rendered.text,
  };
}

function renderType(node: JsonSchema, depth: number, context: RenderContext): Rendered {
  if (typeof node.$ref === 'string') {
    const name = context.named.get(node.$ref);
    if (name !== undefined) return plain(name);
    return renderNode(resolveReference(context.root, node.$ref), depth, context);
  }
  if ('const' in node) return plain(literal(node.const));
  if (Array.isArray(node.enum)) return union(node.enum.map((value) => plain(literal(value))));
  const choices = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (choices !== undefined) return union(choices.map((choice) => renderNode(choice, depth, context)));
  if (Array.isArray(node.allOf)) {
    const parts = node.allOf.map((part) => renderNode(part, depth, context));
    return {
      text: parts.map(wrapCompound).join('&'),
      notes: mergeNotes(...parts.map((part) => part.notes)),
      compound: parts.length > 1,
    };
  }
  if (Array.isArray(node.type)) {
    return union(node.type.map((type) => renderTypeName(node, String(type), depth, context)));
  }
  return renderTypeName(node, typeof node.type === 'string' ? node.type : inferType(node), depth, context);
}

function renderTypeName(node: JsonSchema, type: string, depth: number, context: RenderContext): Rendered {
  if (type === 'object') return renderObject(node, depth, context);
  if (type === 'array') return renderArray(node, depth, context);
  return plain(PRIMITIVE_TYPES.has(type) ? type : 'any');
}

function inferType(node: JsonSchema): string {
  if ('properties' in node || 'additionalProperties' in node) return 'object';
  if ('items' in node || 'prefixItems' in node) return 'array';
  if (node['x-coerce'] === 'date') return 'string';
  return 'any';
}

function renderObject(node: JsonSchema, depth: number, context: RenderContext): Rendered {
  const properties = isRecord(node.properties) ? Object.entries(node.properties) : [];
  const extra = node.additionalProperties;
  const hasExtraSchema = isRecord(extra) && !isAnySchema(extra);
  if (properties.length === 0) {
    if (!hasExtraSchema && extra !== true && !isAnySchema(extra)) {
      return plain(node.properties === undefined ? 'object' : '{}');
    }
    const keys = isRecord(node.propertyNames) ? renderNode(node.propertyNames, depth, context).text : 'string';
    const values = hasExtraSchema ? renderNode(extra, depth, context) : plain('any');
    return { text: `Record<${keys}, ${values.text}>`, notes: values.notes, compound: false };
  }
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  const fieldIndent = '  '.repeat(depth);
  const lines = ['{'];
  for (const [key, value] of properties) {
    const field = attachNotes(renderNode(value, depth + 1, context));
    lines.push(`${fieldIndent}${JSON.stringify(key)}${required.has(key) ? '' : '?'}: ${field}`);
  }
  if (hasExtraSchema) lines.push(`${fieldIndent}[key: string]: ${attachNotes(renderNode(extra, depth + 1, context))}`);
  lines.push(`${'  '.repeat(Math.max(depth - 1, 0))}}`);
  return plain(lines.join('\n'));
}

function renderArray(node: JsonSchema, depth: number, context: RenderContext): Rendered {
  if (Array.isArray(node.prefixItems)) {
    const members = node.prefixItems.map((item) => renderNode(item, depth, context));
    return {
      text: `[${members.map((member) => member.text).join(', ')}]`,
      notes: mergeNotes(...members.map((member) => member.notes)),
      compound: false,
    };
  }
  if (node.items === undefined || node.items === true || isAnySchema(node.items)) return plain('any[]');
  const item = renderNode(node.items, depth, context);
  return { text: `${wrapCompound(item)}[]`, notes: item.notes, compound: false };
}

function union(members: readonly Rendered[]): Rendered {
  const texts = [...new Set(members.map((member) => member.text))];
  return {
    text: texts.join('|'),
    notes: mergeNotes(...members.map((member) => member.notes)),
    compound: texts.length > 1,
  };
}

/**
 * Puts the node's comment after its text: after the opening `{` of a multi-line object (next to the field name),
 * after the closing `}[]` of a multi-line array (so it is not read as the element's comment).
 */
function attachNotes(rendered: Rendered): string {
  const comment = formatNotes(rendered.notes);
  if (comment === '') return rendered.text;
  const newline = rendered.text.indexOf('\n');
  if (newline === -1 || rendered.text.endsWith('[]')) return rendered.text + comment;
  return rendered.text.slice(0, newline) + comment + rendered.text.slice(newline);
}

function wrapCompound(rendered: Rendered): string {
  return rendered.compound ? `(${rendered.text})` : rendered.text;
}

function mergeNotes(...notes: readonly SchemaNotes[]): SchemaNotes {
  return { descriptions: notes.flatMap((note) => note.descriptions), hints: notes.flatMap((note) => note.hints) };
}

function plain(text: string): Rendered {
  return { text, notes: { descriptions: [], hints: [] }, compound: false };
}

function literal(value: unknown): string {
  return JSON.stringify(value) ?? 'any';
}

/** `{}` (or one carrying only annotations): any value. */
function isAnySchema(value: unknown): boolean {
  if (value === true) return true;
  if (!isRecord(value)) return false;
  return Object.keys(value).every((key) => ANNOTATION_KEYS.has(key));
}

const ANNOTATION_KEYS = new Set(['description', 'title', 'default', 'examples', '$comment', 'readOnly', 'writeOnly']);

/** What a schema node says beyond its type: its description and short hints (format, bounds). */
interface SchemaNotes {
  descriptions: string[];
  hints: string[];
}

/** Bounds this large are type limits (int32, safe integers, float32), not something the model needs to read. */
const MAX_SHOWN_BOUND = 2_147_483_647;

/** Compact hints for string formats; an unlisted format is shown by name. */
const FORMAT_HINTS: Readonly<Record<string, string>> = {
  'date-time': 'ISO 8601',
  date: 'YYYY-MM-DD',
  time: 'HH:MM:SS',
  duration: 'ISO 8601 duration',
  email: 'email',
  uri: 'URL',
  url: 'URL',
  uuid: 'UUID',
};

/** Patterns longer than this cost more tokens than they help (zod's own format patterns are hundreds of characters). */
const MAX_SHOWN_PATTERN_LENGTH = 30;

/** Reads the description and the cheap-to-state constraints of one schema node. */
function schemaNotes(node: JsonSchema): SchemaNotes {
  const descriptions: string[] = [];
  if (typeof node.description === 'string') {
    const description = node.description.replace(/\s+/g, ' ').trim();
    if (description !== '') descriptions.push(description);
  }
  const hints: string[] = [];
  if (node['x-coerce'] === 'date') hints.push('ISO 8601 date-time');
  else if (typeof node.format === 'string') hints.push(FORMAT_HINTS[node.format] ?? node.format);
  else if (typeof node.pattern === 'string' && node.pattern.length <= MAX_SHOWN_PATTERN_LENGTH) {
    hints.push(`/${node.pattern}/`);
  }
  pushRange(hints, node.minLength, node.maxLength, ' chars');
  if (!Array.isArray(node.prefixItems)) pushRange(hints, node.minItems, node.maxItems, ' items');
  if (node.uniqueItems === true) hints.push('unique');
  pushBounds(hints, node);
  if (typeof node.multipleOf === 'number' && !(node.type === 'integer' && node.multipleOf === 1)) {
    hints.push(`multiple of ${node.multipleOf}`);
  }
  return { descriptions, hints };
}

/** Formats notes as a trailing comment (with its leading ` // `), or `''` when there is nothing to say. */
function formatNotes(notes: SchemaNotes): string {
  const descriptions = [...new Set(notes.descriptions)];
  const hints = [...new Set(notes.hints)];
  if (descriptions.length === 0 && hints.length === 0) return '';
  if (descriptions.length === 0) return ` // ${hints.join(', ')}`;
  const description = descriptions.join('; ');
  return hints.length === 0 ? ` // ${description}` : ` // ${description} (${hints.join(', ')})`;
}

function pushRange(hints: string[], minimum: unknown, maximum: unknown, unit: string): void {
  const low = typeof minimum === 'number' && minimum > 0 ? minimum : undefined;
  const high = typeof maximum === 'number' ? maximum : undefined;
  if (low !== undefined && high !== undefined)
    hints.push(low === high ? `exactly ${low}${unit}` : `${low}-${high}${unit}`);
  else if (low === 1) hints.push('non-empty');
  else if (low !== undefined) hints.push(`min ${low}${unit}`);
  else if (high !== undefined) hints.push(`max ${high}${unit}`);
}

function pushBounds(hints: string[], node: JsonSchema): void {
  const minimum = shownBound(node.minimum);
  const maximum = shownBound(node.maximum);
  const exclusiveMinimum = shownBound(node.exclusiveMinimum);
  const exclusiveMaximum = shownBound(node.exclusiveMaximum);
  if (
    minimum !== undefined &&
    maximum !== undefined &&
    exclusiveMinimum === undefined &&
    exclusiveMaximum === undefined
  ) {
    hints.push(minimum >= 0 ? `${minimum}-${maximum}` : `${minimum} to ${maximum}`);
    return;
  }
  const parts: string[] = [];
  if (exclusiveMinimum !== undefined) parts.push(`>${exclusiveMinimum}`);
  else if (minimum !== undefined) parts.push(`>=${minimum}`);
  if (exclusiveMaximum !== undefined) parts.push(`<${exclusiveMaximum}`);
  else if (maximum !== undefined) parts.push(`<=${maximum}`);
  if (parts.length > 0) hints.push(parts.join(', '));
}

function shownBound(value: unknown): number | undefined {
  return typeof value === 'number' && Math.abs(value) < MAX_SHOWN_BOUND ? value : undefined;
}

/**
 * Resolves a local `$ref` (`#`, `#/$defs/Name`, `#/definitions/Name`, any JSON pointer into the root).
 * Returns `undefined` for a reference that points nowhere or outside the document.
 */
function resolveReference(root: JsonSchema, reference: string): unknown {
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
 */
function findRecursiveReferences(root: JsonSchema): Map<string, string> {
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
