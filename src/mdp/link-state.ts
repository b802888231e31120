// Link-state records on MDP port 2 (PROTOCOL.md 6.3, 6.6): building our neighbour
// ACK records, packing records into <= 400-byte payloads, and applying a
// neighbour's records to its advertised tree. Which advert records go out
// when (changes, repeats, full adverts) is advert-records.ts.
import { LS_BROADCAST, LS_HAS_ACK, LS_HAS_DROP_RATE, LS_HAS_INTERFACE, LS_NO_PATH, LS_UNICAST, PORT_LINKSTATE, type LinkRecordRepr, type Sid } from "../wire/types";
import { ByteWriter, WireError, bytesEqual, toHex } from "../wire/bytes";
import { encodeLinkRecord, linkRecordLength } from "../wire/linkstate";
import { encodePorts, portsLength } from "../wire/mdp-ports";
import { ADDR_FULL, ADDR_SELF, SID_BYTES, newEncodeContext, type Abbreviate } from "../wire/address";
import type { LinkIn, Neighbour } from "./neighbours";
import { LINKSTATE_PAYLOAD_MAX, ROUTES_MAX, SERVAL_REACHABLE_TIMEOUT_MS } from "./constants";

/** Our ACK record for neighbour n: "I (self) hear you on your interface i" with the window of link L. */
export function ackRecord(self: Sid, n: Neighbour, link: LinkIn): LinkRecordRepr {
  // (newLinkRecord's fields in its order, filled in one literal: one per ACK record sent)
  const w = link.window;
  const acked = w.last >= 0;
  return {
    flags: link.unicast ? LS_UNICAST : LS_BROADCAST,
    receiver: self, // encodes as SELF (0xFF)
    version: 1, transmitter: n.sub.sid, interfaceIndex: link.theirIf,
    ackSeq: acked ? w.last : -1, ackMask: acked ? w.mask32 : 0, dropRate: -1,
  };
}

/**
 * An ACK mask from a neighbour with the bits for link sequences we never sent
 * on `dest` set: a fresh link is not lossy because its 15-packet history is
 * short (unicast links carry ~2 packets/s, so the history took 7 s to fill and
 * every route over it flapped as its "drop rate" fell from 12 to 0).
 */
export function ackMaskSinceStart(ackSeq: number, mask: number, dest: { seq: number; sent: number }): number {
  const before = dest.sent - ((dest.seq - ackSeq) & 0xff) - 1; // our packets before the ACKed one
  if (before >= 15) return mask;
  return (mask | (0x7fff & ~((1 << Math.max(0, before)) - 1))) >>> 0;
}

/** MDP plaintexts (ports 2->2 + records) of at most 400 bytes each; SIDs
 * abbreviated as `abbreviate` says (abbreviation.ts), else in full. */
export function packLinkState(w: ByteWriter, self: Sid, records: readonly LinkRecordRepr[], abbreviate?: Abbreviate): Uint8Array[] {
  if (records.length === 1 && records[0].receiver === self) return [ownRecordPayload(self, records[0], abbreviate)];
  const out: Uint8Array[] = [];
  const empty = portsLength(PORT_LINKSTATE, PORT_LINKSTATE);
  let i = 0;
  while (i < records.length) {
    w.reset();
    encodePorts(w, PORT_LINKSTATE, PORT_LINKSTATE);
    const ctx = newEncodeContext(self, { abbreviate });
    // (a payload's first record always fits: a record is at most RECORD_MAX
    // bytes, so its length is worked out only for the ones after it)
    if (i < records.length && RECORD_MAX <= LINKSTATE_PAYLOAD_MAX - empty) encodeLinkRecord(w, records[i++], ctx);
    while (i < records.length && w.pos + linkRecordLength(records[i], ctx) <= LINKSTATE_PAYLOAD_MAX) {
      encodeLinkRecord(w, records[i], ctx);
      i++;
    }
    if (w.pos <= empty) { i++; continue; } // a record that can never fit
    out.push(w.toBytes());
  }
  return out;
}

/** The ports header of a link-state payload (2 -> 2), encoded once. */
const LS_PORTS = ((): Uint8Array => {
  const w = new ByteWriter(8);
  encodePorts(w, PORT_LINKSTATE, PORT_LINKSTATE);
  return w.toBytes();
})();

/**
 * packLinkState's one payload for a single record whose receiver is `self`
 * (every ACK record: one per neighbour per tick, and each ACK sent alone),
 * written straight into its bytes: the same bytes as encodeLinkRecord in a
 * fresh context with sender `self` (the receiver SELF, so nothing written in
 * full before the transmitter), without a writer, context or address calls.
 */
function ownRecordPayload(self: Sid, rec: LinkRecordRepr, abbreviate: Abbreviate | undefined): Uint8Array {
  const t = rec.transmitter;
  let flags = rec.flags & ~(LS_HAS_INTERFACE | LS_NO_PATH | LS_HAS_ACK | LS_HAS_DROP_RATE);
  if (rec.interfaceIndex >= 0) flags |= LS_HAS_INTERFACE;
  if (!t) flags |= LS_NO_PATH;
  if (rec.ackSeq >= 0) flags |= LS_HAS_ACK;
  if (rec.dropRate >= 0) flags |= LS_HAS_DROP_RATE;
  // The transmitter's code, as address.ts chooseCode: SELF, an abbreviation, or in full.
  let q = 0;
  if (t) {
    if (t.length !== SID_BYTES) throw new WireError(`SID must be 32 bytes, got ${t.length}`);
    if (t === self || (t[0] === self[0] && bytesEqual(t, self))) q = ADDR_SELF;
    else {
      const a = abbreviate ? abbreviate(t, false, false) : 0;
      q = a > 0 && a < SID_BYTES ? a : ADDR_FULL;
    }
  }
  const tLen = !t ? 0 : q <= SID_BYTES ? 1 + q : 1;
  const len = 2 + 1 + 1 + tLen + (flags & LS_HAS_INTERFACE ? 1 : 0) + (flags & LS_HAS_ACK ? 5 : 0) + (flags & LS_HAS_DROP_RATE ? 1 : 0);
  const ports = LS_PORTS.length;
  const b = new Uint8Array(ports + len);
  b.set(LS_PORTS);
  let p = ports;
  b[p++] = len;
  b[p++] = flags;
  b[p++] = ADDR_SELF; // the receiver
  b[p++] = rec.version & 0xff;
  if (t) {
    b[p++] = q;
    if (q <= SID_BYTES) { b.set(q === SID_BYTES ? t : t.subarray(0, q), p); p += q; }
  }
  if (flags & LS_HAS_INTERFACE) b[p++] = rec.interfaceIndex;
  if (flags & LS_HAS_ACK) {
    b[p++] = rec.ackSeq & 0xff;
    const m = rec.ackMask >>> 0;
    b[p++] = m >>> 24;
    b[p++] = m >>> 16;
    b[p++] = m >>> 8;
    b[p++] = m;
  }
  if (flags & LS_HAS_DROP_RATE) b[p++] = rec.dropRate;
  return b;
}

/**
 * The last payload ownRecordPayload wrote for a destination, and what chose its
 * bytes: a neighbour's ACK records differ from one tick to the next only in
 * the ACK sequence and mask, which are patched into a copy (packOwnRecord).
 */
export interface OwnRecordMemo {
  bytes: Uint8Array | undefined;
  transmitter: Sid | undefined;
  flags: number;
  version: number;
  interfaceIndex: number;
  dropRate: number;
  hasAck: boolean;
  abbreviate: Abbreviate | undefined;
  /** The address book's generation and namedGen (what `abbreviate` answers). */
  gen: number;
  named: number;
}

export function newOwnRecordMemo(): OwnRecordMemo {
  return {
    bytes: undefined, transmitter: undefined, flags: -1, version: -1, interfaceIndex: -1, dropRate: -1, hasAck: false,
    abbreviate: undefined, gen: -1, named: -1,
  };
}

/** ownRecordPayload(self, rec, abbreviate), from `memo` when only the ACK
 * sequence and mask changed since (gen, named: the address book's generations). */
/** Would packOwnRecord answer from `m` (its bytes, the ACK patched in)? */
export function ownRecordMemoHolds(m: OwnRecordMemo, rec: LinkRecordRepr, abbreviate: Abbreviate | undefined, gen: number, named: number): boolean {
  return m.bytes !== undefined && m.transmitter === rec.transmitter && m.flags === rec.flags && m.version === rec.version &&
    m.interfaceIndex === rec.interfaceIndex && m.dropRate === rec.dropRate && m.hasAck === (rec.ackSeq >= 0) && m.abbreviate === abbreviate &&
    m.gen === gen && m.named === named;
}

/** Where the ACK sequence and mask are in an own-record payload `b` with an ACK
 * (they come last, before an optional drop rate). */
export function ownRecordAckAt(b: Uint8Array, dropRate: number): number {
  return b.length - 5 - (dropRate >= 0 ? 1 : 0);
}

/** Write rec's ACK sequence and mask into `b` at `at` (ownRecordAckAt). */
export function patchOwnRecordAck(b: Uint8Array, at: number, rec: LinkRecordRepr): void {
  const mask = rec.ackMask >>> 0;
  b[at] = rec.ackSeq & 0xff;
  b[at + 1] = mask >>> 24;
  b[at + 2] = mask >>> 16;
  b[at + 3] = mask >>> 8;
  b[at + 4] = mask;
}

export function packOwnRecord(self: Sid, rec: LinkRecordRepr, abbreviate: Abbreviate | undefined, memo: OwnRecordMemo, gen: number, named: number): Uint8Array {
  const hasAck = rec.ackSeq >= 0;
  const m = memo;
  if (ownRecordMemoHolds(m, rec, abbreviate, gen, named)) {
    const b = m.bytes!.slice();
    if (hasAck) patchOwnRecordAck(b, ownRecordAckAt(b, rec.dropRate), rec);
    return b;
  }
  const b = ownRecordPayload(self, rec, abbreviate);
  m.bytes = b.slice();
  m.transmitter = rec.transmitter;
  m.flags = rec.flags;
  m.version = rec.version;
  m.interfaceIndex = rec.interfaceIndex;
  m.dropRate = rec.dropRate;
  m.hasAck = hasAck;
  m.abbreviate = abbreviate;
  m.gen = gen;
  m.named = named;
  return b;
}

/** The longest link record: length, flags, two full SIDs (33 bytes each with
 * their code), version, interface, ACK sequence and mask, drop rate. */
const RECORD_MAX = 2 + 33 + 1 + 33 + 1 + 5 + 1;

export interface LinkStateEffects {
  /** The neighbour's tree changed: routes need recomputing. */
  changed: boolean;
  /** Records "neighbour hears our interface i" (receiver = it, transmitter = us), to process as ACKs. */
  acks: LinkRecordRepr[];
  /** New tree entries not kept: the tree was at its cap. */
  refused: number;
  /** Some record names us as the transmitter of a link to another node. */
  throughUs: boolean;
}

/**
 * Apply neighbour n's records to its advertised tree, as servald's link_receive:
 * records about us set using_us; a record naming us as transmitter of a link to
 * someone else means n routes that receiver through us (drop it, and forward
 * n's broadcasts for a while); other records replace the tree entry.
 */
export function applyLinkRecords(
  n: Neighbour, records: readonly LinkRecordRepr[], meHex: string, isLocal: (hex: string) => boolean, now: number,
  hexOf: (sid: Sid) => string = toHex, maxTree = ROUTES_MAX,
): LinkStateEffects {
  const fx: LinkStateEffects = { changed: false, acks: [], refused: 0, throughUs: false };
  for (const rec of records) {
    if (!rec.receiver) continue;
    // (n's own SID, the receiver or transmitter of most of its records, is
    // decoded as its address-book entry's: no look-up)
    const rHex = rec.receiver === n.sub.sid ? n.sub.hex : hexOf(rec.receiver);
    const t = rec.transmitter;
    const tHex = t === undefined ? undefined : t === n.sub.sid ? n.sub.hex : hexOf(t);
    if (tHex && tHex !== meHex && isLocal(tHex)) continue; // a path from our secondary SID: a collision
    if (rHex === meHex) {
      n.usingUs = tHex === n.sub.hex;
      continue;
    }
    if (isLocal(rHex)) continue;
    if (rHex === n.sub.hex) {
      if (tHex === meHex && rec.interfaceIndex >= 0) fx.acks.push(rec);
      continue;
    }
    if (tHex === meHex) {
      if (n.adverts.delete(rHex)) fx.changed = true;
      n.routingThroughUsUntil = now + SERVAL_REACHABLE_TIMEOUT_MS;
      fx.throughUs = true;
      continue;
    }
    const old = n.adverts.get(rHex);
    if (!tHex) {
      if (old) { n.adverts.delete(rHex); fx.changed = true; }
      continue;
    }
    const drop = rec.dropRate >= 0 ? rec.dropRate : 0;
    if (!old || old.transmitter !== tHex || old.version !== rec.version || old.dropRate !== drop) {
      if (!old && n.adverts.size >= maxTree) { fx.refused++; continue; }
      n.adverts.set(rHex, { transmitter: tHex, version: rec.version, dropRate: drop });
      fx.changed = true;
    }
  }
  return fx;
}
