// Link-state records on MDP port 2 (PROTOCOL.md 6.3, 6.6): building our neighbour
// ACK records and routing advertisements, packing them into <= 400-byte
// payloads, and applying a neighbour's records to its advertised tree.
import { LS_BROADCAST, LS_UNICAST, PORT_LINKSTATE, type LinkRecordRepr, type Sid } from "../wire/types";
import { ByteWriter, toHex } from "../wire/bytes";
import { encodeLinkRecord, linkRecordLength, newLinkRecord } from "../wire/linkstate";
import { encodePorts, portsLength } from "../wire/mdp-ports";
import { newEncodeContext, type Abbreviate } from "../wire/address";
import type { Identity } from "../crypto/types";
import type { LinkIn, Neighbour } from "./neighbours";
import { REACHABLE_NONE, type Route } from "./routing";
import { ADVERT_REPEAT_MS, DROP_RATE_NONE, LINKSTATE_PAYLOAD_MAX, ROUTES_MAX, SERVAL_REACHABLE_TIMEOUT_MS } from "./constants";

/** Our ACK record for neighbour n: "I (self) hear you on your interface i" with the window of link L. */
export function ackRecord(self: Sid, n: Neighbour, link: LinkIn): LinkRecordRepr {
  const rec = newLinkRecord();
  rec.flags = link.unicast ? LS_UNICAST : LS_BROADCAST;
  rec.receiver = self; // encodes as SELF (0xFF)
  rec.version = 1;
  rec.transmitter = n.sub.sid;
  rec.interfaceIndex = link.theirIf;
  if (link.window.last >= 0) {
    rec.ackSeq = link.window.last;
    rec.ackMask = link.window.mask32;
  }
  return rec;
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
 * Routing advertisement records: one per route (transmitter = the prior hop, or
 * us for direct neighbours; NO_PATH once lost) and one per secondary identity.
 * `all` = the periodic full refresh; otherwise only the records a change still
 * owes a send (ADVERT_SENDS per change, spaced by a doubling gap), which this
 * call counts as sent. Also returns when the next owed send falls due.
 */
export function advertRecords(
  now: number, all: boolean, primary: Sid, secondaries: readonly Identity[], routes: Iterable<Route>,
  sidOf: (hex: string) => Sid | undefined,
): AdvertRecords {
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
    const due = r.advertOwed > 0 && r.advertSentAt + r.advertGap <= now;
    if (due) {
      r.advertOwed--;
      r.advertSentAt = now;
      r.advertGap = r.advertGap === 0 ? ADVERT_REPEAT_MS : r.advertGap * 2;
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
  return { records: out, refreshOnly, nextDue };
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
}

/** MDP plaintexts (ports 2->2 + records) of at most 400 bytes each; SIDs
 * abbreviated as `abbreviate` says (abbreviation.ts), else in full. */
export function packLinkState(w: ByteWriter, self: Sid, records: readonly LinkRecordRepr[], abbreviate?: Abbreviate): Uint8Array[] {
  const out: Uint8Array[] = [];
  const empty = portsLength(PORT_LINKSTATE, PORT_LINKSTATE);
  let i = 0;
  while (i < records.length) {
    w.reset();
    encodePorts(w, PORT_LINKSTATE, PORT_LINKSTATE);
    const ctx = newEncodeContext(self, { abbreviate });
    while (i < records.length && w.pos + linkRecordLength(records[i], ctx) <= LINKSTATE_PAYLOAD_MAX) {
      encodeLinkRecord(w, records[i], ctx);
      i++;
    }
    if (w.pos <= empty) { i++; continue; } // a record that can never fit
    out.push(w.toBytes());
  }
  return out;
}

export interface LinkStateEffects {
  /** The neighbour's tree changed: routes need recomputing. */
  changed: boolean;
  /** Records "neighbour hears our interface i" (receiver = it, transmitter = us), to process as ACKs. */
  acks: LinkRecordRepr[];
  /** New tree entries not kept: the tree was at its cap. */
  refused: number;
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
  const fx: LinkStateEffects = { changed: false, acks: [], refused: 0 };
  for (const rec of records) {
    if (!rec.receiver) continue;
    const rHex = hexOf(rec.receiver);
    const tHex = rec.transmitter ? hexOf(rec.transmitter) : undefined;
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
