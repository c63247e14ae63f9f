/**
 * The id table of a run: which ids the run has seen (duplicate check) and which a resumed results file holds. It
 * keeps a 64-bit hash of each id, never the id: in memory up to {@link MEMORY_IDS} ids, then in a temporary file,
 * so a run's memory does not grow with its item count. See `docs/running-at-scale.md` (What grows with the run).
 * @module
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A map from ids to small numbers (0–255) for runs of any size. Two ids with the same 63-bit hash are taken as the
 * same id; among a million ids the chance of that is about 1 in 20 million.
 */
export interface IdTable {
  /** The value stored for an id, or `undefined`. */
  get(id: string): number | undefined;
  /** Stores a value (0–255) for an id, replacing the previous one. */
  set(id: string, value: number): void;
  readonly size: number;
  /** Closes and removes the table's file, if it has one. The table is empty and usable again afterwards. */
  close(): void;
}

/**
 * Ids kept in memory (about 1.5 MB of typed arrays at most) before the table moves to a file: a 100,000-item run
 * never touches the disk, and a bigger one stays at that footprint.
 */
export const MEMORY_IDS = 131_072;

/** Options of {@link createIdTable}, for tests. */
export interface IdTableOptions {
  /** @defaultValue {@link MEMORY_IDS} */
  memoryIds?: number;
  /** Where the file is made (it is unlinked at once where the system allows it). @defaultValue `os.tmpdir()` */
  directory?: string;
}

/** The storage of a table: the memory tier and the file tier offer the same operations on hashes. */
interface HashStore {
  /** The value of a hash, or -1. */
  find(low: number, high: number): number;
  /** Stores a value for a hash; true when the hash is new. */
  put(low: number, high: number, value: number): boolean;
  close(): void;
}

/** The memory tier, which can also hand its hashes over to the file tier. */
interface MemoryStore extends HashStore {
  /** Calls `visit` with every stored hash and value. */
  forEach(visit: (low: number, high: number, value: number) => void): void;
}

/** An id table: memory first, a file once it holds more than `memoryIds` ids. */
export function createIdTable(options: IdTableOptions = {}): IdTable {
  const memoryIds = options.memoryIds ?? MEMORY_IDS;
  /** The memory tier while the table is in memory; `undefined` once it moved to a file. */
  let memory: MemoryStore | undefined = createMemoryStore();
  let store: HashStore = memory;
  let size = 0;
  return {
    get(id) {
      hashId(id);
      const value = store.find(hashLow, hashHigh);
      return value === -1 ? undefined : value;
    },
    set(id, value) {
      hashId(id);
      const low = hashLow;
      const high = hashHigh;
      if (memory !== undefined && size >= memoryIds && memory.find(low, high) === -1) {
        const file = createFileStore(options.directory ?? tmpdir());
        memory.forEach((storedLow, storedHigh, storedValue) => {
          file.put(storedLow, storedHigh, storedValue);
        });
        memory.close();
        memory = undefined;
        store = file;
      }
      if (store.put(low, high, value)) size += 1;
    },
    get size() {
      return size;
    },
    close() {
      store.close();
      memory = createMemoryStore();
      store = memory;
      size = 0;
    },
  };
}

const INITIAL_CAPACITY = 1024;
/** Filled up to 80% and grown by half (9 bytes a slot): linear probing stays short at this load. */
const MAX_LOAD = 0.8;
const GROWTH = 1.5;

/** Hashes in flat typed arrays with open addressing: two 32-bit halves and a value byte per slot. */
function createMemoryStore(): MemoryStore {
  let capacity = INITIAL_CAPACITY;
  // The second half of a hash is never 0 (see hashId), so 0 marks an empty slot.
  let hashes = new Uint32Array(capacity * 2);
  let values = new Uint8Array(capacity);
  let size = 0;

  /** The slot holding the hash, or the empty slot where it belongs. */
  function slotOf(low: number, high: number): number {
    // The hash's share of the capacity (exact: low < 2^32 and the capacity < 2^21, under 2^53).
    let slot = Math.floor((low * capacity) / 4_294_967_296);
    for (;;) {
      const storedHigh = hashes[slot * 2 + 1];
      if (storedHigh === 0 || (storedHigh === high && hashes[slot * 2] === low)) return slot;
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  function forEach(visit: (low: number, high: number, value: number) => void): void {
    for (let slot = 0; slot < capacity; slot += 1) {
      const high = hashes[slot * 2 + 1] ?? 0;
      if (high !== 0) visit(hashes[slot * 2] ?? 0, high, values[slot] ?? 0);
    }
  }

  function put(low: number, high: number, value: number): boolean {
    let slot = slotOf(low, high);
    const added = hashes[slot * 2 + 1] === 0;
    if (added) {
      if (size + 1 > capacity * MAX_LOAD) {
        const oldHashes = hashes;
        const oldValues = values;
        capacity = Math.ceil(capacity * GROWTH);
        hashes = new Uint32Array(capacity * 2);
        values = new Uint8Array(capacity);
        for (let index = 0; index < oldValues.length; index += 1) {
          const oldHigh = oldHashes[index * 2 + 1] ?? 0;
          if (oldHigh !== 0) place(oldHashes[index * 2] ?? 0, oldHigh, oldValues[index] ?? 0);
        }
        slot = slotOf(low, high);
      }
      size += 1;
    }
    hashes[slot * 2] = low;
    hashes[slot * 2 + 1] = high;
    values[slot] = value;
    return added;
  }

  /** Stores a hash known to be absent (growth). */
  function place(low: number, high: number, value: number): void {
    const slot = slotOf(low, high);
    hashes[slot * 2] = low;
    hashes[slot * 2 + 1] = high;
    values[slot] = value;
  }

  return {
    find(low, high) {
      const slot = slotOf(low, high);
      return hashes[slot * 2 + 1] === 0 ? -1 : (values[slot] ?? 0);
    },
    put,
    forEach,
    close() {
      hashes = new Uint32Array(0);
      values = new Uint8Array(0);
      capacity = 0;
    },
  };
}

/** Slots per bucket of the file: a bucket is one read of 1.5 KB. */
const SLOTS = 128;
/** Bytes a slot: the two halves of the hash and the value, each a 32-bit word. */
const SLOT_BYTES = 12;
const BUCKET_BYTES = SLOTS * SLOT_BYTES;
/** Buckets of a new file: room for 262,144 ids before the first split. */
const INITIAL_BUCKETS = 4096;
/**
 * Buckets are kept half full on average, so one overflows (more than 128 hashes where 64 are expected) only for
 * inputs crafted to collide; those hashes go to a small map in memory.
 */
const FILE_LOAD = 0.5;

/**
 * Hashes in a file of buckets, picked by the low bits of the hash. Every lookup reads one bucket with one
 * synchronous read (the file stays in the system's page cache, outside the process's memory); an insert writes
 * one slot. When the file is half full, every bucket splits in two, in one pass, a bucket at a time.
 */
function createFileStore(directory: string): HashStore {
  const folder = mkdtempSync(join(directory, 'qwen-tasks-ids-'));
  const path = join(folder, 'ids');
  const fd = openSync(path, 'w+');
  let removed = false;
  try {
    unlinkSync(path);
    rmSync(folder, { recursive: true, force: true });
    removed = true;
  } catch {
    // Windows keeps an open file: it is removed at close.
  }
  let buckets = INITIAL_BUCKETS;
  let size = 0;
  const overflow = new Map<string, number>();
  const bucket = Buffer.alloc(BUCKET_BYTES);
  /** The loaded bucket as words, three a slot (the file is private and short-lived: native byte order). */
  const words = new Uint32Array(bucket.buffer, bucket.byteOffset, SLOTS * 3);
  /** The bucket in `bucket`, or -1 (reads are cached until the next write). */
  let loaded = -1;
  let closed = false;

  function load(index: number): void {
    if (loaded === index) return;
    const read = readSync(fd, bucket, 0, BUCKET_BYTES, index * BUCKET_BYTES);
    // A bucket past the end of the file, or its unwritten tail, is empty.
    bucket.fill(0, read);
    loaded = index;
  }

  /** The slot holding the hash, or the first empty slot (SLOTS when the bucket is full), of the loaded bucket. */
  function slotIn(low: number, high: number): number {
    for (let slot = 0; slot < SLOTS; slot += 1) {
      const storedHigh = words[slot * 3 + 1];
      if (storedHigh === 0 || (storedHigh === high && words[slot * 3] === low)) return slot;
    }
    return SLOTS;
  }

  function writeSlot(index: number, slot: number, low: number, high: number, value: number): void {
    words[slot * 3] = low;
    words[slot * 3 + 1] = high;
    words[slot * 3 + 2] = value;
    const offset = slot * SLOT_BYTES;
    writeSync(fd, bucket, offset, SLOT_BYTES, index * BUCKET_BYTES + offset);
  }

  /** Doubles the buckets: bucket i keeps the hashes whose new bit is 0 and gives the rest to bucket i + buckets. */
  function split(): void {
    const upper = Buffer.alloc(BUCKET_BYTES);
    for (let index = 0; index < buckets; index += 1) {
      load(index);
      upper.fill(0);
      let kept = 0;
      let moved = 0;
      for (let slot = 0; slot < SLOTS; slot += 1) {
        if (words[slot * 3 + 1] === 0) break;
        const offset = slot * SLOT_BYTES;
        const stays = ((words[slot * 3] ?? 0) & buckets) === 0;
        const target = stays ? bucket : upper;
        const targetSlot = stays ? kept++ : moved++;
        if (!stays || targetSlot !== slot) bucket.copy(target, targetSlot * SLOT_BYTES, offset, offset + SLOT_BYTES);
      }
      bucket.fill(0, kept * SLOT_BYTES);
      writeSync(fd, bucket, 0, BUCKET_BYTES, index * BUCKET_BYTES);
      writeSync(fd, upper, 0, BUCKET_BYTES, (index + buckets) * BUCKET_BYTES);
    }
    buckets *= 2;
    loaded = -1;
  }

  const bucketOf = (low: number): number => low & (buckets - 1);
  const overflowKey = (low: number, high: number): string => `${low}:${high}`;

  return {
    find(low, high) {
      if (closed) return -1;
      const index = bucketOf(low);
      load(index);
      const slot = slotIn(low, high);
      if (slot < SLOTS && words[slot * 3 + 1] !== 0) return words[slot * 3 + 2] ?? 0;
      return overflow.size === 0 ? -1 : (overflow.get(overflowKey(low, high)) ?? -1);
    },
    put(low, high, value) {
      let index = bucketOf(low);
      load(index);
      let slot = slotIn(low, high);
      const added = slot === SLOTS || words[slot * 3 + 1] === 0;
      const inOverflow = overflow.size > 0 && overflow.has(overflowKey(low, high));
      if (added && !inOverflow && size + 1 > buckets * SLOTS * FILE_LOAD) {
        split();
        index = bucketOf(low);
        load(index);
        slot = slotIn(low, high);
      }
      if (slot === SLOTS || inOverflow) {
        const key = overflowKey(low, high);
        const isNew = !overflow.has(key);
        overflow.set(key, value);
        if (isNew) size += 1;
        return isNew;
      }
      writeSlot(index, slot, low, high, value);
      if (added) size += 1;
      return added;
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
      if (!removed) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** The two halves of the last {@link hashId}: kept in variables, so hashing an id allocates nothing. */
let hashLow = 0;
let hashHigh = 0;

/**
 * Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a Murmur-style mix, both finalized), left in
 * `hashLow` and `hashHigh`: a run hashes every id twice, and a pair returned each time would be garbage to collect.
 */
function hashId(id: string): void {
  let first = 0x811c9dc5;
  let second = 0x9747b28c ^ id.length;
  for (let position = 0; position < id.length; position += 1) {
    const unit = id.charCodeAt(position);
    first = Math.imul(first ^ unit, 0x01000193);
    second = Math.imul(second ^ unit, 0x5bd1e995);
    second ^= second >>> 15;
  }
  // The second half is odd, so never 0: both tiers take 0 for an empty slot.
  hashLow = finalize(first);
  hashHigh = (finalize(second) | 1) >>> 0;
}

/** The hash of an id as a pair, for tests (the table itself reads `hashLow` and `hashHigh`). */
export function hashOf(id: string): [number, number] {
  hashId(id);
  return [hashLow, hashHigh];
}

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function finalize(hash: number): number {
  let mixed = hash ^ (hash >>> 16);
  mixed = Math.imul(mixed, 0x85ebca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}
