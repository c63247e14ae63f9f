/**
 * A compact map from ids to small numbers (0–255) for runs of any size: it keeps a 63-bit hash of each id (8 bytes
 * in a typed array, open addressing) instead of the id itself, about ten times less memory than a `Map` of strings.
 * Two ids with the same hash are taken as the same id; among a million ids the chance of that is about 1 in 20 million.
 * @internal
 */
export interface IdTable {
  /** The value stored for an id, or `undefined`. */
  get(id: string): number | undefined;
  /** Stores a value (0–255) for an id, replacing the previous one. */
  set(id: string, value: number): void;
  readonly size: number;
}

const INITIAL_CAPACITY = 1024;

/** @internal */
export function createIdTable(): IdTable {
  let capacity = INITIAL_CAPACITY;
  // Two 32-bit halves per slot; the second half is never 0 in a used slot, so 0 marks an empty one.
  let hashes = new Uint32Array(capacity * 2);
  let values = new Uint8Array(capacity);
  let size = 0;

  /** The slot holding the hash, or the empty slot where it belongs. */
  function find(low: number, high: number): number {
    const mask = capacity - 1;
    let slot = low & mask;
    for (;;) {
      const storedHigh = hashes[slot * 2 + 1];
      if (storedHigh === 0 || (storedHigh === high && hashes[slot * 2] === low)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  function grow(): void {
    const oldHashes = hashes;
    const oldValues = values;
    capacity *= 2;
    hashes = new Uint32Array(capacity * 2);
    values = new Uint8Array(capacity);
    for (let slot = 0; slot < oldValues.length; slot += 1) {
      const high = oldHashes[slot * 2 + 1] ?? 0;
      if (high === 0) continue;
      const low = oldHashes[slot * 2] ?? 0;
      const target = find(low, high);
      hashes[target * 2] = low;
      hashes[target * 2 + 1] = high;
      values[target] = oldValues[slot] ?? 0;
    }
  }

  return {
    get(id) {
      const [low, high] = hashId(id);
      const slot = find(low, high);
      return hashes[slot * 2 + 1] === 0 ? undefined : values[slot];
    },
    set(id, value) {
      const [low, high] = hashId(id);
      let slot = find(low, high);
      if (hashes[slot * 2 + 1] === 0) {
        if ((size + 1) * 2 > capacity) {
          grow();
          slot = find(low, high);
        }
        hashes[slot * 2] = low;
        hashes[slot * 2 + 1] = high;
        size += 1;
      }
      values[slot] = value;
    },
    get size() {
      return size;
    },
  };
}

/** Two independent 32-bit hashes of the UTF-16 code units (FNV-1a and a Murmur-style mix, both finalized). */
function hashId(id: string): [number, number] {
  let first = 0x811c9dc5;
  let second = 0x9747b28c ^ id.length;
  for (let position = 0; position < id.length; position += 1) {
    const unit = id.charCodeAt(position);
    first = Math.imul(first ^ unit, 0x01000193);
    second = Math.imul(second ^ unit, 0x5bd1e995);
    second ^= second >>> 15;
  }
  return [finalize(first), (finalize(second) | 1) >>> 0];
}

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function finalize(hash: number): number {
  let mixed = hash ^ (hash >>> 16);
  mixed = Math.imul(mixed, 0x85ebca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}
