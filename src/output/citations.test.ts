import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../json.js';
import { citedSchema, exampleQuotes, groundValue, shiftCitations, splitCitedReply, toPointer } from './citations.js';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    kind: { enum: ['person', 'company'] },
    active: { type: 'boolean' },
    since: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    address: { anyOf: [{ $ref: '#/$defs/address' }, { type: 'null' }] },
  },
  $defs: { address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'integer' } } } },
};

const text = 'ACME Corp, a company active since 3 March 2025. Tags: tools, hardware. Address: 10115 Berlin.';

function ground(value: unknown, quotes: unknown) {
  return groundValue(text, value, quotes, schema);
}

describe('groundValue', () => {
  it('cites every non-null leaf by JSON Pointer, in the value’s order, with the text’s own quote and offsets', () => {
    const outcome = ground(
      {
        name: 'ACME Corp',
        kind: 'company',
        active: true,
        since: '2025-03-03',
        tags: ['tools', 'hardware'],
        address: { city: 'Berlin', zip: 10115 },
      },
      {
        name: 'ACME Corp',
        kind: 'a company',
        active: 'active',
        since: 'since 3 March 2025',
        tags: ['tools', 'hardware'],
        address: { city: 'Berlin', zip: '10115' },
      },
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(Object.keys(outcome.citations)).toEqual([
      '/name',
      '/kind',
      '/active',
      '/since',
      '/tags/0',
      '/tags/1',
      '/address/city',
      '/address/zip',
    ]);
    for (const citation of Object.values(outcome.citations)) {
      expect(text.slice(citation.start, citation.end)).toBe(citation.quote);
    }
  });

  it('needs no quote for null leaves and empty strings, and ignores quotes of fields the value does not have', () => {
    const outcome = ground({ name: 'ACME Corp', since: '', address: null }, { name: 'ACME', other: 'nowhere' });
    expect(outcome).toEqual({ ok: false, issues: [expect.objectContaining({ path: ['quotes', 'name'] })] });
    expect(ground({ name: 'ACME Corp', since: '', address: null }, { name: 'ACME Corp' }).ok).toBe(true);
  });

  it('names each failing leaf by pointer: missing, not in the text, not supporting the value', () => {
    const outcome = ground(
      { name: 'ACME Corp', active: false, tags: ['tools'], address: { city: 'Munich', zip: 10115 } },
      { name: '', active: 'inactive', tags: [], address: { city: 'Address: 10115 Berlin', zip: 'Address: 10115' } },
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.issues.map((issue) => issue.message)).toEqual([
      '/name: no quote; give the exact text of the input this value comes from',
      '/active: the quote "inactive" is not in the text; quote the text exactly',
      '/tags/0: no quote; give the exact text of the input this value comes from',
      '/address/city: the quote "Address: 10115 Berlin" does not contain the value "Munich"',
    ]);
    expect(outcome.issues[3]?.path).toEqual(['quotes', 'address', 'city']);
  });

  it('reads an ISO month value as a month: its quote may write it in words', () => {
    expect(ground({ since: '2025-03' }, { since: 'since 3 March 2025' }).ok).toBe(true);
    expect(ground({ since: '2025-04' }, { since: 'since 3 March 2025' }).ok).toBe(false);
  });

  it('needs no textual support for booleans and enum members, only a quote found in the text', () => {
    expect(ground({ active: false, kind: 'person' }, { active: 'active', kind: 'ACME Corp' }).ok).toBe(true);
  });

  it('takes a quote wrapped in quotation marks or ellipses without them', () => {
    const outcome = ground({ name: 'ACME Corp' }, { name: '"...ACME Corp…"' });
    expect(outcome.ok && outcome.citations['/name']).toEqual({ quote: 'ACME Corp', start: 0, end: 9 });
  });

  it('finds a quote whose middle is elided, spanning the gap, only when the parts come in order and close', () => {
    const elided = ground(
      { name: 'ACME Corp', since: '2025-03-03' },
      { name: 'ACME Corp', since: 'a company… since 3 March 2025' },
    );
    expect(elided.ok && elided.citations['/since']).toEqual({
      quote: 'a company active since 3 March 2025',
      start: 11,
      end: 46,
    });
    expect(ground({ since: '2025-03-03' }, { since: '3 March 2025 ... a company' }).ok).toBe(false);
    const far = `Total:${' filler'.repeat(200)} €1,250.00`;
    const money: JsonSchema = { type: 'object', properties: { total: { type: 'number' } } };
    expect(groundValue(far, { total: 1250 }, { total: 'Total: … €1,250.00' }, money).ok).toBe(false);
  });

  it('reads quotes keyed by pointer, with or without the leading slash, and quote objects and lists', () => {
    const value = { name: 'ACME Corp', tags: ['tools'], address: { city: 'Berlin' } };
    expect(ground(value, { '/name': 'ACME Corp', 'tags/0': ['tools'], '/address/city': { quote: 'Berlin' } }).ok).toBe(
      true,
    );
  });

  it('places a repeated quote next to its neighbours, a unique neighbour first, and at the first place without any', () => {
    const repeated = 'Name: Ann. City: Rome. --- Name: Bob. City: Rome. --- Name: Cy. City: Rome.';
    const people: JsonSchema = { type: 'object', properties: { name: { type: 'string' }, city: { type: 'string' } } };
    const placed = groundValue(
      repeated,
      { name: 'Bob', city: 'Rome' },
      { name: 'Name: Bob', city: 'City: Rome' },
      people,
    );
    expect(placed.ok && placed.citations['/city']?.start).toBe(repeated.indexOf('City: Rome', repeated.indexOf('Bob')));
    const alone = groundValue(repeated, { city: 'Rome' }, { city: 'City: Rome' }, people);
    expect(alone.ok && alone.citations['/city']?.start).toBe(repeated.indexOf('City: Rome'));
  });

  it('escapes ~ and / in keys as JSON Pointer does', () => {
    expect(toPointer(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
    const outcome = groundValue('rate a/b', { 'a/b': 'rate' }, { 'a/b': 'rate' }, { type: 'object' });
    expect(outcome.ok && Object.keys(outcome.citations)).toEqual(['/a~1b']);
  });
});

describe('the envelope', () => {
  it('asks for the value and a mirror of it with a quote at every leaf, definitions moved to the root', () => {
    const envelope = citedSchema(schema);
    expect(envelope.required).toEqual(['value', 'quotes']);
    expect(envelope.$defs).toBe(schema.$defs);
    expect((envelope.properties as Record<string, JsonSchema>).quotes).toEqual({
      type: 'object',
      additionalProperties: false,
      required: ['name', 'kind', 'active', 'since', 'tags', 'address'],
      properties: {
        name: { type: ['string', 'null'] },
        kind: { type: ['string', 'null'] },
        active: { type: ['string', 'null'] },
        since: { type: ['string', 'null'] },
        tags: { type: 'array', items: { type: ['string', 'null'] } },
        address: {
          anyOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['city', 'zip'],
              properties: { city: { type: ['string', 'null'] }, zip: { type: ['string', 'null'] } },
            },
            { type: 'null' },
          ],
        },
      },
    });
  });

  it('reads the envelope, the value’s fields beside quotes, and refuses a reply with no quotes', () => {
    expect(splitCitedReply({ value: { name: 'x' }, quotes: {} }, schema, [])).toMatchObject({ ok: true });
    expect(splitCitedReply({ name: 'x', zip: '1', quotes: { name: 'x' } }, schema, [])).toMatchObject({
      ok: true,
      value: { value: { name: 'x' }, quotes: { name: 'x' } },
    });
    expect(splitCitedReply({ name: 'x' }, schema, [])).toMatchObject({ ok: false });
  });

  it('writes an example’s quotes from its input, null where the input does not hold the value', () => {
    expect(exampleQuotes({ name: 'ACME', zip: 10115, city: 'Paris', tags: ['a'] }, 'ACME, 10115 Berlin, a')).toEqual({
      name: 'ACME',
      zip: '10115',
      city: null,
      tags: ['a'],
    });
  });

  it('moves citations by an offset', () => {
    expect(shiftCitations({ '/a': { quote: 'x', start: 1, end: 2 } }, 10)).toEqual({
      '/a': { quote: 'x', start: 11, end: 12 },
    });
  });
});
