import type { JsonSchema } from '../json.js';
import { findRecursiveReferences, resolveReference } from './resolve-reference.js';
import { formatNotes, type SchemaNotes, schemaNotes } from './schema-notes.js';

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
 * Renders a JSON Schema as a compact, TypeScript-like shape for a prompt: one field per line, quoted field names,
 * `?` for optional fields, `"a"|"b"` for enums, `T|null` for nullable values, and descriptions, formats and cheap
 * constraints as trailing `//` comments. Top-level fields are not indented; nested objects are, by two spaces a
 * level. Local `$ref`s are inlined; a recursive one is written by name and defined once after the main shape
 * (`Name = {…}`). Handles what zod 4's `z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })` emits,
 * including nodes marked `"x-coerce": "date"` (rendered `string // ISO 8601 date-time`).
 *
 * @example
 * ```ts
 * renderSchema({ type: 'object', properties: { name: { type: 'string', description: 'Full name' } }, required: ['name'] });
 * // {
 * // "name": string // Full name
 * // }
 * ```
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
  if (!isSchemaObject(node)) return plain('any');
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
  const properties = isSchemaObject(node.properties) ? Object.entries(node.properties) : [];
  const extra = node.additionalProperties;
  const hasExtraSchema = isSchemaObject(extra) && !isAnySchema(extra);
  if (properties.length === 0) {
    if (!hasExtraSchema && extra !== true && !isAnySchema(extra)) {
      return plain(node.properties === undefined ? 'object' : '{}');
    }
    const keys = isSchemaObject(node.propertyNames) ? renderNode(node.propertyNames, depth, context).text : 'string';
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
  if (!isSchemaObject(value)) return false;
  return Object.keys(value).every((key) => ANNOTATION_KEYS.has(key));
}

const ANNOTATION_KEYS = new Set(['description', 'title', 'default', 'examples', '$comment', 'readOnly', 'writeOnly']);

function isSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
