// Link-state records on MDP port 2 (PROTOCOL.md 6.3, 6.6): building our neighbour
// ACK records and routing advertisements, packing them into <= 400-byte
// payloads, and applying a neighbour's records to its advertised tree.
import { LS_BROADCAST, LS_HAS_ACK, LS_HAS_DROP_RATE, LS_HAS_INTERFACE, LS_NO_PATH, LS_UNICAST, PORT_LINKSTATE, type LinkRecordRepr, type Sid } from "../wire/types";
import { ByteWriter, WireError, bytesEqual, toHex } from "../wire/bytes";
import { encodeLinkRecord, linkRecordLength, newLinkRecord } from "../wire/linkstate";
import { encodePorts, portsLength } from "../wire/mdp-ports";
import { ADDR_FULL, ADDR_SELF, SID_BYTES, newEncodeContext, type Abbreviate } from "../wire/address";
import type { Identity } from "../crypto/types";
import type { LinkIn, Neighbour } from "./neighbours";
import { popcount, type SeqWindow64 } from "./link-window";
import { REACHABLE_NONE, type Route } from "./routing";
import { ADVERT_LOSS_INVERSE, ADVERT_LOSSY_MIN, ADVERT_REPEAT_MS, ADVERT_SENDS, ADVERT_SENDS_MAX, DROP_RATE_NONE, LINKSTATE_PAYLOAD_MAX, ROUTES_MAX, SERVAL_REACHABLE_TIMEOUT_MS } from "./constants";

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

/**
 * How many times a change is sent (advertRecords' `sends`): ADVERT_SENDS, or
 * more while a direct neighbour's link loses ADVERT_LOSSY_MIN or more, until
 * loss^sends <= 1/ADVERT_LOSS_INVERSE (at most ADVERT_SENDS_MAX). Loss: the
 * worst of its links to us over their sequence windows (windowLoss). Not
 * rxLoss (it counts a reordered packet as lost: 10-14% in the clean 200-node
 * SimNet grid's start, with 0.2 ms jitter) nor txDropRate (its ACK masks read
 * 60-70% for a second after a clean link comes up). Clean links keep
 * ADVERT_SENDS: no extra sends.
 */
export function advertSends(neighbours: Iterable<Neighbour>): number {
  let worst = 0;
  for (const n of neighbours) {
    if (!n.wasReachable) continue;
    for (const l of n.linksIn) {
      const p = windowLoss(l.window);
      if (p >= ADVERT_LOSSY_MIN && p > worst) worst = p;
    }
  }
  if (worst === 0) return ADVERT_SENDS;
  let sends = 0;
  for (let left = ADVERT_LOSS_INVERSE; left > 1 && sends < ADVERT_SENDS_MAX; left *= worst) sends++;
  return Math.max(ADVERT_SENDS, sends);
}

/** Share of the link sequences missing in a window, from the oldest one heard
 * there to the newest (a late packet, once in, counts as heard; sequences from
 * before we first heard the link do not count); 0 over fewer than
 * LOSS_MIN_SPAN sequences. */
export function windowLoss(w: SeqWindow64): number {
  if (w.last < 0) return 0;
  const oldest = w.hi !== 0 ? 63 - Math.clz32(w.hi) : 31 - Math.clz32(w.lo); // highest set bit, -1 if none
  const span = oldest + 2; // bits 0..oldest and the newest
  if (span < LOSS_MIN_SPAN) return 0;
  return (span - 1 - popcount(w.lo) - popcount(w.hi)) / span;
}

const LOSS_MIN_SPAN = 8;

/**
 * Routing advertisement records: one per route (transmitter = the prior hop, or
 * us for direct neighbours; NO_PATH once lost) and one per secondary identity.
 * `all` = the periodic full refresh; otherwise only the records a change still
 * owes a send (`sends` per change, or a function giving it, e.g. advertSends:
 * ADVERT_SENDS on clean links; spaced by a doubling gap), which this call
 * counts as sent. With `batch` (a packet goes out anyway) a repeat goes along
 * once half its gap has passed, unless a direct neighbour's link is lossy
 * (`sends` above ADVERT_SENDS): while a mesh forms, routes change every few
 * ms, and each change's repeats took a packet of their own (half the control
 * packets of a 10-node grid in the seconds after its last node started); the
 * repeats of changes made moments apart now share one. Also returns when the
 * next owed send falls due (at its full gap: a record alone keeps its times).
 */
export function advertRecords(
  now: number, all: boolean, primary: Sid, secondaries: readonly Identity[], routes: Iterable<Route>,
  sidOf: (hex: string) => Sid | undefined, sends: number | (() => number) = ADVERT_SENDS, batch = false,
): AdvertRecords {
  // (a function is called once, and only if some change is due: a steady tick owes nothing)
  let sendCount = typeof sends === "number" ? sends : -1;
  const out: LinkRecordRepr[] = [];
  const refreshOnly: (Neighbour | undefined)[] = [];
  let nextDue = Infinity;
  if (all) {
    for (const id of secondaries) {
      const rec = newLinkRecord();
      rec.receiver = id.sid;
      rec.version = 1;
      rec.transmitter = primary;
      rec.dropRate = 0;
      out.push(rec);
      refreshOnly.push(undefined);
    }
  }
  for (const r of routes) {
    let due = r.advertOwed > 0 && r.advertSentAt + r.advertGap <= now;
    if (!due && batch && r.advertOwed > 0 && r.advertSentAt + (r.advertGap >> 1) <= now) {
      if (sendCount < 0) sendCount = (sends as () => number)();
      due = sendCount <= ADVERT_SENDS; // (not over a lossy link: its extra sends keep their spacing)
    }
    if (due) {
      r.advertOwed--;
      // (markChanged owes ADVERT_SENDS_MAX: stop once `sends` went out)
      if (sendCount < 0) sendCount = (sends as () => number)();
      if (ADVERT_SENDS_MAX - r.advertOwed >= sendCount) r.advertOwed = 0;
      r.advertSentAt = now;
      r.advertGap = r.advertGap === 0 ? ADVERT_REPEAT_MS : Math.min(r.advertGap * 2, ADVERT_REPEAT_MS * 4);
    }
    if (r.advertOwed > 0) nextDue = Math.min(nextDue, r.advertSentAt + r.advertGap);
    if (!all && !due) continue;
    const rec = newLinkRecord();
    rec.receiver = r.sid;
    rec.version = r.version;
    if (r.reachable === REACHABLE_NONE || !r.nextHop) {
      rec.transmitter = undefined; // NO_PATH
      rec.dropRate = DROP_RATE_NONE;
    } else if (r.hops === 1) {
      rec.transmitter = primary;
      // A silent neighbour: servald's "high cost" rate (still below its 99 = no path).
      rec.dropRate = r.silent ? Math.max(DROP_RATE_NONE, r.nextHop.txDropRate) : r.nextHop.txDropRate;
    } else {
      const prior = sidOf(r.priorHex);
      if (!prior) continue;
      rec.transmitter = prior;
      rec.dropRate = r.nextHop.adverts.get(r.hex)?.dropRate ?? 0;
    }
    out.push(rec);
    refreshOnly.push(!due && r.reachable !== REACHABLE_NONE ? r.nextHop : undefined);
  }
  return { records: out, refreshOnly, nextDue, all };
}

export interface AdvertRecords {
  records: LinkRecordRepr[];
  /** Per record: the next hop of its route when the record is only a refresh
   * (not owed by a change). A refresh need not go back over a point-to-point
   * link to that next hop (split horizon): it never routes through us to a
   * node it is closer to, and its copy is already current. */
  refreshOnly: (Neighbour | undefined)[];
  /** When the next owed send falls due. */
  nextDue: number;
  /** A full advert (every route). */
  all: boolean;
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
