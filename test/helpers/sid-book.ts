// A simple in-memory AddressBook for tests (the MDP core has its own, in
// src/mdp/subscribers.ts): the SIDs (and signing keys) a node has heard of.
// Prefix lookup is a linear scan, fine for the tens of SIDs a test uses. It
// copies every SID and key it learns, because decoders hand it views into
// receive buffers.
//
// API:
//   new SidBook(sidFromSignKey?: (key) => Sid | undefined)
//   .lookupPrefix(prefix) .learnSid(sid) .learnSignKey(sid, key) .sidFromSignKey(key)   (AddressBook)
//   .has(sid): boolean   .signKeyOf(sid): Uint8Array | undefined   .size   .sids(): Sid[]

import type { AddressBook, Sid } from "../../src/wire/types";
import { bytesEqual, toHex } from "../../src/wire/bytes";

interface Entry {
  sid: Sid;
  signKey: Uint8Array | undefined;
}

export class SidBook implements AddressBook {
  private readonly byHex = new Map<string, Entry>();
  private readonly entries: Entry[] = [];
  private readonly derive: ((signKey: Uint8Array) => Sid | undefined) | undefined;

  constructor(sidFromSignKey?: (signKey: Uint8Array) => Sid | undefined) {
    this.derive = sidFromSignKey;
  }

  get size(): number {
    return this.entries.length;
  }

  private entry(sid: Sid): Entry {
    const hex = toHex(sid);
    let e = this.byHex.get(hex);
    if (!e) {
      e = { sid: sid.slice(), signKey: undefined };
      this.byHex.set(hex, e);
      this.entries.push(e);
    }
    return e;
  }

  lookupPrefix(prefix: Uint8Array): Sid | "ambiguous" | undefined {
    // Indexed loops: for-of iterators are slow in QuickJS, and this runs per address.
    let found: Sid | undefined;
    const n = prefix.length;
    const entries = this.entries;
    for (let k = 0; k < entries.length; k++) {
      const sid = entries[k].sid;
      let i = 0;
      while (i < n && sid[i] === prefix[i]) i++;
      if (i < n) continue;
      if (found) return "ambiguous";
      found = sid;
    }
    return found;
  }

  learnSid(sid: Sid): void {
    if (sid.length === 32) this.entry(sid);
  }

  learnSignKey(sid: Sid, signKey: Uint8Array): void {
    if (sid.length !== 32 || signKey.length !== 32) return;
    const e = this.entry(sid);
    if (!e.signKey) e.signKey = signKey.slice();
  }

  sidFromSignKey(signKey: Uint8Array): Sid | undefined {
    for (const e of this.entries) if (e.signKey && bytesEqual(e.signKey, signKey)) return e.sid;
    return this.derive ? this.derive(signKey) : undefined;
  }

  has(sid: Sid): boolean {
    return this.byHex.has(toHex(sid));
  }

  signKeyOf(sid: Sid): Uint8Array | undefined {
    return this.byHex.get(toHex(sid))?.signKey;
  }

  sids(): Sid[] {
    return this.entries.map((e) => e.sid);
  }
}
