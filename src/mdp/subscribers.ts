// The address book: every SID we have heard of, with its signing key once
// learnt. Implements the wire layer's AddressBook so the codecs can resolve
// abbreviations (PROTOCOL.md 3.1: a prefix resolves only if exactly one SID matches).
import type { AddressBook, Sid } from "../wire/types";
import { LONG_AGO, SUBSCRIBERS_MAX } from "./constants";
import { bytesEqual, toHex } from "../wire/bytes";

export interface Subscriber {
  sid: Sid;
  hex: string;
  /** Ed25519 public key, once learnt and checked against the SID. */
  signKey: Uint8Array | undefined;
  /** One of our own identities. */
  local: boolean;
  lastUsed: number;
  /** Rate limits (ms timestamps). */
  explainedAt: number;
  keyRequestAt: number;
  /** Bytes of the SID that tell it apart from every other SID we know, as Serval
   * DNA abbreviates (overlay_address.c: tree_depth / 8 + 1, its trie depth in
   * whole nibbles): at least 4 bits more than needed. Only grows. */
  abbrev: number;
}

/** Slots of Subscribers.prefixCache (direct-mapped: a new prefix takes its slot over). */
const PREFIX_CACHE_SLOTS = 1024;
/** Buckets of Subscribers.byKey (a power of two; twice SUBSCRIBERS_MAX: a bucket
 * holds a list only when SIDs collide there, and is then searched by bytes). */
const BUCKETS = 2048;

// (Arrays indexed by int32, not Maps keyed by numbers: quickjs-ng hashes a number
// key as a float64 and compares keys as float64s, four soft-float calls per
// look-up on a router without an FPU, several look-ups per packet.)

/** A prefix of 1..3 bytes as a number unique to its bytes and length (-1: longer);
 * an int32 (below 2^27), so no float64 arithmetic or float-key hashing per packet. */
function prefixKey(p: Uint8Array): number {
  const n = p.length;
  if (n > 3) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + p[i];
  return v * 8 + n;
}

/** prefixCache's slot for a prefixKey (below 2^27: its length in the low 3 bits, the bytes above). */
function prefixSlot(key: number): number {
  return (key ^ (key >> 10) ^ (key >> 20)) & (PREFIX_CACHE_SLOTS - 1);
}

/** A SID's first four bytes as an int32: the index key (SIDs are public keys, so
 * these are as good as random; collisions are resolved by comparing bytes). Not
 * >>> 0: half of all SIDs would make a float64 key, hashed in soft-float per
 * lookup on an FPU-less router. */
function sidKey(sid: Sid): number {
  return (sid[0] << 24) | (sid[1] << 16) | (sid[2] << 8) | sid[3];
}

export class Subscribers implements AddressBook {
  private readonly byHex = new Map<string, Subscriber>();
  /** The same records by sidKey: the per-frame lookups build no hex strings. */
  private readonly byKey: (Subscriber | Subscriber[] | undefined)[] = new Array<Subscriber | Subscriber[] | undefined>(BUCKETS).fill(undefined);
  /** The same records in ascending SID order: a prefix resolves by binary search,
   * and a SID's abbreviation length depends only on its two neighbours here. */
  private readonly sorted: Subscriber[] = [];
  /** lookupPrefix answers for prefixes of up to 3 bytes (abbreviated addresses are
   * decoded on every packet: one Map look-up instead of a binary search), by
   * prefixKey in the slot prefixSlot(key) (prefixCacheKey -1: empty); emptied whenever `sorted` changes. */
  private readonly prefixCacheKey = new Int32Array(PREFIX_CACHE_SLOTS).fill(-1);
  private readonly prefixCache: (Subscriber | "ambiguous" | undefined)[] = new Array<Subscriber | "ambiguous" | undefined>(PREFIX_CACHE_SLOTS).fill(undefined);
  /** Bumped whenever the set of SIDs changes (so may what a prefix resolves to). */
  generation = 0;
  /** Bumped whenever a neighbour names a SID it had not named before (noteNamed:
   * an abbreviator may then shorten a SID it wrote in full). */
  namedGen = 0;
  /** Monotonic counter used as recency (the node passes no clock here). */
  private clock = 0;
  /** Called when a SID is about to be forgotten; return false to keep it. */
  canForget: (s: Subscriber) => boolean = () => true;

  /** `max`: how many SIDs we keep (the least recently used other than our own and
   * those in use go first: see canForget). `counts`: the cap at work, SIDs
   * forgotten to make room and new SIDs not kept (every SID in use: the caller
   * gets a record that is not stored). */
  constructor(
    private readonly deriveSid: (signKey: Uint8Array) => Sid | undefined, private readonly max = SUBSCRIBERS_MAX,
    readonly counts = { subscribersEvicted: 0, subscribersRefused: 0 },
  ) {}

  get size(): number {
    return this.byHex.size;
  }

  get(sid: Sid): Subscriber | undefined {
    // (no length test: a typed array's length is a getter call, and a SID of
    // another length never matches: bytesEqual compares lengths)
    const e = this.byKey[sidKey(sid) & (BUCKETS - 1)];
    if (e === undefined) return undefined;
    // (decoded addresses are mostly our own record's sid, from lookupPrefix: no compare)
    if (!Array.isArray(e)) return e.sid === sid || bytesEqual(e.sid, sid) ? e : undefined;
    for (const x of e) if (bytesEqual(x.sid, sid)) return x;
    return undefined;
  }

  getHex(hex: string): Subscriber | undefined {
    return this.byHex.get(hex);
  }

  all(): IterableIterator<Subscriber> {
    return this.byHex.values();
  }

  /** Find or create the record for a SID (copied: callers may pass views of packet buffers). */
  add(sid: Sid, local = false): Subscriber {
    let s = this.get(sid);
    if (!s) {
      const full = this.byHex.size >= this.max && !this.evict() && !local;
      const copy = sid.slice(0, 32);
      s = { sid: copy, hex: toHex(copy), signKey: undefined, local, lastUsed: 0, explainedAt: LONG_AGO, keyRequestAt: LONG_AGO, abbrev: 32 };
      if (full) {
        this.counts.subscribersRefused++;
        return s; // not stored, never abbreviated
      }
      s.abbrev = 1;
      this.byHex.set(s.hex, s);
      this.index(s);
    }
    if (local) s.local = true;
    s.lastUsed = ++this.clock;
    return s;
  }

  /** A record found by get() was used (what add() does to a known SID). */
  touch(s: Subscriber): Subscriber {
    s.lastUsed = ++this.clock;
    return s;
  }

  /** touch(s) `times` times over (its SID looked up that many times in a row). */
  touchTimes(s: Subscriber, times: number): void {
    this.clock += times;
    s.lastUsed = this.clock;
  }

  /** Record a signing key for a SID if it has none yet; false if it does not derive to the SID. */
  setSignKey(sid: Sid, signKey: Uint8Array): boolean {
    const derived = this.deriveSid(signKey);
    if (!derived || !bytesEqual(derived, sid)) return false;
    const s = this.add(sid);
    if (!s.signKey) s.signKey = signKey.slice(0, 32);
    return true;
  }

  // ---- AddressBook ----

  lookupPrefix(prefix: Uint8Array): Sid | "ambiguous" | undefined {
    const key = prefixKey(prefix);
    let found: Subscriber | "ambiguous" | undefined;
    if (key < 0) found = this.searchPrefix(prefix);
    else {
      const slot = prefixSlot(key);
      if (this.prefixCacheKey[slot] === key) found = this.prefixCache[slot];
      else {
        found = this.searchPrefix(prefix);
        this.prefixCacheKey[slot] = key;
        this.prefixCache[slot] = found;
      }
    }
    if (found === undefined || found === "ambiguous") return found;
    found.lastUsed = ++this.clock;
    return found.sid;
  }

  private searchPrefix(prefix: Uint8Array): Subscriber | "ambiguous" | undefined {
    const i = this.lowerBound(prefix);
    const found = this.sorted[i];
    if (found === undefined || !startsWith(found.sid, prefix)) return undefined;
    const next = this.sorted[i + 1];
    if (next !== undefined && startsWith(next.sid, prefix)) return "ambiguous";
    return found;
  }

  learnSid(sid: Sid): void {
    this.add(sid);
  }

  learnSignKey(sid: Sid, signKey: Uint8Array): void {
    const s = this.add(sid);
    if (!s.signKey) s.signKey = signKey.slice(0, 32);
  }

  sidFromSignKey(signKey: Uint8Array): Sid | undefined {
    return this.deriveSid(signKey);
  }

  /** All known SIDs starting with `prefix` (for please-explain answers). */
  matching(prefix: Uint8Array, max: number): Subscriber[] {
    const out: Subscriber[] = [];
    for (let i = this.lowerBound(prefix); i < this.sorted.length && out.length < max; i++) {
      const s = this.sorted[i];
      if (!startsWith(s.sid, prefix)) break;
      out.push(s);
    }
    return out;
  }

  /** Index of the first SID not below `prefix` (compared over the prefix's length). */
  private lowerBound(prefix: Uint8Array): number {
    let lo = 0, hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (comparePrefix(this.sorted[mid].sid, prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private evict(): boolean {
    let victim: Subscriber | undefined;
    for (const s of this.byHex.values()) {
      if (s.local || !this.canForget(s)) continue;
      if (!victim || s.lastUsed < victim.lastUsed) victim = s;
    }
    if (!victim) return false;
    this.counts.subscribersEvicted++;
    this.byHex.delete(victim.hex);
    const at = this.lowerBound(victim.sid);
    if (this.sorted[at] === victim) this.sorted.splice(at, 1);
    this.clearPrefixCache();
    this.generation++;
    const k = sidKey(victim.sid) & (BUCKETS - 1);
    const e = this.byKey[k];
    if (e === victim) this.byKey[k] = undefined;
    else if (Array.isArray(e)) {
      const rest = e.filter((x) => x !== victim);
      this.byKey[k] = rest.length === 1 ? rest[0] : rest;
    }
    return true;
  }

  private index(s: Subscriber): void {
    const at = this.lowerBound(s.sid);
    this.sorted.splice(at, 0, s);
    this.clearPrefixCache();
    this.generation++;
    // The longest prefix s shares with any other SID is shared with one next to it.
    const prev = this.sorted[at - 1], next = this.sorted[at + 1];
    if (prev) abbreviateApart(prev, s);
    if (next) abbreviateApart(s, next);
    const k = sidKey(s.sid) & (BUCKETS - 1);
    const e = this.byKey[k];
    if (e === undefined) this.byKey[k] = s;
    else if (Array.isArray(e)) e.push(s);
    else this.byKey[k] = [e, s];
  }

  private clearPrefixCache(): void {
    this.prefixCacheKey.fill(-1);
    this.prefixCache.fill(undefined);
  }
}

function startsWith(sid: Sid, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (sid[i] !== prefix[i]) return false;
  return true;
}

/** sid's first prefix.length bytes against prefix: <0, 0 or >0. */
function comparePrefix(sid: Sid, prefix: Uint8Array): number {
  for (let i = 0; i < prefix.length; i++) {
    const d = sid[i] - prefix[i];
    if (d !== 0) return d;
  }
  return 0;
}

/** Two SIDs now known side by side: each needs its abbreviation to go past the
 * nibbles they share (Serval DNA: its trie depth d nibbles, d / 2 + 1 bytes). */
function abbreviateApart(a: Subscriber, b: Subscriber): void {
  let nibbles = 0;
  for (let i = 0; i < 32; i++) {
    const x = a.sid[i] ^ b.sid[i];
    if (x === 0) { nibbles += 2; continue; }
    if (x < 16) nibbles++;
    break;
  }
  const len = Math.min(32, ((nibbles + 1) >> 1) + 1);
  if (len > a.abbrev) a.abbrev = len;
  if (len > b.abbrev) b.abbrev = len;
}
