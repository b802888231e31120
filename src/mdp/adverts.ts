// Adverts and link state (PROTOCOL.md 6.1, 6.3, 6.6): the interface ticks, our
// routing advertisements (each changed route's record a few times, a full
// advert periodically and for a new neighbour), the link-state broadcast that
// carries them with the tick's ACK records, and the link state neighbours send
// us (their advertised trees; records naming our interfaces go to hop-acks.ts).
import { LS_HAS_ACK, LS_HAS_DROP_RATE, LS_HAS_INTERFACE, LS_NO_PATH, type FrameRepr, type LinkRecordRepr, type Sid } from "../wire/types";
import { bytesEqual, toHex } from "../wire/bytes";
import { decodeLinkState, newLinkRecord } from "../wire/linkstate";
import { ADDRESS_HEAD_MASK, ADDR_SELF, SID_BYTES } from "../wire/address";
import type { Subscriber } from "./subscribers";
import type { NodeContext } from "./context";
import { newIfaceTick, type Iface, type LinkStateRepeat, type Neighbour } from "./neighbours";
import type { HopAcks } from "./hop-acks";
import type { PleaseExplain } from "./please-explain";
import type { Routes } from "./routes";
import type { Sender } from "./send";
import type { Transmitter } from "./transmitter";
import { advertRecords, advertSends, applyLinkRecords, type AdvertRecords } from "./link-state";
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

const NO_FRAMES: FrameRepr[] = [];

/** Is an interface with this tick period due at `now`? */
function dueWith(ifaces: readonly Iface[], now: number, tickMs: number): boolean {
  for (let i = 0; i < ifaces.length; i++) if (ifaces[i].tickMs === tickMs && now >= ifaces[i].nextTickAt) return true;
  return false;
}
const NO_ADVERTS: AdvertRecords = { records: [], refreshOnly: [], nextDue: Infinity, all: false };

export class Adverts {
  // Deadlines (read by timers.ts; written only here, as Iface.nextTickAt):
  /** When a changed route's record next owes a send (advertRecords' nextDue). */
  advertDueAt = Infinity;
  /** The next full advert (periodic, or owed to a new neighbour). */
  nextFullAdvertAt = 0;
  private lastAdvertAt = C.LONG_AGO;
  private lastFullAdvertAt = C.LONG_AGO;
  /** Full adverts still owed to a new neighbour (it must learn all our routes, under loss). */
  private fullAdvertsOwed = 0;
  /** Set once the rooms exist (node.ts). */
  explain!: PleaseExplain;
  /** applyLinkRecords' look-ups, made once, not per received payload. */
  private readonly isLocalHex = (h: string): boolean => this.cx.localByHex.has(h);
  private readonly hexOf = (sid: Sid): string => this.cx.subs.get(sid)?.hex ?? toHex(sid);
  /** advertRecords' look-ups, made once, not per tick. */
  private readonly sidOfHex = (h: string): Sid | undefined => this.cx.subs.getHex(h)?.sid;
  private readonly sends = (): number => advertSends(this.cx.nt.list);
  tx!: Transmitter;
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
    private readonly sender: Sender,
    private readonly acks: HopAcks,
    private readonly routes: Routes,
  ) {}

  /** A route's record is owed a send: advertise soon (at most every ADVERT_MIN_INTERVAL_MS). */
  scheduleAdvert(now: number): void {
    const at = Math.max(now, this.lastAdvertAt + C.ADVERT_MIN_INTERVAL_MS);
    if (at < this.advertDueAt) this.advertDueAt = at;
  }

  /** Call after a neighbour became reachable: tell it every route we have, now
   * and twice more in case of loss (full adverts stay FULL_ADVERT_MIN_INTERVAL_MS
   * apart, however many neighbours come). */
  neighbourReachable(now: number): void {
    this.fullAdvertsOwed = C.NEW_NEIGHBOUR_FULL_ADVERTS;
    this.nextFullAdvertAt = Math.min(this.nextFullAdvertAt, Math.max(now, this.lastFullAdvertAt + C.FULL_ADVERT_MIN_INTERVAL_MS));
    // A full advert went out moments ago (another neighbour came): the next is
    // up to FULL_ADVERT_MIN_INTERVAL_MS away, so send every route once now.
    if (this.nextFullAdvertAt > now) {
      for (const r of this.cx.routeTable.values()) if (r.advertOwed === 0) { r.advertOwed = 1; r.advertSentAt = C.LONG_AGO; r.advertGap = 0; }
    }
    this.scheduleAdvert(now);
  }

  /** Ticks and adverts due at `now`: one link-state broadcast per interface.
   * A node's interfaces tick together (one wakeup, one pass over the
   * neighbours): when one is due, every interface with its tick period ticks
   * with it (early, once, after it came up). Nodes keep their own phases (RFC
   * 5148 jitter); one node's interfaces are on different links. */
  service(now: number): void {
    const cx = this.cx;
    const ifaces = cx.ifaceList;
    // (tickDueAt: the earliest interface tick, so most passes, after a packet
    // received, look at no interface)
    const tick = now >= this.tickDueAt;
    const full = now >= this.nextFullAdvertAt;
    // The advert records (the same on every interface): every route in a full
    // advert, else only the records a change still owes a send.
    // A tick takes along the records whose repeat is due, but when no route owes
    // a send (advertDueAt Infinity: every change schedules one) there are none:
    // no walk over the whole route table on every tick.
    let adverts: AdvertRecords = NO_ADVERTS;
    if (full || now >= this.advertDueAt || (tick && this.advertDueAt !== Infinity)) {
      const a = advertRecords(now, full, cx.primarySid, cx.identities.slice(1), cx.routeTable.values(), this.sidOfHex, this.sends, true);
      adverts = a;
      this.advertDueAt = a.nextDue;
      if (a.records.length > 0) this.lastAdvertAt = now;
      if (full) {
        this.lastFullAdvertAt = now;
        if (this.fullAdvertsOwed > 0) this.fullAdvertsOwed--;
        this.nextFullAdvertAt = now + (this.fullAdvertsOwed > 0 ? C.FULL_ADVERT_MIN_INTERVAL_MS : C.FULL_ADVERT_INTERVAL_MS);
      }
    }
    // (most service passes follow a received packet: nothing to send)
    const advertsDue = adverts.records.length > 0;
    if (!tick && !advertsDue) return;
    // Which interfaces tick (every one with the period of one that is due) and send:
    // the due ones' period (dueMs; several: each interface looks, dueWith).
    let dueMs = -1, severalMs = false;
    if (tick) {
      for (let i = 0; i < ifaces.length; i++) {
        const f = ifaces[i];
        if (now < f.nextTickAt) continue;
        if (dueMs < 0) dueMs = f.tickMs;
        else if (f.tickMs !== dueMs) severalMs = true;
      }
    }
    let tickMs = -1, oneTickMs = true;
    for (let i = 0; i < ifaces.length; i++) {
      const f = ifaces[i];
      const t = (f.tick ??= newIfaceTick());
      t.ticking = tick && (severalMs ? dueWith(ifaces, now, f.tickMs) : f.tickMs === dueMs);
      t.on = t.ticking || advertsDue;
      if (!t.on) continue;
      if (tickMs < 0) tickMs = f.tickMs;
      else if (f.tickMs !== tickMs) oneTickMs = false;
    }
    // One pass over the neighbours per tick period (a node has one, in practice).
    if (oneTickMs) this.acks.tickRecords(now, ifaces, tickMs);
    else for (let i = 0; i < ifaces.length; i++) if (ifaces[i].tick!.on) this.acks.tickRecords(now, ifaces, ifaces[i].tickMs);
    // (tickDueAt worked out again in the same pass: ifacesChanged's walk)
    let next = Infinity;
    for (let i = 0; i < ifaces.length; i++) {
      const f = ifaces[i];
      const t = f.tick!;
      if (t.on) this.sendLinkStateOn(now, f, adverts, t.ticking);
      if (f.nextTickAt < next) next = f.nextTickAt;
    }
    if (tick) {
      this.tickDueAt = next;
      this.acks.unicastTick(now);
    }
  }

  /** The earliest Iface.nextTickAt (Infinity: no interface); written by
   * ifacesChanged only, after every change of an interface's nextTickAt (here,
   * when it ticks) or of the interfaces (node.ts). Read by timers.ts. */
  tickDueAt = Infinity;

  /** Work out tickDueAt again. */
  ifacesChanged(): void {
    const ifaces = this.cx.ifaceList;
    let t = Infinity;
    for (let i = 0; i < ifaces.length; i++) if (ifaces[i].nextTickAt < t) t = ifaces[i].nextTickAt;
    this.tickDueAt = t;
  }

  /** One link-state broadcast on an interface: on a tick, ACK records for its
   * neighbours (HopAcks.tickRecords put them in iface.tick); then the advert
   * records due now. */
  private sendLinkStateOn(now: number, iface: Iface, adverts: AdvertRecords, tick: boolean): void {
    const t = iface.tick!;
    const records = t.records, heard = t.heard, only = t.only, allUnicast = t.allUnicast;
    // Where every neighbour here gets its ACKs by unicast (so a unicast packet
    // every tick), the broadcast tick goes only every BROADCAST_KEEPALIVE_TICKS
    // ticks, with their ACK records; that tick they get no unicast packet: one
    // packet per neighbour per tick, broadcast and unicast taking turns.
    if (tick && allUnicast && now - iface.broadcast.lastTxAt >= C.BROADCAST_KEEPALIVE_TICKS * iface.tickMs) {
      this.acks.unicastAcksInBroadcast(iface, records);
    }
    const hasNeighbours = heard > 0;
    // Split horizon for refreshes on a link with one neighbour (see AdvertRecords).
    const horizon = heard === 1 ? only : undefined;
    // A full advert goes in payloads of its own, after the ACK records': in a
    // steady mesh they are the same every time, encoded once (send.ts
    // advertFrames) and, at the neighbour, recognised as a repeat.
    const advert = adverts.all ? [] : records;
    for (let i = 0; i < adverts.records.length; i++) {
      if (horizon && adverts.refreshOnly[i] === horizon) continue;
      advert.push(adverts.records[i]);
    }
    if (tick) iface.nextTickAt = now + (hasNeighbours || this.cx.nt.byHex.size > 0 ? iface.tickMs : Math.max(iface.tickMs, C.IDLE_TICK_MS));
    if (records.length > 0) this.sender.queueLinkState(now, records, iface.broadcast);
    const frames = adverts.all && advert.length > 0 ? this.sender.advertFrames(advert, iface, now) : NO_FRAMES;
    if (records.length === 0 && frames.length === 0 && tick && !allUnicast) {
      // Nothing to say: an envelope-only tick keeps us visible.
      this.tx.sendEmpty(now, iface.broadcast);
    }
    for (let i = 0; i < frames.length; i++) this.sender.addFixed(now, frames[i], iface.broadcast);
  }

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
