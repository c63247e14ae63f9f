import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchItem } from '../batch-types.js';

/**
 * Items kept on disk while their batch runs, so that memory holds only their ids: the text is needed again for
 * online repair turns, and the whole item for the result. @internal
 */
export interface ItemSpool {
  /** Stores an item under its id. */
  add(item: BatchItem): Promise<void>;
  /** Whether an item with this id is stored. */
  has(id: string): boolean;
  /** Reads an item back; `undefined` when it is not stored. */
  get(id: string): Promise<BatchItem | undefined>;
  /** Forgets an item (its bytes stay on disk until `close`). */
  delete(id: string): void;
  readonly size: number;
  /** Deletes the spool file; never throws. */
  close(): Promise<void>;
}

/** Opens an empty spool in a new folder under the OS temporary folder. @internal */
export async function createItemSpool(): Promise<ItemSpool> {
  const folder = await mkdtemp(join(tmpdir(), 'qwen-tasks-spool-'));
  const handle = await open(join(folder, 'items.jsonl'), 'w+');
  const places = new Map<string, { position: number; bytes: number }>();
  let end = 0;
  let closed: Promise<void> | undefined;
  return {
    async add(item) {
      const { problem: _problem, ...stored } = item;
      const buffer = Buffer.from(`${JSON.stringify(stored)}\n`, 'utf8');
      const position = end;
      end += buffer.byteLength;
      let written = 0;
      while (written < buffer.byteLength) {
        written += (await handle.write(buffer, written, buffer.byteLength - written, position + written)).bytesWritten;
      }
      places.set(item.id, { position, bytes: buffer.byteLength - 1 });
    },
    has: (id) => places.has(id),
    async get(id) {
      const place = places.get(id);
      if (place === undefined) return undefined;
      const buffer = Buffer.alloc(place.bytes);
      let read = 0;
      while (read < place.bytes) {
        const { bytesRead } = await handle.read(buffer, read, place.bytes - read, place.position + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return JSON.parse(buffer.toString('utf8')) as BatchItem;
    },
    delete(id) {
      places.delete(id);
    },
    get size() {
      return places.size;
    },
    close() {
      closed ??= handle
        .close()
        .catch(() => undefined)
        .then(() => rm(folder, { recursive: true, force: true }))
        .catch(() => undefined);
      return closed;
    },
  };
}
