// Adverts (PROTOCOL.md 6.1, 6.3, 6.6): the interface ticks, our routing
// advertisements (each changed route's record a few times, a full advert
// periodically and for a new neighbour) and the link-state broadcast that
// carries them with the tick's ACK records. The link state neighbours send us
// is link-state-in.ts.
import type { FrameRepr, Sid } from "../wire/types";
import type { NodeContext } from "./context";
import { newIfaceTick, type Iface } from "./neighbours";
import type { HopAcks } from "./hop-acks";
import type { Sender } from "./send";
import type { Transmitter } from "./transmitter";
import { advertRecords, advertSends, type AdvertRecords } from "./advert-records";
import * as C from "./constants";

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
  /** advertRecords' look-ups, made once, not per tick. */
  private readonly sidOfHex = (h: string): Sid | undefined => this.cx.subs.getHex(h)?.sid;
  private readonly sends = (): number => advertSends(this.cx.nt.list);
  tx!: Transmitter;

  constructor(
    private readonly cx: NodeContext,
    private readonly sender: Sender,
    private readonly acks: HopAcks,
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
}
