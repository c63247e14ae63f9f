import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonSchema } from '../json.js';
import { renderSchema } from './render-schema.js';

/** The conversion the task layer applies: input side, unrepresentable → `{}`, `z.date()` → ISO string marked for coercion. */
function toJsonSchema(schema: z.ZodType, options: { reused?: 'ref' | 'inline' } = {}): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    ...options,
    override: (context) => {
      if (context.zodSchema._zod.def.type === 'date') {
        context.jsonSchema.type = 'string';
        context.jsonSchema.format = 'date-time';
        context.jsonSchema['x-coerce'] = 'date';
      }
    },
  }) as JsonSchema;
}

const render = (schema: z.ZodType, options?: { reused?: 'ref' | 'inline' }) =>
  renderSchema(toJsonSchema(schema, options));

describe('renderSchema', () => {
  it('renders a flat object with required and optional fields, enums, nullables, dates and descriptions', () => {
    const Contact = z.object({
      name: z.string().describe('Full name'),
      email: z.email().optional(),
      company: z.string().nullable(),
      role: z.enum(['buyer', 'seller', 'other']),
      meetingAt: z.date().describe('Proposed meeting time'),
    });
    expect(render(Contact)).toMatchInlineSnapshot(`
      "{
      "name": string // Full name
      "email"?: string // email
      "company": string|null
      "role": "buyer"|"seller"|"other"
      "meetingAt": string // Proposed meeting time (ISO 8601 date-time)
      }"
    `);
  });

  it('indents nested objects and arrays of objects and states cheap constraints', () => {
    const Invoice = z.object({
      number: z.string().regex(/^INV-\d+$/),
      customer: z.object({ name: z.string(), vatId: z.string().length(11).optional() }).describe('Who is billed'),
      lines: z
        .array(
          z.object({
            description: z.string().min(1),
            quantity: z.int().min(1).max(1000),
            unitPrice: z.number().positive(),
          }),
        )
        .min(1),
      currency: z.literal('EUR'),
      issuedOn: z.iso.date(),
      paidAt: z.iso.datetime().nullable(),
      notes: z.string().max(200).optional(),
    });
    expect(render(Invoice)).toMatchInlineSnapshot(`
      "{
      "number": string // /^INV-\\d+$/
      "customer": { // Who is billed
        "name": string
        "vatId"?: string // exactly 11 chars
      }
      "lines": {
        "description": string // non-empty
        "quantity": integer // 1-1000
        "unitPrice": number // >0
      }[] // non-empty
      "currency": "EUR"
      "issuedOn": string // YYYY-MM-DD
      "paidAt": string|null // ISO 8601
      "notes"?: string // max 200 chars
      }"
    `);
  });

  it('renders unions, discriminated unions and nullable enums and objects', () => {
    const Event = z.object({
      id: z.union([z.string(), z.number()]),
      status: z.enum(['open', 'closed']).nullable(),
      payload: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('click'), x: z.number(), y: z.number() }),
        z.object({ kind: z.literal('key'), key: z.string().describe('Key name') }),
      ]),
      parent: z.object({ id: z.string() }).nullable(),
      tags: z.array(z.union([z.string(), z.number()])),
    });
    expect(render(Event)).toMatchInlineSnapshot(`
      "{
      "id": string|number
      "status": "open"|"closed"|null
      "payload": {
        "kind": "click"
        "x": number
        "y": number
      }|{
        "kind": "key"
        "key": string // Key name
      }
      "parent": {
        "id": string
      }|null
      "tags": (string|number)[]
      }"
    `);
  });

  it('renders records, tuples, unknown values and catch-all objects', () => {
    const Stats = z.object({
      counts: z.record(z.string(), z.int()),
      byLevel: z.partialRecord(z.enum(['low', 'high']), z.number()),
      point: z.tuple([z.number(), z.number()]),
      extra: z.unknown(),
      raw: z.any().describe('Anything'),
      headers: z.object({ host: z.string() }).catchall(z.string()),
      dates: z.array(z.date()).max(3),
      ratio: z.number().min(-1).max(1),
      score: z.number().gt(0).lte(10).multipleOf(0.5),
    });
    expect(render(Stats)).toMatchInlineSnapshot(`
      "{
      "counts": Record<string, integer>
      "byLevel": Record<"low"|"high", number>
      "point": [number, number]
      "extra": any
      "raw": any // Anything
      "headers": {
        "host": string
        [key: string]: string
      }
      "dates": string[] // max 3 items, ISO 8601 date-time
      "ratio": number // -1 to 1
      "score": number // >0, <=10, multiple of 0.5
      }"
    `);
  });

  it('inlines shared definitions and names recursive ones once', () => {
    const Money = z.object({ amount: z.number(), currency: z.string() });
    const Category: z.ZodType<{ name: string; children: unknown[] }> = z
      .object({
        name: z.string(),
        get children() {
          return z.array(Category);
        },
      })
      .meta({ id: 'Category' });
    const Comment: z.ZodType<{ text: string; replies: unknown[] }> = z.object({
      text: z.string(),
      get replies() {
        return z.array(Comment);
      },
    });
    expect(render(z.object({ price: Money, tax: Money }), { reused: 'ref' })).toMatchInlineSnapshot(`
      "{
      "price": {
        "amount": number
        "currency": string
      }
      "tax": {
        "amount": number
        "currency": string
      }
      }"
    `);
    expect(render(z.object({ root: Category, other: Category.optional() }))).toMatchInlineSnapshot(`
      "{
      "root": Category
      "other"?: Category
      }
      Category = {
      "name": string
      "children": Category[]
      }"
    `);
    expect(render(Comment)).toMatchInlineSnapshot(`
      "Root = {
      "text": string
      "replies": Root[]
      }"
    `);
  });

  it('renders top-level arrays, primitives and descriptions', () => {
    expect(render(z.array(z.string()).describe('Key points').max(5))).toMatchInlineSnapshot(
      `"string[] // Key points (max 5 items)"`,
    );
    expect(render(z.string().describe('A one-line answer'))).toMatchInlineSnapshot(`"string // A one-line answer"`);
    expect(render(z.object({}))).toMatchInlineSnapshot(`"{}"`);
    expect(render(z.object({ a: z.string().describe('line one\nline two') }))).toMatchInlineSnapshot(`
      "{
      "a": string // line one line two
      }"
    `);
  });

  it('renders hand-written JSON Schema from task files, draft-07 definitions and OpenAPI nullable included', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        'first name': { type: 'string' },
        kind: { const: 'person' },
        age: { type: ['integer', 'null'], minimum: 0 },
        address: { $ref: '#/definitions/Address' },
        nickname: { type: 'string', nullable: true },
        flags: { type: 'array', items: { enum: ['a', 1, true, null] }, uniqueItems: true },
        nothing: false,
        broken: { $ref: '#/definitions/Missing' },
        loose: { type: 'object' },
        when: { 'x-coerce': 'date', description: 'Due' },
      },
      required: ['first name', 'kind', 'address'],
      definitions: { Address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    };
    expect(renderSchema(schema)).toMatchInlineSnapshot(`
      "{
      "first name": string
      "kind": "person"
      "age"?: integer|null // >=0
      "address": {
        "city": string
      }
      "nickname"?: string|null
      "flags"?: ("a"|1|true|null)[] // unique
      "nothing"?: never
      "broken"?: any
      "loose"?: object
      "when"?: string // Due (ISO 8601 date-time)
      }"
    `);
  });

  it('never indents with more than two spaces per level nor leaves trailing spaces', () => {
    const Deep = z.object({ a: z.object({ b: z.object({ c: z.array(z.object({ d: z.string() })) }) }) });
    const text = render(Deep);
    expect(text).toMatchInlineSnapshot(`
      "{
      "a": {
        "b": {
          "c": {
            "d": string
          }[]
        }
      }
      }"
    `);
    for (const line of text.split('\n')) expect(line).toBe(line.trimEnd());
  });
});
