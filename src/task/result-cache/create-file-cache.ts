import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError } from '../../errors.js';
import type { CachedEntry, ResultCache } from './result-cache.js';

/** Version of the file layout; a file of another version is a miss. */
const FILE_VERSION = 1;
/** Keys used as file names as they are; any other key is hashed first. */
const SAFE_KEY = /^[A-Za-z0-9_-]{3,128}$/;

/**
 * A {@link ResultCache} on disk: one small JSON file per key, `<directory>/<first 2 key characters>/<key>.json`.
 *
 * Why files and not one JSONL file: entries are written by concurrent calls and often by several processes at once
 * (a batch and its resumed run, two workers). A file per key is written to a temporary file and renamed into place,
 * which is atomic, so readers see a whole entry or none and writers never interleave; a lookup reads one small file
 * instead of loading or indexing a whole log; a damaged entry loses only itself. The 2-character shard directories
 * (256 of them for hex keys) keep directories small. Node 20 has no built-in SQLite, and a dependency for it was not
 * worth it.
 *
 * Reading never throws: a missing, unreadable, truncated or foreign file is a miss. Entries never expire; delete the
 * directory to clear the cache.
 *
 * @example
 * ```ts
 * const cache = createFileCache('.qwen-cache');
 * const result = await runTask(sentiment, review, { cache });
 * ```
 */
export function createFileCache(directory: string): ResultCache {
  if (typeof directory !== 'string' || directory.trim() === '') {
    throw new InputError('the cache directory must be a non-empty path', { path: 'directory' });
  }
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

/** The entry a file holds, or `undefined` when it is not a whole entry of this version for this key. */
function readEntry(text: string, key: string): CachedEntry | undefined {
  const stored: unknown = JSON.parse(text);
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { version, key: storedKey, value, raw, finishReason, createdAt } = stored as Record<string, unknown>;
  if (version !== FILE_VERSION || storedKey !== key || !('value' in stored)) return undefined;
  if (typeof raw !== 'string' || typeof finishReason !== 'string' || typeof createdAt !== 'string') return undefined;
  return { value, raw, finishReason, createdAt };
}
