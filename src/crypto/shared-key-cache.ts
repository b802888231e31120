// Bounded LRU cache of crypto_box shared keys (spec 5.2: "cached per pair").
// A Map keeps insertion order, so re-inserting on a hit makes the first key
// the least recently used one.

export const DEFAULT_SHARED_KEY_CACHE_SIZE = 256;

export class SharedKeyCache {
  private readonly entries = new Map<string, Uint8Array>();

  constructor(private readonly capacity: number = DEFAULT_SHARED_KEY_CACHE_SIZE) {
    if (capacity < 1) throw new RangeError("SharedKeyCache capacity must be >= 1");
  }

  /** Return the cached key for this pair, marking it most recently used. */
  get(pairKey: string): Uint8Array | undefined {
    const key = this.entries.get(pairKey);
    if (key !== undefined) {
      this.entries.delete(pairKey);
      this.entries.set(pairKey, key);
    }
    return key;
  }

  /** Store a key, evicting the least recently used one when full. */
  set(pairKey: string, key: Uint8Array): void {
    this.entries.delete(pairKey);
    this.entries.set(pairKey, key);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
