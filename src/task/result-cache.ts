/**
 * The result cache: the `ResultCache` interface, its key, the file and memory stores, and reading and storing a
 * task's results through it. See `docs/running-at-scale.md#the-result-cache`.
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { QwenClient } from '../client/types.js';
import { InputError } from '../errors.js';
import type { CompiledTask } from './define-task.js';
import type { Task, TaskResult } from './types.js';

/**
 * One stored result: enough to rebuild the value without a call. `value` is informational (it must survive
 * `JSON.stringify`); on a hit the library re-parses `raw` with the task's own parser and validator, so a zod task
 * gets its `Date`s and transforms back, and an entry that no longer parses counts as a miss.
 */
export interface CachedEntry {
  /** The value as JSON would carry it. */
  value: unknown;
  /** Raw reply text the value came from (for a packed item, its answer text). */
  raw: string;
  /** `finish_reason` of the reply the value came from. */
  finishReason: string;
  /** When the entry was stored, ISO 8601. */
  createdAt: string;
}

/**
 * Where results are kept between calls: {@link createFileCache}, {@link createMemoryCache}, or any store with these
 * two methods. A failing `get` is a miss and a failing `set` is ignored: a cache can save calls, never fail one.
 * See `docs/running-at-scale.md#the-result-cache`.
 */
export interface ResultCache {
  /** The entry stored under `key`, or `undefined`. */
  get(key: string): Promise<CachedEntry | undefined> | CachedEntry | undefined;
  /** Stores `entry` under `key`, replacing any entry there. */
  set(key: string, entry: CachedEntry): Promise<void> | void;
}

/** Changes when the meaning of a cache entry changes, so old entries simply stop matching. */
const KEY_VERSION = 'qwen-tasks-result-cache-1';

/**
 * The cache key of one call, 64 hex characters: SHA-256 of the task's hash, the model, the sampling settings and the
 * input text. Anything that can change the answer is in it; how the call is made is not.
 */
export function cacheKey(task: Task<unknown>, model: string, text: string): string {
  const { settings } = task;
  const parts = [
    KEY_VERSION,
    task.hash,
    model,
    settings.temperature,
    settings.thinking,
    settings.maxTokens ?? null,
    text,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The model the default client uses (and the model a task names none of runs on). */
const DEFAULT_MODEL = 'qwen-flash';

/**
 * The model part of a cache key: the task's model, else the given client's, else `qwen-flash` (the default
 * client's model). The default client is never created for it, so a fully cached run needs no API key.
 */
export function cacheModel(task: Task<unknown>, client: Pick<QwenClient, 'model'> | undefined): string {
  return task.settings.model ?? client?.model ?? DEFAULT_MODEL;
}

/** Version of the file layout; a file of another version is a miss. */
const FILE_VERSION = 1;
/** Keys used as file names as they are; any other key is hashed first. */
const SAFE_KEY = /^[A-Za-z0-9_-]{3,128}$/;

/**
 * A {@link ResultCache} on disk: one JSON file per key, `<directory>/<first 2 key characters>/<key>.json`, written
 * to a temporary file and renamed into place (atomic across processes). Reading never throws: a bad file is a miss.
 */
export function createFileCache(directory: string): ResultCache {
  // A file per key rather than one log: concurrent writers (even processes) never interleave, a lookup reads one
  // small file, a damaged entry loses only itself. Node 20 has no built-in SQLite.
  if (typeof directory !== 'string' || directory.trim() === '') {
    throw new InputError('the cache directory must be a non-empty path', { path: 'directory' });
  }
  checkCacheDirectory(directory);
  const fileOf = (key: string): string => {
    const name = SAFE_KEY.test(key) ? key : createHash('sha256').update(key).digest('hex');
    return join(directory, name.slice(0, 2), `${name}.json`);
  };
  return {
    async get(key) {
      try {
        return readEntry(await readFile(fileOf(key), 'utf8'), key);
      } catch {
        return undefined;
      }
    },
    async set(key, entry) {
      const file = fileOf(key);
      await mkdir(dirname(file), { recursive: true });
      const temporary = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
      const { value, raw, finishReason, createdAt } = entry;
      try {
        await writeFile(temporary, JSON.stringify({ version: FILE_VERSION, key, value, raw, finishReason, createdAt }));
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
  };
}

/**
 * Throws an {@link InputError} when `directory`, or a folder above it, is an existing regular file: every entry
 * would fail to be written, silently. A path that does not exist yet is fine (it is made on the first write).
 */
function checkCacheDirectory(directory: string): void {
  for (let path = resolve(directory); ; path = dirname(path)) {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') continue; // a folder above is a file: found next
      return; // unreadable (permissions): left to the store, whose failures are misses
    }
    if (stats !== undefined) {
      if (!stats.isDirectory()) {
        throw new InputError(
          `the cache directory ${directory} cannot be used: ${path} is a file, not a directory; pass the path of a directory (it is made if missing)`,
          { path: 'directory' },
        );
      }
      return;
    }
    if (dirname(path) === path) return;
  }
}

/** The entry a file holds, or `undefined` when it is not a whole entry of this version for this key. */
function readEntry(text: string, key: string): CachedEntry | undefined {
  const stored: unknown = JSON.parse(text);
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { version, key: storedKey, value, raw, finishReason, createdAt } = stored as Record<string, unknown>;
  if (version !== FILE_VERSION || storedKey !== key || !('value' in stored)) return undefined;
  if (typeof raw !== 'string' || typeof finishReason !== 'string' || typeof createdAt !== 'string') return undefined;
  return { value, raw, finishReason, createdAt };
}

/**
 * A {@link ResultCache} in memory, least recently used entries evicted beyond `maxEntries` (default 10000). Entries
 * are kept as JSON text, so they behave exactly like entries read back from disk.
 */
export function createMemoryCache(maxEntries = 10_000): ResultCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new InputError(`maxEntries must be a positive whole number, got ${String(maxEntries)}`, {
      path: 'maxEntries',
    });
  }
  const entries = new Map<string, string>();
  return {
    get(key) {
      const stored = entries.get(key);
      if (stored === undefined) return undefined;
      entries.delete(key);
      entries.set(key, stored);
      return JSON.parse(stored) as CachedEntry;
    },
    set(key, entry) {
      const { value, raw, finishReason, createdAt } = entry;
      const stored = JSON.stringify({ value, raw, finishReason, createdAt });
      entries.delete(key);
      entries.set(key, stored);
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
  };
}

/**
 * Looks `key` up and rebuilds the result from the entry's raw text with the task's own parser, so the value is
 * validated (and typed: dates, transforms) and its quotes checked against `text` as if the reply had just arrived.
 * A failing store, a missing entry or one that no longer parses is a miss (`undefined`). A hit costs nothing:
 * `calls: 0`, zero usage, `costUsd: 0`, `cached: true`.
 */
export async function readCachedResult(
  cache: ResultCache,
  key: string,
  compiled: Pick<CompiledTask, 'parse'>,
  startedMs: number,
  text: string,
): Promise<TaskResult<unknown> | undefined> {
  let entry: Awaited<ReturnType<ResultCache['get']>>;
  try {
    entry = await cache.get(key);
  } catch {
    return undefined;
  }
  if (entry === undefined || entry === null || typeof entry.raw !== 'string') return undefined;
  const outcome = compiled.parse(entry.raw, text);
  if (!outcome.ok) return undefined;
  return {
    value: outcome.value,
    ...(outcome.citations === undefined ? {} : { citations: outcome.citations }),
    raw: entry.raw,
    calls: 0,
    repairs: [...outcome.repairs],
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, totalTokens: 0 },
    costUsd: 0,
    durationMs: performance.now() - startedMs,
    finishReason: typeof entry.finishReason === 'string' ? entry.finishReason : 'stop',
    cached: true,
  };
}

/**
 * Stores a fresh result under `key`. The value is passed through JSON (a `Date` becomes its ISO string), as every
 * store must be able to keep it. A value JSON cannot carry, or a store that fails, leaves the result uncached: the
 * call already succeeded and is not failed for it.
 */
export async function storeCachedResult(cache: ResultCache, key: string, result: TaskResult<unknown>): Promise<void> {
  try {
    const json = JSON.stringify(result.value);
    await cache.set(key, {
      value: json === undefined ? null : JSON.parse(json),
      raw: result.raw,
      finishReason: result.finishReason,
      createdAt: new Date().toISOString(),
    });
  } catch {
    // A cache can save calls, never fail one.
  }
}
