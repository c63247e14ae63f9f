/**
 * Long documents: a text cut into overlapping chunks at paragraph and sentence boundaries, one extraction per chunk
 * (concurrently, under the client's limits), and the values merged into one — arrays concatenated without
 * duplicates, scalars the first non-null with conflicts reported, or the caller's `merge` — with every citation
 * moved to its offsets in the whole text. See `docs/grounding.md#long-documents`.
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import type { Usage } from '../client/types.js';
import { roundUsd } from '../client/wire.js';
import { InputError, OutputError } from '../errors.js';
import { type Citation, type Citations, shiftCitations, toPointer } from '../output/citations.js';
import { createJsonSchemaValidator, createZodValidator, isPlainObject } from '../output/schema.js';
import { chunkSpans } from '../prompt/chunk-text.js';
import { mapLimited } from './packing.js';
import type { RunTaskOptions } from './run-task.js';
import type { FieldConflict, Task, TaskResult } from './types.js';

/** How a long text is cut: `true` for the defaults, or the chunk size and overlap in tokens. */
export type ChunkOption = boolean | ChunkSettings;

/** How a long text is cut, extracted and merged (`chunk` of {@link RunTaskOptions}). */
export interface ChunkSettings {
  /** Most tokens of a chunk, overlap included (at least 200). @defaultValue 16000 */
  maxTokens?: number;
  /**
   * Tokens of the text before a chunk repeated at its start, so a field written across a cut is whole in one chunk
   * (at most half of `maxTokens`). @defaultValue 256, or an eighth of `maxTokens` when that is less
   */
  overlapTokens?: number;
  /** Chunks extracted at a time (each call also waits for the client's own limits). @defaultValue 4 */
  concurrency?: number;
  /**
   * Your merge of the chunks' values (in text order) into one, instead of the default (arrays concatenated without
   * duplicates, the first non-null scalar). Citations follow a leaf whose value some chunk has at the same pointer.
   * Written as a method, so a function of your value type fits.
   */
  merge?(values: unknown[]): unknown;
}

/** One run of the task on one text: `runTask` itself, handed in (it calls this file, so this file may not import it). */
type RunOne = <O>(task: Task<O>, text: string, options: RunTaskOptions) => Promise<TaskResult<O>>;

/** Tokens a chunk may have with `chunk: true`: ample context per call, and a 300k-token text in 19 calls. */
export const DEFAULT_CHUNK_TOKENS = 16_000;
/** Tokens repeated before each chunk with `chunk: true`: a few sentences, so a field cut in two is whole in one. */
export const DEFAULT_OVERLAP_TOKENS = 256;

/**
 * Runs an extraction task over a long text in chunks and merges the values; the result's `chunks` says how many,
 * `conflicts` lists the fields whose chunks disagreed, and a citing task's `citations` point into the whole text.
 * Each chunk is checked and extracted like a text of its own (`runTask`); the merged value is validated again.
 */
export async function runChunkedTask<O>(
  task: Task<O>,
  text: string,
  options: RunTaskOptions & { chunk: ChunkOption },
  runOne: RunOne,
): Promise<TaskResult<O>> {
  const started = performance.now();
  const { chunk, ...runOptions } = options;
  if (task.format !== 'json')
    throw new InputError(`chunk works with json tasks; task "${task.name}" has format ${task.format}`, {
      path: 'options.chunk',
    });
  const { maxTokens, overlapTokens, concurrency, merge } = chunkPlan(chunk);
  if (typeof text !== 'string' || text.trim() === '')
    throw new InputError('text must be a non-empty string', { path: 'text' });
  const spans = chunkSpans(text, { maxTokens, overlapTokens }).filter(
    (span) => text.slice(span.start, span.end).trim() !== '',
  );
  const results = await mapLimited(spans, concurrency, (span) =>
    runOne(task, text.slice(span.start, span.end), runOptions),
  );
  const citations = results.map((result, index) =>
    result.citations === undefined ? undefined : shiftCitations(result.citations, spans[index]?.start ?? 0),
  );
  const values = results.map((result) => result.value as unknown);
  const merged =
    merge === undefined
      ? mergeValues(values, citations)
      : { value: merge(values), citations: undefined, conflicts: [] as FieldConflict[] };
  const value = validateMerged(task, merged.value, results);
  const usage: Usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 };
  for (const result of results) {
    usage.promptTokens += result.usage.promptTokens;
    usage.completionTokens += result.usage.completionTokens;
    usage.cachedTokens += result.usage.cachedTokens;
    usage.totalTokens += result.usage.totalTokens;
  }
  const cited = task.settings.cite === true;
  return {
    value: value as O,
    raw: results.map((result) => result.raw).join('\n'),
    calls: results.reduce((sum, result) => sum + result.calls, 0),
    repairs: [...new Set(results.flatMap((result) => result.repairs))],
    usage,
    costUsd: roundUsd(results.reduce((sum, result) => sum + result.costUsd, 0)),
    durationMs: performance.now() - started,
    finishReason: results.at(-1)?.finishReason ?? 'stop',
    ...(results.every((result) => result.cached === true) ? { cached: true } : {}),
    ...(cited ? { citations: merged.citations ?? citationsByValue(value, values, citations) } : {}),
    conflicts: merged.conflicts,
    chunks: spans.length,
  };
}

/** The settings of a `chunk` option, defaults applied, each checked. */
function chunkPlan(chunk: ChunkOption): Required<Omit<ChunkSettings, 'merge'>> & Pick<ChunkSettings, 'merge'> {
  if (chunk !== true && !isPlainObject(chunk))
    throw new InputError('chunk must be true or { maxTokens, overlapTokens, concurrency, merge }', {
      path: 'options.chunk',
    });
  const settings: ChunkSettings = chunk === true ? {} : chunk;
  const maxTokens = settings.maxTokens ?? DEFAULT_CHUNK_TOKENS;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 200)
    throw new InputError('chunk.maxTokens must be a whole number of at least 200', { path: 'options.chunk.maxTokens' });
  const overlapTokens = settings.overlapTokens ?? Math.min(DEFAULT_OVERLAP_TOKENS, Math.floor(maxTokens / 8));
  if (!Number.isSafeInteger(overlapTokens) || overlapTokens < 0 || overlapTokens * 2 > maxTokens)
    throw new InputError('chunk.overlapTokens must be a whole number from 0 to half of maxTokens', {
      path: 'options.chunk.overlapTokens',
    });
  const concurrency = settings.concurrency ?? 4;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new InputError('chunk.concurrency must be a whole number of at least 1', {
      path: 'options.chunk.concurrency',
    });
  if (settings.merge !== undefined && typeof settings.merge !== 'function')
    throw new InputError('chunk.merge must be a function of the chunk values', { path: 'options.chunk.merge' });
  return { maxTokens, overlapTokens, concurrency, ...(settings.merge === undefined ? {} : { merge: settings.merge }) };
}

/** The merged value checked against the task's schema (a merge may break a limit no chunk broke, e.g. `maxItems`). */
function validateMerged(task: Task<unknown>, value: unknown, results: readonly TaskResult<unknown>[]): unknown {
  const validate = task.zodSchema ? createZodValidator(task.zodSchema) : createJsonSchemaValidator(task.jsonSchema);
  const outcome = validate(value);
  if (outcome.ok) return outcome.value;
  throw new OutputError(`Task "${task.name}": the merged value of ${results.length} chunks is not valid`, {
    attempts: results.map((result) => result.raw),
    issues: outcome.issues,
  });
}

/** A part of the merged value and where it came from: this chunk's subtree at `source` now lives at `target`. */
interface Origin {
  chunk: number;
  source: string;
  target: string;
}

/**
 * The default merge: objects field by field; arrays concatenated in chunk order, an item equal to an earlier one
 * dropped; anything else the first non-null value, every other non-null value that differs reported as a conflict.
 */
export function mergeValues(
  values: readonly unknown[],
  citations: readonly (Citations | undefined)[],
): { value: unknown; citations: Citations | undefined; conflicts: FieldConflict[] } {
  const origins: Origin[] = [];
  const conflicts: FieldConflict[] = [];
  const citationOf = (chunk: number, pointer: string): Citation | undefined => citations[chunk]?.[pointer];
  const mergeNode = (found: readonly { value: unknown; chunk: number }[], pointer: string): unknown => {
    const present = found.filter((entry) => entry.value !== null && entry.value !== undefined);
    const first = present[0];
    if (first === undefined) return found[0]?.value ?? null;
    if (present.every((entry) => Array.isArray(entry.value))) {
      const items: unknown[] = [];
      const seen = new Set<string>();
      for (const entry of present) {
        (entry.value as unknown[]).forEach((item, index) => {
          const key = canonicalJson(item);
          if (seen.has(key)) return;
          seen.add(key);
          origins.push({ chunk: entry.chunk, source: `${pointer}/${index}`, target: `${pointer}/${items.length}` });
          items.push(item);
        });
      }
      return items;
    }
    if (present.every((entry) => isPlainObject(entry.value))) {
      const merged: Record<string, unknown> = {};
      const keys = [...new Set(present.flatMap((entry) => Object.keys(entry.value as object)))];
      for (const key of keys) {
        const child = `${pointer}${toPointer([key])}`;
        merged[key] = mergeNode(
          present.map((entry) => ({ value: (entry.value as Record<string, unknown>)[key], chunk: entry.chunk })),
          child,
        );
      }
      return merged;
    }
    origins.push({ chunk: first.chunk, source: pointer, target: pointer });
    const differing = present.filter((entry) => !isDeepStrictEqual(entry.value, first.value));
    if (differing.length > 0) {
      conflicts.push({
        pointer,
        values: [first, ...differing].map((entry) => {
          const citation = citationOf(entry.chunk, pointer);
          return { value: entry.value, chunk: entry.chunk, ...(citation === undefined ? {} : { citation }) };
        }),
      });
    }
    return first.value;
  };
  const value = mergeNode(
    values.map((item, chunk) => ({ value: item, chunk })),
    '',
  );
  if (citations.every((entry) => entry === undefined)) return { value, citations: undefined, conflicts };
  // Each chunk's pointers listed under every prefix they have, so an origin finds its citations at once.
  const byPrefix = citations.map((chunkCitations) => {
    const prefixes = new Map<string, string[]>();
    for (const pointer of Object.keys(chunkCitations ?? {})) {
      for (let end = pointer.length; end >= 0; end = pointer.lastIndexOf('/', end - 1)) {
        const prefix = pointer.slice(0, end);
        const list = prefixes.get(prefix);
        if (list === undefined) prefixes.set(prefix, [pointer]);
        else list.push(pointer);
        if (end === 0) break;
      }
    }
    return prefixes;
  });
  const merged: Citations = {};
  for (const origin of origins) {
    for (const pointer of byPrefix[origin.chunk]?.get(origin.source) ?? []) {
      const citation = citations[origin.chunk]?.[pointer];
      if (citation !== undefined) merged[origin.target + pointer.slice(origin.source.length)] = citation;
    }
  }
  const ordered: Citations = {};
  for (const pointer of leafPointers(value)) {
    const citation = merged[pointer];
    if (citation !== undefined) ordered[pointer] = citation;
  }
  return { value, citations: ordered, conflicts };
}

/**
 * Citations of a value merged by the caller: each leaf takes the citation of the first chunk whose value has the
 * same leaf value at the same pointer; a leaf no chunk has there goes without.
 */
function citationsByValue(
  value: unknown,
  values: readonly unknown[],
  citations: readonly (Citations | undefined)[],
): Citations {
  const found: Citations = {};
  for (const pointer of leafPointers(value)) {
    const leaf = valueAt(value, pointer);
    for (let chunk = 0; chunk < values.length; chunk += 1) {
      const citation = citations[chunk]?.[pointer];
      if (citation !== undefined && isDeepStrictEqual(valueAt(values[chunk], pointer), leaf)) {
        found[pointer] = citation;
        break;
      }
    }
  }
  return found;
}

/** A value's JSON with object keys sorted, so equal values (in any key order) give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) =>
    isPlainObject(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : node,
  );
}

/** The JSON Pointers of a value's non-null leaves, in document order. */
function leafPointers(value: unknown, pointer = '', pointers: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      leafPointers(item, `${pointer}/${index}`, pointers);
    });
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      leafPointers(child, `${pointer}${toPointer([key])}`, pointers);
    }
  } else if (value !== null && value !== undefined) {
    pointers.push(pointer);
  }
  return pointers;
}

function valueAt(value: unknown, pointer: string): unknown {
  let current = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isPlainObject(current)) current = current[key];
    else return undefined;
  }
  return current;
}
