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
}

/** A SID's first four bytes as a number: the index key (SIDs are public keys, so
 * these are as good as random; collisions are resolved by comparing bytes). */
function sidKey(sid: Sid): number {
  return ((sid[0] << 24) | (sid[1] << 16) | (sid[2] << 8) | sid[3]) >>> 0;
}

export class Subscribers implements AddressBook {
  private readonly byHex = new Map<string, Subscriber>();
  /** The same records by sidKey: the per-frame lookups build no hex strings. */
  private readonly byKey = new Map<number, Subscriber | Subscriber[]>();
  /** Monotonic counter used as recency (the node passes no clock here). */
  private clock = 0;
  /** Called when a SID is about to be forgotten; return false to keep it. */
  canForget: (s: Subscriber) => boolean = () => true;

  constructor(private readonly deriveSid: (signKey: Uint8Array) => Sid | undefined) {}

  get size(): number {
    return this.byHex.size;
  }

  get(sid: Sid): Subscriber | undefined {
    // (no length test: a typed array's length is a getter call, and a SID of
    // another length never matches: bytesEqual compares lengths)
    const e = this.byKey.get(sidKey(sid));
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return bytesEqual(e.sid, sid) ? e : undefined;
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
      if (this.byHex.size >= SUBSCRIBERS_MAX) this.evict();
      const copy = sid.slice(0, 32);
      s = { sid: copy, hex: toHex(copy), signKey: undefined, local, lastUsed: 0, explainedAt: LONG_AGO, keyRequestAt: LONG_AGO };
      this.byHex.set(s.hex, s);
      this.index(s);
    }
    if (local) s.local = true;
    s.lastUsed = ++this.clock;
    return s;
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
    let found: Subscriber | undefined;
    for (const s of this.byHex.values()) {
      let match = true;
      for (let i = 0; i < prefix.length; i++) {
        if (s.sid[i] !== prefix[i]) { match = false; break; }
      }
      if (!match) continue;
      if (found) return "ambiguous";
      found = s;
    }
    if (found) found.lastUsed = ++this.clock;
    return found?.sid;
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
    for (const s of this.byHex.values()) {
      let match = true;
      for (let i = 0; i < prefix.length; i++) {
        if (s.sid[i] !== prefix[i]) { match = false; break; }
      }
      if (match) {
        out.push(s);
        if (out.length >= max) break;
      }
    }
    return out;
  }

  private evict(): void {
    let victim: Subscriber | undefined;
    for (const s of this.byHex.values()) {
      if (s.local || !this.canForget(s)) continue;
      if (!victim || s.lastUsed < victim.lastUsed) victim = s;
    }
    if (!victim) return;
    this.byHex.delete(victim.hex);
    const k = sidKey(victim.sid);
    const e = this.byKey.get(k);
    if (e === victim) this.byKey.delete(k);
    else if (Array.isArray(e)) {
      const rest = e.filter((x) => x !== victim);
      this.byKey.set(k, rest.length === 1 ? rest[0] : rest);
    }
  }

  private index(s: Subscriber): void {
    const k = sidKey(s.sid);
    const e = this.byKey.get(k);
    if (e === undefined) this.byKey.set(k, s);
    else if (Array.isArray(e)) e.push(s);
    else this.byKey.set(k, [e, s]);
  }
}
