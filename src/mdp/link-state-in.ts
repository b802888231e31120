// Link state in (PROTOCOL.md 6.3, 6.6): the link-state payloads neighbours
// send us. Their advertised trees go to the neighbour (link-state.ts
// applyLinkRecords) and mark the routes dirty; records naming our interfaces
// (a neighbour hears us, with its ACK) go to hop-acks.ts; SIDs we cannot
// resolve are asked about (please-explain.ts). A steady neighbour's tick (one
// ACK record about us) is read straight from its bytes (receiveAckOnly), and
// a full advert repeated byte for byte is recognised, not decoded again.
import { LS_HAS_ACK, LS_HAS_DROP_RATE, LS_HAS_INTERFACE, LS_NO_PATH, type LinkRecordRepr, type Sid } from "../wire/types";
import { bytesEqual, toHex } from "../wire/bytes";
import { decodeLinkState, newLinkRecord } from "../wire/linkstate";
import { ADDRESS_HEAD_MASK, ADDR_SELF, SID_BYTES } from "../wire/address";
import type { Subscriber } from "./subscribers";
import type { NodeContext } from "./context";
import type { LinkStateRepeat, Neighbour } from "./neighbours";
import type { HopAcks } from "./hop-acks";
import type { PleaseExplain } from "./please-explain";
import type { Routes } from "./routes";
import { applyLinkRecords } from "./link-state";
import { noteNamed } from "./abbreviation";
import * as C from "./constants";

/** The repeat of `data` kept in `repeats` for this tree and address-book generation, if any. */
function findRepeat(repeats: LinkStateRepeat[], data: Uint8Array, treeGen: number, subsGen: number): LinkStateRepeat | undefined {
  const len = data.length;
  // (the length first, kept as a number: the payloads a steady neighbour
  // sends that are no repeat, its ACK records, are shorter than any kept)
  for (let i = 0; i < repeats.length; i++) {
    const r = repeats[i];
    if (r.length === len && r.treeGen === treeGen && r.subsGen === subsGen && bytesEqual(r.bytes, data)) return r;
  }
  return undefined;
}

/** Keep a copy of `data` (at most LINK_STATE_REPEATS_MAX, of the current generations only). */
function rememberRepeat(repeats: LinkStateRepeat[], data: Uint8Array, treeGen: number, subsGen: number, throughUs: boolean): void {
  let k = 0;
  for (let i = 0; i < repeats.length; i++) {
    const r = repeats[i];
    if (r.treeGen === treeGen && r.subsGen === subsGen) repeats[k++] = r;
  }
  repeats.length = k;
  if (k >= C.LINK_STATE_REPEATS_MAX) repeats.shift();
  repeats.push({ bytes: data.slice(), length: data.length, treeGen, subsGen, throughUs });
}

export class LinkStateIn {
  /** Set once the rooms exist (node.ts). */
  explain!: PleaseExplain;
  /** applyLinkRecords' look-ups, made once, not per received payload. */
  private readonly isLocalHex = (h: string): boolean => this.cx.localByHex.has(h);
  private readonly hexOf = (sid: Sid): string => this.cx.subs.get(sid)?.hex ?? toHex(sid);
  /** receiveAckOnly's record, filled per payload (receiveAckRecord keeps nothing of it). */
  private readonly ackRec: LinkRecordRepr = newLinkRecord();
  /** Our primary SID's address-book record and the fewest bytes of it that
   * resolve to it alone, as of the address book's generation meGen. */
  private meGen = -1;
  private meSub: Subscriber | undefined;
  private meUnique = SID_BYTES + 1;
  /** Its first four bytes as an int32 (big-endian). */
  private meHead = 0;
  /** Tests: false sends every payload through the generic decoder. */
  ackFastPath = true;

  constructor(
    private readonly cx: NodeContext,
    private readonly acks: HopAcks,
    private readonly routes: Routes,
  ) {}

  /** A link-state payload from neighbour n (plain, port 2). */
  receiveLinkState(now: number, n: Neighbour, source: Sid, data: Uint8Array): void {
    // (the decoded source is mostly n's own address-book SID: no compare)
    if (source !== n.sub.sid && !bytesEqual(source, n.sub.sid)) return; // link state describes its transmitter's links
    // A steady neighbour's tick: one ACK record about us, read straight from its bytes.
    if (this.ackFastPath && this.receiveAckOnly(now, n, data, 0, data.length, undefined)) return;
    this.receiveDecoded(now, n, data);
  }

  /** receiveLinkState of n's own payload buf[at, end) (Ingress.receiveSteady: no
   * view made for a steady neighbour's tick). `tx`: the address book's record of n's SID. */
  receiveLinkStateAt(now: number, n: Neighbour, buf: Uint8Array, at: number, end: number, tx: Subscriber): void {
    if (this.ackFastPath && this.receiveAckOnly(now, n, buf, at, end, tx)) return;
    this.receiveDecoded(now, n, buf.subarray(at, end));
  }

  /** receiveLinkState's generic path: a repeat, or every record decoded. */
  private receiveDecoded(now: number, n: Neighbour, data: Uint8Array): void {
    const cx = this.cx;
    // The periodic full advert of a steady mesh repeats the last one byte for
    // byte: with n's tree and our address book as it left them, decoding it
    // again would change nothing but how long n routes through us.
    const rep = findRepeat(n.repeats, data, n.treeGen, cx.subs.generation);
    if (rep) {
      if (rep.throughUs) n.routingThroughUsUntil = now + C.SERVAL_REACHABLE_TIMEOUT_MS;
      cx.stats.linkStateRepeats++;
      return;
    }
    const ls = decodeLinkState(data, cx.subs, n.sub.sid);
    noteNamed(n, ls.records, cx.subs, cx.limits.subscribers);
    const usingUs = n.usingUs;
    // (hex from the address book: link state comes with every per-hop ACK)
    const fx = applyLinkRecords(n, ls.records, cx.primaryHex, this.isLocalHex, now, this.hexOf, cx.limits.routes);
    if (fx.changed || n.usingUs !== usingUs) n.treeGen++;
    // (ACK records change with every packet; a payload with unknown or refused
    // entries must be looked at again)
    if (fx.acks.length === 0 && fx.refused === 0 && ls.unresolved.length === 0 && ls.error === undefined) {
      rememberRepeat(n.repeats, data, n.treeGen, cx.subs.generation, fx.throughUs);
    }
    cx.stats.routesRefused += fx.refused;
    for (const rec of fx.acks) this.acks.receiveAckRecord(now, n, rec);
    if (ls.unresolved.length > 0) {
      const iface = n.chosen?.dest.iface ?? n.linksIn[0]?.iface;
      if (iface) this.explain.ask(now, iface, n.linksIn[0]?.address ?? iface.broadcastAddress, n, ls.unresolved);
    }
    if (fx.changed) this.routes.markDirty();
  }

  /**
   * A payload (data[at, end)) whose only record is n's ACK record for our primary SID ("n hears
   * our interface i", with or without an ACK and drop rate): every effect of
   * the generic path (decodeLinkState, noteNamed, applyLinkRecords, which file
   * such a record under acks and nothing else, and receiveAckRecord), without
   * its objects. False, having done nothing, for any other payload (the
   * generic path decodes it): more records, another receiver or transmitter, no
   * interface, a transmitter prefix that is not ours alone, a record that does
   * not hold its fields. Never a repeat: a payload with an ACK record is never
   * kept as one (rememberRepeat), and the same bytes in the same address-book
   * generation decode the same.
   */
  private receiveAckOnly(now: number, n: Neighbour, data: Uint8Array, at: number, end: number, tx: Subscriber | undefined): boolean {
    const len = end - at;
    // length, flags, receiver SELF (n, the MDP source), version, transmitter code
    if (len < 5 || data[at] !== len || data[at + 2] !== ADDR_SELF) return false;
    const flags = data[at + 1];
    if ((flags & (LS_NO_PATH | LS_HAS_INTERFACE)) !== LS_HAS_INTERFACE) return false;
    const q = data[at + 4];
    const subs = this.cx.subs;
    if (this.meGen !== subs.generation) this.knowMe();
    const me = this.meSub;
    if (me === undefined) return false;
    let p = at + 5;
    // in full (ADDR_FULL, 32), or a prefix of ours no other SID we know starts
    // with (lookupPrefix's answer) (not 0, SELF, PREVIOUS, P2P or SIGNKEY)
    if (q < this.meUnique || q > SID_BYTES) return false;
    if ((((data[p] << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3]) ^ this.meHead) & ADDRESS_HEAD_MASK[q]) return false;
    if (q > 4) {
      const sid = me.sid;
      for (let i = 4; i < q; i++) if (data[p + i] !== sid[i]) return false;
    }
    p += q;
    // the interface, ACK and drop rate within the record (bytes after them are future fields)
    // (LS_HAS_ACK 0x10: 5 bytes, LS_HAS_DROP_RATE 0x20: 1, counted without a branch)
    if (p + 1 + ((flags >> 4) & 1) * 5 + ((flags >> 5) & 1) > end) return false;
    const rec = this.ackRec;
    rec.flags = flags;
    rec.version = data[at + 3];
    rec.interfaceIndex = data[p++];
    if (flags & LS_HAS_ACK) {
      rec.ackSeq = data[p];
      rec.ackMask = ((data[p + 1] << 24) | (data[p + 2] << 16) | (data[p + 3] << 8) | data[p + 4]) >>> 0;
      p += 5;
    } else {
      rec.ackSeq = -1;
      rec.ackMask = 0;
    }
    rec.dropRate = flags & LS_HAS_DROP_RATE ? data[p] : -1;
    // decodeAddress: lookupPrefix or learnSid marked our record used
    subs.touch(me);
    rec.receiver = n.sub.sid;
    rec.transmitter = me.sid;
    // noteNamed (nothing new once n is known to know both)
    const knows = n.knows;
    const r = tx ?? subs.get(n.sub.sid);
    if (r === undefined || !knows.has(r) || !knows.has(me)) {
      const before = knows.size;
      const max = this.cx.limits.subscribers;
      if (r !== undefined && knows.size < max) knows.add(r);
      if (knows.size < max) knows.add(me);
      if (knows.size !== before) subs.namedGen++;
    }
    this.acks.receiveAckRecord(now, n, rec);
    return true;
  }

  /** meSub and meUnique for the address book as it is now. */
  private knowMe(): void {
    const subs = this.cx.subs;
    const sid = this.cx.primarySid;
    this.meGen = subs.generation;
    this.meSub = subs.get(sid);
    let k = 1;
    while (k < SID_BYTES && subs.matching(sid.subarray(0, k), 2).length !== 1) k++;
    this.meUnique = this.meSub === undefined ? SID_BYTES + 1 : k;
    this.meHead = (sid[0] << 24) | (sid[1] << 16) | (sid[2] << 8) | sid[3];
  }
}
