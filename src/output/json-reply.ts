/**
 * From a reply's text to the JSON value it holds: reasoning stripped, the JSON regions found, each candidate
 * parsed with as little mending as it needs (local repairs, then `jsonrepair`), the best one chosen and coerced to
 * the schema. Also the reply-text preparation the other formats share. See `docs/output-repair.md#the-json-pipeline`.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { jsonrepair } from 'jsonrepair';
import type { JsonSchema } from '../json.js';
import { coerceToSchema } from './coerce.js';
import { addRepair, failure, type ParseOutcome, type RepairName, stripThinking } from './outcome.js';
import { findJsonRegions, type JsonRegion, locatedRepairs } from './regions.js';
import { PRE_PASSES } from './repair.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH, parseJsonSafely } from './scan.js';
import { fitsSchema, isPlainObject, matchesType, resolveSchemaNode, topLevelTypes } from './schema.js';
import { trimTruncatedJson } from './truncation.js';

/** Regions beyond this many are not examined (a reply with hundreds of bracketed bits is not a JSON answer). */
const MAX_REGIONS = 32;
/** A candidate text parsed, with how much mending it took. */
type CandidateOutcome =
  | { ok: true; value: unknown; repairs: RepairName[]; strict: boolean }
  /** `issue`: the message is the whole issue (the reply is ambiguous), not why parsing failed. */
  | { ok: false; message: string; issue?: true };

type ParsedCandidate = Extract<CandidateOutcome, { ok: true }>;

interface ParsedRegion {
  region: JsonRegion;
  outcome: ParsedCandidate;
  order: number;
}

/**
 * Turns a reply into the JSON value it holds, mending locally what can be mended, and coerces it to `schema` when
 * given (without validating). Among several regions it prefers one of the schema's top-level type, then one that
 * parsed without repair, then one in a code fence, then the first. See `docs/output-repair.md#the-json-pipeline`.
 */
export function parseJsonReply(text: string, schema?: JsonSchema): ParseOutcome<unknown> {
  const repairs: RepairName[] = [];
  const thinking = stripThinking(text);
  if (thinking.stripped) {
    repairs.push('think');
  }
  // A fence marker at the very end is never part of a value (and would be read into a cut-off string).
  const reply = thinking.text.trimStart().replace(/\n?[ \t]*`{3,}\s*$/, '');
  if (reply.trim() === '') {
    return failure(thinking.stripped ? 'The reply holds only reasoning, no answer.' : 'The reply is empty.', repairs);
  }
  if (exceedsJsonDepth(reply)) {
    return failure(`The reply nests JSON deeper than ${MAX_JSON_DEPTH} levels.`, repairs);
  }
  const parsed = parseWholeReply(reply) ?? parseBestRegion(reply, schema);
  if (parsed === undefined) {
    return failure('The reply holds no JSON value.', repairs);
  }
  if (!parsed.ok) {
    return failure(
      parsed.issue ? parsed.message : `No JSON value could be read from the reply (${parsed.message}).`,
      repairs,
    );
  }
  for (const repair of parsed.repairs) {
    addRepair(repairs, repair);
  }
  return {
    ok: true,
    value: schema === undefined ? parsed.value : coerceToSchema(parsed.value, schema, repairs),
    repairs,
  };
}

function parseWholeReply(reply: string): ParsedCandidate | undefined {
  const first = reply[0];
  if (first !== '{' && first !== '[' && first !== '"' && !/^[-\d]|^(?:true|false|null)$/.test(reply)) {
    return undefined;
  }
  try {
    const { value, droppedUnsafeKey } = parseJsonSafely(reply);
    return { ok: true, value, repairs: droppedUnsafeKey ? ['unsafe-key'] : [], strict: true };
  } catch {
    return undefined;
  }
}

function parseBestRegion(reply: string, schema: JsonSchema | undefined): CandidateOutcome | undefined {
  const regions = findJsonRegions(reply).slice(0, MAX_REGIONS);
  const wantedTypes = schema === undefined ? undefined : topLevelTypes(schema, schema);
  const parsed: ParsedRegion[] = [];
  let firstFailure: CandidateOutcome | undefined;
  for (const [order, region] of regions.entries()) {
    const outcome = parseRegion(region);
    if (outcome.ok) {
      parsed.push({ region, outcome, order });
    } else {
      firstFailure ??= outcome;
    }
  }
  const several = schema === undefined ? undefined : readSeveralValues(reply, parsed, schema, wantedTypes);
  if (several !== undefined) {
    return several;
  }
  const rank = (candidate: ParsedRegion): number[] => [
    wantedTypes === undefined || [...wantedTypes].some((type) => matchesType(candidate.outcome.value, type)) ? 0 : 1,
    candidate.outcome.strict ? 0 : 1,
    candidate.region.fence > 0 ? 0 : 1,
    candidate.order,
  ];
  const best = parsed.sort((left, right) => compareRanks(rank(left), rank(right)))[0];
  if (best === undefined) {
    return firstFailure;
  }
  return {
    ...best.outcome,
    repairs: [...locatedRepairs(reply, [best.region]), ...best.region.repairs, ...best.outcome.repairs],
  };
}

/**
 * The reading of a reply by the values in it that fit the schema (`fitsCandidate`), or `undefined` when none does
 * and the ranking of regions decides. A schema of one value: the one value that fits, identical copies read once;
 * different values are an issue, never the first (which one was meant is a guess). A schema of an array: separate
 * values that fit its items are all read.
 */
function readSeveralValues(
  reply: string,
  parsed: readonly ParsedRegion[],
  schema: JsonSchema,
  wantedTypes: Set<string> | undefined,
): CandidateOutcome | undefined {
  if (wantedTypes?.has('array') === true) {
    if (wantedTypes.has('object') || parsed.some((candidate) => Array.isArray(candidate.outcome.value))) {
      return undefined;
    }
    const items = resolveSchemaNode(schema, schema).items;
    const fitting = parsed.filter((candidate) => fitsCandidate(candidate.outcome.value, items, schema));
    if (fitting.length < 2) {
      return undefined;
    }
    return {
      ok: true,
      value: fitting.map((candidate) => candidate.outcome.value),
      repairs: [
        ...locatedRepairs(
          reply,
          fitting.map((candidate) => candidate.region),
        ),
        'multiple-values',
        ...fitting.flatMap((candidate) => candidate.outcome.repairs),
      ],
      strict: false,
    };
  }
  const values: { value: unknown; candidate: ParsedRegion }[] = [];
  for (const candidate of parsed) {
    const { value } = candidate.outcome;
    const members = candidate.region.texts.length > 1 && Array.isArray(value) ? value : [value];
    for (const member of members) {
      if (fitsCandidate(member, schema, schema)) {
        values.push({ value: member, candidate });
      }
    }
  }
  const distinct: unknown[] = [];
  for (const { value } of values) {
    if (!distinct.some((seen) => isDeepStrictEqual(seen, value))) {
      distinct.push(value);
    }
  }
  if (distinct.length > 1) {
    return {
      ok: false,
      message: `The reply holds ${distinct.length} different JSON values that each fit the schema; reply with exactly one.`,
      issue: true,
    };
  }
  const first = values[0];
  if (first === undefined) {
    return undefined;
  }
  const { region, outcome } = first.candidate;
  const repairs = [...locatedRepairs(reply, [region]), ...region.repairs, ...outcome.repairs];
  if (values.length > 1 || region.texts.length > 1) {
    addRepair(repairs, 'multiple-values');
  }
  return { ok: true, value: first.value, repairs, strict: outcome.strict };
}

/**
 * Whether a value is a candidate answer for a schema node: it fits the node (`fitsSchema`) and, for an object, holds
 * every required property and nothing of the wrong type among the properties the node names.
 */
function fitsCandidate(value: unknown, node: unknown, root: JsonSchema): boolean {
  if (!fitsSchema(value, node, root)) {
    return false;
  }
  if (!isPlainObject(value)) {
    return true;
  }
  const schema = resolveSchemaNode(node, root);
  const required = Array.isArray(schema.required) ? schema.required : [];
  if (!required.every((key) => typeof key === 'string' && Object.hasOwn(value, key))) {
    return false;
  }
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  return Object.entries(value).every(
    ([key, member]) => !Object.hasOwn(properties, key) || fitsSchema(member, properties[key], root),
  );
}

function parseRegion(region: JsonRegion): CandidateOutcome {
  const last = region.texts.length - 1;
  const parts = region.texts.map((text, index) => parseJsonCandidate(text, region.truncated && index === last));
  if (parts.length === 1) {
    return parts[0]!;
  }
  const values: unknown[] = [];
  const repairs: RepairName[] = [];
  for (const part of parts) {
    if (!part.ok) {
      return part;
    }
    values.push(part.value);
    repairs.push(...part.repairs);
  }
  return { ok: true, value: values, repairs, strict: parts.every((part) => part.ok && part.strict) };
}

function compareRanks(left: readonly number[], right: readonly number[]): number {
  for (const [index, value] of left.entries()) {
    const difference = value - (right[index] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

/**
 * Parses one candidate JSON text, mending only as much as needed: as is, after the `PRE_PASSES`, through
 * `jsonrepair`, then `jsonrepair` on the text as it came. A cut-off text (`truncated`) whose brackets stay open is
 * completed first (`trimTruncatedJson`); unsafe keys are dropped at every step.
 */
function parseJsonCandidate(text: string, truncated: boolean): CandidateOutcome {
  if (!truncated) {
    return parseComplete(text, []);
  }
  const cutOffFirst = bracketsStayOpen(text);
  const first = cutOffFirst ? parseComplete(trimTruncatedJson(text), ['truncation']) : parseComplete(text, []);
  if (first.ok) {
    return first;
  }
  const second = cutOffFirst ? parseComplete(text, []) : parseComplete(trimTruncatedJson(text), ['truncation']);
  return second.ok ? second : first;
}

function parseComplete(text: string, repairsSoFar: readonly RepairName[]): CandidateOutcome {
  const strict = tryParse(text, [...repairsSoFar]);
  if (strict !== undefined) {
    return { ...strict, strict: repairsSoFar.length === 0 };
  }
  const repairs = [...repairsSoFar];
  let work = text;
  for (const [name, prePass] of PRE_PASSES) {
    const mended = prePass(work);
    if (mended !== work) {
      work = mended;
      repairs.push(name);
    }
  }
  if (work !== text) {
    const parsed = tryParse(work, repairs);
    if (parsed !== undefined) {
      return { ...parsed, strict: false };
    }
  }
  const repaired = tryRepair(work, [...repairs, 'jsonrepair']);
  if (repaired.ok || work === text) {
    return repaired;
  }
  const plain = tryRepair(text, [...repairsSoFar, 'jsonrepair']);
  return plain.ok ? plain : repaired;
}

/** Whether more brackets open than close, counting every bracket character (quotes ignored). */
function bracketsStayOpen(text: string): boolean {
  let depth = 0;
  for (const character of text) {
    if (character === '{' || character === '[') {
      depth++;
    } else if (character === '}' || character === ']') {
      depth--;
    }
  }
  return depth > 0;
}

function tryRepair(text: string, repairs: RepairName[]): CandidateOutcome {
  let repairedText: string;
  try {
    repairedText = jsonrepair(text);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  const parsed = tryParse(repairedText, repairs);
  return parsed === undefined
    ? { ok: false, message: 'jsonrepair produced text that is not JSON' }
    : { ...parsed, strict: false };
}

function tryParse(
  text: string,
  repairs: RepairName[],
): { ok: true; value: unknown; repairs: RepairName[] } | undefined {
  try {
    const { value, droppedUnsafeKey } = parseJsonSafely(text);
    return { ok: true, value, repairs: droppedUnsafeKey ? [...repairs, 'unsafe-key'] : repairs };
  } catch {
    return undefined;
  }
}
