import type { JsonSchema } from '../json.js';
import { addRepair } from './add-repair.js';
import { coerceToSchema } from './coerce-to-schema.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './exceeds-json-depth.js';
import { findJsonRegions, type JsonRegion } from './find-json-regions.js';
import { type CandidateOutcome, parseJsonCandidate } from './parse-json-candidate.js';
import { parseJsonSafely } from './parse-json-safely.js';
import { failure, type ParseOutcome } from './parse-outcome.js';
import type { RepairName } from './repair-name.js';
import { matchesType, topLevelTypes } from './schema-types.js';
import { stripThinking } from './strip-thinking.js';

/** Regions beyond this many are not examined (a reply with hundreds of bracketed bits is not a JSON answer). */
const MAX_REGIONS = 32;
const FENCE_MARKER = /`{3,}[\w+#.-]*/g;

interface ParsedRegion {
  region: JsonRegion;
  outcome: Extract<CandidateOutcome, { ok: true }>;
  order: number;
}

/**
 * Turns a reply into the JSON value it holds, mending locally what can be mended, without validating it.
 *
 * Reasoning (`<think>…</think>`) is stripped and the whole reply tried with `JSON.parse`. Otherwise each
 * JSON-looking region (in code fences or prose) is parsed, mending only as much as it needs: a cut-off end
 * completed, Python literals, values missing an opening quote, unescaped inner quotes, stray backslashes, repeated
 * commas and mismatched closing brackets fixed locally, the rest by `jsonrepair`. `__proto__`, `constructor` and
 * `prototype` keys are always dropped; nesting deeper than `MAX_JSON_DEPTH` is an issue, never a crash.
 * With a schema the value is then coerced to it (`coerceToSchema`).
 *
 * Choosing among regions, in order: a value of the schema's top-level type; one that parsed without repair; one
 * in a code fence; the first. Values separated only by commas or whitespace form one region and become an array.
 *
 * @example
 * parseJsonReply('Sure! ```json\n{"age": "42",}\n```', { type: 'object', properties: { age: { type: 'number' } } });
 * // { ok: true, value: { age: 42 }, repairs: ['fence', 'prose', 'jsonrepair', 'coerce-number'] }
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
    return failure(`No JSON value could be read from the reply (${parsed.message}).`, repairs);
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

function parseWholeReply(reply: string): Extract<CandidateOutcome, { ok: true }> | undefined {
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
  const located: RepairName[] = [];
  if (best.region.fence > 0) {
    located.push('fence');
  }
  const outside = (reply.slice(0, best.region.start) + reply.slice(best.region.end)).replace(FENCE_MARKER, '');
  if (outside.trim() !== '') {
    located.push('prose');
  }
  return { ...best.outcome, repairs: [...located, ...best.region.repairs, ...best.outcome.repairs] };
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
