// Bounded LRU cache of crypto_box shared keys (PROTOCOL.md 5.2: "cached per pair").
// It is consulted once per ciphered frame, so a lookup must cost far less than
// the box itself: entries are keyed by a 48-bit number mixed from the first
// bytes of both keys (no hex strings), and a hit is confirmed by comparing the
// full keys. A Map keeps insertion order, so re-inserting on a hit makes the
// first entry the least recently used one.
import { bytesEqual } from "../wire/bytes";

export const DEFAULT_SHARED_KEY_CACHE_SIZE = 256;

interface Entry {
  peer: Uint8Array; // copy: callers pass views into receive buffers
  mine: Uint8Array; // copy of my box secret
  mineRef: Uint8Array; // the object last passed, for a fast identity check
  key: Uint8Array;
}

/** 48 bits of (peer XOR mine) prefix: exact in a double, cheap to compute. */
function slotOf(peer: Uint8Array, mine: Uint8Array): number {
  const hi = (((peer[0] ^ mine[0]) * 256 + (peer[1] ^ mine[1])) * 256 + (peer[2] ^ mine[2])) * 16777216;
  return hi + (((peer[3] ^ mine[3]) << 16) | ((peer[4] ^ mine[4]) << 8) | (peer[5] ^ mine[5]));
}

export class SharedKeyCache {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly capacity: number = DEFAULT_SHARED_KEY_CACHE_SIZE) {
    if (capacity < 1) throw new RangeError("SharedKeyCache capacity must be >= 1");
  }

  /** The most recently used entry (a tunnel's frames both ways use one pair: its
   * hit costs one key compare, not a 48-bit slot in float64 and three Map
   * operations on it, each hashing a float64 key: soft-float calls on an
   * FPU-less router). Already last in the Map's order. */
  private last: Entry | undefined;

  /** The cached key for (peer public key, my secret key), marking it most recently used. */
  get(peer: Uint8Array, mine: Uint8Array): Uint8Array | undefined {
    const m = this.last;
    if (m !== undefined && m.mineRef === mine && bytesEqual(m.peer, peer)) return m.key;
    const slot = slotOf(peer, mine);
    const e = this.entries.get(slot);
    if (e === undefined || !bytesEqual(e.peer, peer)) return undefined;
    if (e.mineRef !== mine) {
      if (!bytesEqual(e.mine, mine)) return undefined;
      e.mineRef = mine;
    }
    this.entries.delete(slot);
    this.entries.set(slot, e);
    this.last = e;
    return e.key;
  }

  /** Store a key, replacing a colliding pair and evicting the least recently used one when full. */
  set(peer: Uint8Array, mine: Uint8Array, key: Uint8Array): void {
    const slot = slotOf(peer, mine);
    this.entries.delete(slot);
    const e: Entry = { peer: peer.slice(), mine: mine.slice(), mineRef: mine, key };
    this.entries.set(slot, e);
    this.last = e;
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.last = undefined;
    this.entries.clear();
  }
}
