/**
 * Grounded extraction: the reply's `{ value, quotes }` envelope, its schema, and the local check of every quote —
 * found in the text (after the documented normalisation), placed at one occurrence, and supporting its value —
 * into citations keyed by JSON Pointer, or issues for the repair turn. See `docs/grounding.md`.
 * @module
 */
import type { OutputIssue } from '../errors.js';
import type { JsonSchema } from '../json.js';
import { coerceToSchema } from './coerce.js';
import type { ParseOutcome, RepairName } from './outcome.js';
import {
  ISO_DATE,
  ISO_MONTH,
  normalForm,
  normalizeText,
  occurrences,
  quoteHoldsDate,
  quoteHoldsMonth,
  quoteHoldsNumber,
  quoteHoldsString,
} from './quote-match.js';
import { fitsSchema, isPlainObject, resolveSchemaNode } from './schema.js';

/** Where one extracted value comes from in the input. */
export interface Citation {
  /** The text at `[start, end)` of the input, verbatim (the model's quote may differ in whitespace or quote marks). */
  quote: string;
  /** UTF-16 offset of the quote's first character in the input (as JavaScript strings index). */
  start: number;
  /** UTF-16 offset just past the quote's last character. */
  end: number;
}

/** A citation for every non-null leaf of a value, keyed by its JSON Pointer (`/invoice/total`, `/items/2/sku`). */
export type Citations = Record<string, Citation>;

/** A leaf of a value: a non-null scalar, with what its quote must show. */
interface Leaf {
  segments: (string | number)[];
  pointer: string;
  value: string | number | boolean | Date;
  /** What the quote must hold: the string, the number, the date, or nothing (booleans and enum members). */
  check: 'string' | 'number' | 'date' | 'none';
}

/** The schema the model is asked for: `{ value, quotes }`, the quotes mirroring the value with strings at its leaves. */
export function citedSchema(schema: JsonSchema): JsonSchema {
  return {
    // The value's `$ref`s point at the root's definitions: they move up with it.
    ...(schema.$defs === undefined ? {} : { $defs: schema.$defs }),
    ...(schema.definitions === undefined ? {} : { definitions: schema.definitions }),
    type: 'object',
    properties: { value: schema, quotes: mirrorSchema(schema, schema, 0) },
    required: ['value', 'quotes'],
    additionalProperties: false,
  };
}

/** The value's shape with every leaf a quote string (or null); `$ref`s resolved, as the quotes have no `$defs`. */
function mirrorSchema(node: unknown, root: JsonSchema, depth: number): JsonSchema {
  const schema = resolveSchemaNode(node, root);
  const quote: JsonSchema = { type: ['string', 'null'] };
  if (depth > 8) return {};
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    const shaped = branches.filter((branch) => {
      const resolved = resolveSchemaNode(branch, root);
      return resolved.properties !== undefined || resolved.items !== undefined;
    });
    return shaped.length === 1 ? { anyOf: [mirrorSchema(shaped[0], root, depth + 1), { type: 'null' }] } : quote;
  }
  if (isPlainObject(schema.properties)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [key, child] of Object.entries(schema.properties))
      properties[key] = mirrorSchema(child, root, depth + 1);
    return { type: 'object', properties, additionalProperties: false, required: Object.keys(properties) };
  }
  if (schema.items !== undefined && !Array.isArray(schema.items)) {
    return { type: 'array', items: mirrorSchema(schema.items, root, depth + 1) };
  }
  return quote;
}

/**
 * Reads a parsed cited reply into the value and its quotes, tolerant of the usual slips: the envelope as asked,
 * the value's own fields beside `quotes` (coerced to the schema), and quotes given as a map of JSON Pointers.
 */
export function splitCitedReply(
  parsed: unknown,
  schema: JsonSchema,
  repairs: RepairName[],
): ParseOutcome<{ value: unknown; quotes: unknown }> {
  if (isPlainObject(parsed) && 'value' in parsed && 'quotes' in parsed) {
    return { ok: true, value: { value: parsed.value, quotes: parsed.quotes }, repairs };
  }
  const properties = resolveSchemaNode(schema, schema).properties;
  const quotesIsAField = isPlainObject(properties) && 'quotes' in properties;
  if (isPlainObject(parsed) && 'quotes' in parsed && !quotesIsAField) {
    const { quotes, ...value } = parsed;
    return { ok: true, value: { value: coerceToSchema(value, schema, repairs), quotes }, repairs };
  }
  return {
    ok: false,
    issues: [
      {
        path: [],
        message:
          'Reply with {"value": …, "quotes": …}: the value and, in the same shape, the exact text each value comes from.',
      },
    ],
    repairs,
  };
}

/**
 * Checks every quote of a valid value against the text it was extracted from and places it there. A leaf is a
 * non-null scalar (`""` is not a value and needs no quote); its quote must occur in the text after normalisation
 * and support the value (strings: the value is in the quote, ignoring case; numbers: the quote writes the number in
 * some notation; ISO dates: the quote writes the date in some notation or the string itself; booleans and enum
 * members: no textual check). A quote found several times is placed at the occurrence nearest the quotes placed for
 * the leaves before and after it in the value (leaves whose quote occurs once are placed first); with no such
 * neighbour, at the first. Returns the citations, or one issue per failing leaf naming its pointer.
 */
export function groundValue(
  text: string,
  value: unknown,
  quotes: unknown,
  schema: JsonSchema,
): { ok: true; citations: Citations } | { ok: false; issues: OutputIssue[] } {
  const leaves: Leaf[] = [];
  collectLeaves(value, schema, schema, [], leaves, 0);
  const normalized = normalizeText(text);
  const lookup = quoteLookup(quotes);
  const issues: OutputIssue[] = [];
  const found: { leaf: Leaf; spans: Span[] }[] = [];
  for (const leaf of leaves) {
    const quote = lookup(leaf);
    const path = ['quotes', ...leaf.segments];
    if (quote === undefined || normalForm(quote) === '') {
      issues.push({
        path,
        message: `${leaf.pointer}: no quote; give the exact text of the input this value comes from`,
      });
      continue;
    }
    const spans = findQuote(normalized.text, quote);
    if (spans.length === 0) {
      issues.push({
        path,
        message: `${leaf.pointer}: the quote ${clip(quote)} is not in the text; quote the text exactly`,
      });
      continue;
    }
    // Every place where the quote occurs and holds the value (an elided quote's places differ in what they span).
    const supporting = spans.filter((span) => supports(normalized.text.slice(span.start, span.end), leaf));
    if (supporting.length === 0) {
      issues.push({
        path,
        message: `${leaf.pointer}: the quote ${clip(quote)} does not contain the value ${clip(leafText(leaf))}`,
      });
      continue;
    }
    found.push({ leaf, spans: supporting });
  }
  if (issues.length > 0) return { ok: false, issues };
  const chosen = placeQuotes(found.map((entry) => entry.spans.map((span) => span.start)));
  const citations: Citations = {};
  found.forEach((entry, index) => {
    const span = entry.spans[chosen[index] ?? 0] ?? { start: 0, end: 0 };
    const start = normalized.origin[span.start] ?? 0;
    const end = normalized.origin[span.end] ?? start;
    citations[entry.leaf.pointer] = { quote: text.slice(start, end), start, end };
  });
  return { ok: true, citations };
}

/** A stretch of the normalised text, `[start, end)`. */
interface Span {
  start: number;
  end: number;
}

/** Most characters an ellipsis in a quote may stand for. */
const MAX_ELIDED_CHARS = 1_000;
const ELLIPSIS = /\s*(?:\.\.\.|…)\s*/;

/**
 * Where a quote occurs in the normalised text: as written; else without the quotation marks or ellipses around it;
 * else, for a quote whose middle is elided (`Total … €1,250.00`), each of its parts in order, the gaps at most
 * {@link MAX_ELIDED_CHARS} long (the citation spans from the first part to the last, gap included).
 */
function findQuote(haystack: string, quote: string): Span[] {
  const normal = normalForm(quote);
  const whole = (needle: string): Span[] =>
    occurrences(haystack, needle).map((start) => ({ start, end: start + needle.length }));
  const spans = whole(normal);
  if (spans.length > 0) return spans;
  const bare = normal.replace(/^(?:["'«]|\.\.\.|…)+\s*|\s*(?:["'»]|\.\.\.|…)+$/g, '');
  if (bare !== normal && bare !== '') {
    const bareSpans = whole(bare);
    if (bareSpans.length > 0) return bareSpans;
  }
  const parts = bare.split(ELLIPSIS).filter((part) => part !== '');
  if (parts.length < 2) return [];
  const [first = '', ...rest] = parts;
  const elided: Span[] = [];
  for (const start of occurrences(haystack, first)) {
    let end = start + first.length;
    for (const part of rest) {
      const at = haystack.indexOf(part, end);
      end = at === -1 || at - end > MAX_ELIDED_CHARS ? -1 : at + part.length;
      if (end === -1) break;
    }
    if (end !== -1) elided.push({ start, end });
  }
  return elided;
}

/**
 * Which place of each quote is taken (an index into its places, given by start): unique ones as they are, then
 * each ambiguous one nearest its placed neighbours.
 */
function placeQuotes(placesByLeaf: readonly number[][]): number[] {
  const chosen: (number | undefined)[] = placesByLeaf.map((places) => (places.length === 1 ? 0 : undefined));
  const startOf = (leaf: number): number | undefined => {
    const place = chosen[leaf];
    return place === undefined ? undefined : placesByLeaf[leaf]?.[place];
  };
  placesByLeaf.forEach((places, index) => {
    if (chosen[index] !== undefined) return;
    const neighbours: number[] = [];
    for (let before = index - 1; before >= 0; before -= 1) {
      const start = startOf(before);
      if (start !== undefined) {
        neighbours.push(start);
        break;
      }
    }
    for (let after = index + 1; after < placesByLeaf.length; after += 1) {
      const start = startOf(after);
      if (start !== undefined) {
        neighbours.push(start);
        break;
      }
    }
    let best = 0;
    if (neighbours.length > 0) {
      let bestDistance = Number.POSITIVE_INFINITY;
      places.forEach((place, placeIndex) => {
        const distance = Math.min(...neighbours.map((neighbour) => Math.abs(place - neighbour)));
        if (distance < bestDistance) {
          bestDistance = distance;
          best = placeIndex;
        }
      });
    }
    chosen[index] = best;
  });
  return chosen as number[];
}

function supports(quote: string, leaf: Leaf): boolean {
  switch (leaf.check) {
    case 'none':
      return true;
    case 'number':
      return quoteHoldsNumber(quote, leaf.value as number);
    case 'date': {
      if (typeof leaf.value === 'string' && ISO_MONTH.test(leaf.value)) {
        return quoteHoldsString(quote, leaf.value) || quoteHoldsMonth(quote, leaf.value);
      }
      const iso =
        leaf.value instanceof Date ? leaf.value.toISOString().slice(0, 10) : ISO_DATE.exec(String(leaf.value))?.[1];
      return (
        (typeof leaf.value === 'string' && quoteHoldsString(quote, leaf.value)) ||
        (iso !== undefined && quoteHoldsDate(quote, iso))
      );
    }
    default:
      return quoteHoldsString(quote, String(leaf.value));
  }
}

/** The leaves of a value in document order, each with the check its schema node calls for. */
function collectLeaves(
  value: unknown,
  node: unknown,
  root: JsonSchema,
  segments: (string | number)[],
  leaves: Leaf[],
  depth: number,
): void {
  if (value === null || value === undefined || value === '' || depth > 64) return;
  const schema = branchFor(value, node, root);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      collectLeaves(item, schema.items, root, [...segments, index], leaves, depth + 1);
    });
    return;
  }
  if (isPlainObject(value)) {
    const properties = isPlainObject(schema.properties) ? schema.properties : {};
    for (const [key, child] of Object.entries(value)) {
      collectLeaves(child, properties[key] ?? {}, root, [...segments, key], leaves, depth + 1);
    }
    return;
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && !(value instanceof Date))
    return;
  const enumerated = schema.enum !== undefined || schema.const !== undefined;
  const check: Leaf['check'] =
    typeof value === 'boolean' || enumerated
      ? 'none'
      : typeof value === 'number'
        ? 'number'
        : value instanceof Date || ISO_DATE.test(value) || ISO_MONTH.test(value)
          ? 'date'
          : 'string';
  leaves.push({ segments, pointer: toPointer(segments), value, check });
}

/** The schema node a value is read with: the node itself, or the first `anyOf`/`oneOf` branch the value fits. */
function branchFor(value: unknown, node: unknown, root: JsonSchema): JsonSchema {
  const schema = resolveSchemaNode(node, root);
  const branches = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(branches)) return schema;
  const branch = branches.find((candidate) => fitsSchema(value, candidate, root));
  return branch === undefined ? schema : resolveSchemaNode(branch, root);
}

/** A JSON Pointer (RFC 6901): `~` and `/` in a key escaped as `~0` and `~1`. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * How to find a leaf's quote in the reply's `quotes`: the same path in a mirror of the value, or the leaf's
 * pointer as a key (with or without the leading `/`). A quote is a string, the first string of a list, a
 * `{ "quote": … }` object's string, or a number written as it is.
 */
function quoteLookup(quotes: unknown): (leaf: Leaf) => string | undefined {
  if (isPlainObject(quotes) && Object.keys(quotes).some((key) => key.startsWith('/'))) {
    return (leaf) => quoteText(quotes[leaf.pointer] ?? quotes[leaf.pointer.slice(1)]);
  }
  return (leaf) => {
    let current: unknown = quotes;
    for (const segment of leaf.segments) {
      if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
      else if (isPlainObject(current)) current = current[String(segment)];
      else return undefined;
    }
    return quoteText(current);
  };
}

function quoteText(quote: unknown): string | undefined {
  if (typeof quote === 'string') return quote;
  if (typeof quote === 'number') return String(quote);
  if (Array.isArray(quote)) return quote.find((item): item is string => typeof item === 'string');
  if (isPlainObject(quote) && typeof quote.quote === 'string') return quote.quote;
  return undefined;
}

function leafText(leaf: Leaf): string {
  return leaf.value instanceof Date ? leaf.value.toISOString() : String(leaf.value);
}

/** A quote for a message: JSON-quoted, cut to 80 characters. */
function clip(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/**
 * The quotes of a worked example, for the prompt: the value's shape with each leaf written as it is where the
 * example's input holds it (after normalisation), `null` where it does not.
 */
export function exampleQuotes(value: unknown, input: string): unknown {
  const normal = normalForm(input);
  const quoteOf = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(quoteOf);
    if (isPlainObject(item))
      return Object.fromEntries(Object.entries(item).map(([key, child]) => [key, quoteOf(child)]));
    if (item === null || item === undefined) return null;
    const written = item instanceof Date ? item.toISOString().slice(0, 10) : String(item);
    return normal.includes(normalForm(written)) ? written : null;
  };
  return quoteOf(value);
}

/** Citations moved by `offset` characters (a chunk's citations into the whole text). */
export function shiftCitations(citations: Citations, offset: number): Citations {
  const shifted: Citations = {};
  for (const [pointer, citation] of Object.entries(citations)) {
    shifted[pointer] = { quote: citation.quote, start: citation.start + offset, end: citation.end + offset };
  }
  return shifted;
}
