import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The task-file schema as shipped, and the reference page written from it. */
const schema = JSON.parse(readFileSync(new URL('../schema/task.schema.json', import.meta.url), 'utf8')) as SchemaNode;
const page = readFileSync(new URL('../docs/task-files.md', import.meta.url), 'utf8');

interface SchemaNode {
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

interface DocumentedField {
  /** The name as the table writes it: `labels`, or `examples[].input` for a property of list items. */
  name: string;
  node: SchemaNode;
}

/** Every property the schema defines, nested ones (inside list items) included. */
function schemaFields(node: SchemaNode, prefix = ''): DocumentedField[] {
  return Object.entries(node.properties ?? {}).flatMap(([name, child]) => [
    { name: `${prefix}${name}`, node: child },
    ...(child.items === undefined ? [] : schemaFields(child.items, `${prefix}${name}[].`)),
  ]);
}

/** Rows of the table under `## Reference`, by the field name in their first cell. */
function referenceRows(markdown: string): Map<string, string> {
  const section = markdown.split(/^## Reference$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const name = /^\| `([^`]+)` \|/.exec(line)?.[1];
    if (name !== undefined) rows.set(name, line);
  }
  return rows;
}

const fields = schemaFields(schema);
const rows = referenceRows(page);

describe('docs/task-files.md, checked against schema/task.schema.json', () => {
  it('has a reference table', () => {
    expect(rows.size).toBeGreaterThan(0);
  });

  it.each(fields.map((field) => [field.name, field] as const))(
    'documents %s with the schema description',
    (name, { node }) => {
      const row = rows.get(name);
      expect(row, `no row for \`${name}\` in the reference table`).toBeDefined();
      expect(node.description, `the schema gives ${name} no description`).toBeTypeOf('string');
      expect(row).toContain(node.description);
    },
  );

  it.each(fields.filter((field) => field.node.default !== undefined).map((field) => [field.name, field] as const))(
    'gives the default of %s',
    (name, { node }) => {
      expect(rows.get(name)).toContain(`\`${String(node.default)}\``);
    },
  );

  it.each(fields.filter((field) => field.node.enum !== undefined).map((field) => [field.name, field] as const))(
    'lists every allowed value of %s',
    (name, { node }) => {
      for (const value of node.enum ?? []) expect(rows.get(name)).toContain(`\`${String(value)}\``);
    },
  );

  it('documents no field the schema does not define', () => {
    const defined = new Set(fields.map((field) => field.name));
    expect([...rows.keys()].filter((name) => !defined.has(name))).toEqual([]);
  });
});
