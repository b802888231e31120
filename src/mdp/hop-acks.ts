// Per-hop ACKs (PROTOCOL.md 6.3-6.6), both ways. Out: when an ACK record is owed
// to a neighbour (ackDueAt), and sending it alone, in an interface tick, or
// riding in a packet already going there; this room is the ONLY writer of what
// we last acknowledged to whom (Neighbour.lastAckDest / lastAckSeq /
// lastAckSentAt / ackDueAt). In: a neighbour's ACK record naming one of our
// interfaces keeps that out-link alive, takes the frames it covers out of the
// queue, samples the RTT, and tells us whether it missed our last ACK.
import { LS_UNICAST, type FrameRepr, type LinkRecordRepr } from "../wire/types";
import type { NodeContext } from "./context";
import type { Destination, Iface, LinkIn, Neighbour, OutLink } from "./neighbours";
import { acksByUnicast, bestLinkIn, isDirect, reachableTimeout, sampleRtt } from "./neighbours";
import type { Routes } from "./routes";
import type { Sender } from "./send";
import type { Transmitter } from "./transmitter";
import { ackCovers, ackIsAfter, dropRateFromMask } from "./link-window";
import { ackMaskSinceStart, ackRecord } from "./link-state";
import * as C from "./constants";

export class HopAcks {
  /** Counts a frame an ACK took out of the queue (made once, not per ACK record). */
  private readonly frameAcked = (): void => { this.cx.stats.framesAcked++; };
  /** Set once the transmitter exists (it takes this room as its AckRider). */
  tx!: Transmitter;

  constructor(
    private readonly cx: NodeContext,
    private readonly sender: Sender,
    private readonly routes: Routes,
  ) {}

  // ---- when an ACK is owed (the timers.ts hooks of this room)

  /** Owe n an ACK by `at` (an earlier debt stands). */
  private owe(n: Neighbour, at: number): void {
    if (!n.ackOwed || at < n.ackDueAt) {
      n.ackDueAt = at;
      n.ackOwed = true;
      if (at < this.dueMin) this.dueMin = at;
    }
  }

  /** The earliest ackDueAt of all neighbours, valid while the neighbour table's
   * version is dueVersion (a new neighbour comes owed an ACK) and no neighbour
   * that held it has been paid (-1: look again). */
  private dueMin = Infinity;
  private dueVersion = -1;

  /** n's ACK went out: it owes nothing now. */
  private paid(n: Neighbour): void {
    if (n.ackDueAt <= this.dueMin) this.dueVersion = -1;
    n.ackDueAt = Infinity;
    n.ackOwed = false;
  }

  /** When the next ACK is due (Infinity: none owed); a walk of the neighbours
   * only after one was paid or the table changed, not per wakeup (nextWake, sendDue). */
  nextAckDue(): number {
    const nt = this.cx.nt;
    if (this.dueVersion !== nt.version) {
      let t = Infinity;
      const list = nt.list;
      for (let i = 0; i < list.length; i++) if (list[i].ackDueAt < t) t = list[i].ackDueAt;
      this.dueMin = t;
      this.dueVersion = nt.version;
    }
    return this.dueMin;
  }

  /** Call after a packet from n arrived on a link that had timed out (or was new). */
  linkCameUp(n: Neighbour, now: number): void {
    this.owe(n, now + C.ACK_LINK_UP_DELAY_MS);
  }

  /** Call after a packet from n arrived on the link we ACK; `missed` link sequences before it. */
  packetHeard(n: Neighbour, link: LinkIn, missed: number, now: number): void {
    link.unacked++;
    if (missed > 0) this.owe(n, now + C.ACK_GAP_DELAY_MS); // a gap: NACK promptly
    if (link.unacked >= C.ACK_WINDOW) this.owe(n, now);
  }

  /** Call after a frame with the ACK_SOON flag for us (or broadcast) came from n. */
  frameAsksAck(n: Neighbour, now: number): void {
    this.owe(n, now + C.ACK_SOON_DELAY_MS);
  }

  /** Send every ACK that is due. */
  sendDue(now: number): void {
    // (after every packet: an index loop, no iterator, and none while nothing
    // is due; sendAck changes no neighbour list)
    if (this.nextAckDue() > now) return;
    const list = this.cx.nt.list;
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      if (n.ackOwed && n.ackDueAt <= now) this.sendAck(now, n);
    }
  }

  // ---- sending

  /** An ACK to one neighbour now (a gap, ACK_SOON, or its link just came up). */
  private sendAck(now: number, n: Neighbour): void {
    this.paid(n);
    this.sendAckTo(now, n, undefined);
  }

  /** Our ACK record for n, queued to `one` (the unicast tick: the frame names no
   * destination, like the broadcast tick: 33 bytes less on every unicast tick)
   * or, if undefined, to each of n's destinations (destsFor), naming n when it
   * is direct; false if we hear no live link from n. (One frame per destination:
   * no record or frame array per ACK.) */
  private sendAckTo(now: number, n: Neighbour, one: Destination | undefined, link?: LinkIn): boolean {
    const rec = link !== undefined ? ackRecord(this.cx.primarySid, n, link) : this.ackRecordFor(now, n);
    if (!rec) return false;
    this.noteAckSent(n);
    const sender = this.sender;
    if (one !== undefined) {
      sender.queueAck(now, rec, one, n);
      return true;
    }
    const dests = this.cx.nt.destsFor(n, now);
    const to = isDirect(n, now) ? n.sub.sid : undefined;
    for (let i = 0; i < dests.length; i++) {
      const d = dests[i];
      sender.addFixed(now, sender.ackFrame(rec, to, d, now), d).ackFor = n;
    }
    return true;
  }

  /** The ACK owed to n (not yet due) as one frame, to ride in a packet already
   * going to n by `dest` (AckRider): the transmitter calls this, then ackRode if it fitted. */
  owedAck(now: number, n: Neighbour, dest: Destination): FrameRepr | undefined {
    if (!n.ackOwed) return undefined;
    const rec = this.ackRecordFor(now, n);
    if (!rec) return undefined;
    return this.sender.ackFrame(rec, isDirect(n, now) ? n.sub.sid : undefined, dest, now);
  }

  /** The frame owedAck gave rode in the packet with link sequence dest.seq (AckRider). */
  ackRode(n: Neighbour, dest: Destination): void {
    this.paid(n);
    this.noteAckSent(n);
    this.cx.stats.acksPiggybacked++;
    this.ackWentOut(n, dest);
  }

  /** An ACK record to n went out in the packet with link sequence dest.seq (AckRider):
   * if n's next ACK record shows it missed that packet, we send another. */
  ackWentOut(n: Neighbour, dest: Destination): void {
    n.lastAckDest = dest;
    n.lastAckSeq = dest.seq;
  }

  /** The ACK record for n's best link in to us, if it has one. */
  private ackRecordFor(now: number, n: Neighbour): LinkRecordRepr | undefined {
    const link = bestLinkIn(n, now, reachableTimeout(n, n.linksIn[0]?.iface.tickMs ?? C.TICK_MS));
    return link ? ackRecord(this.cx.primarySid, n, link) : undefined;
  }

  private noteAckSent(n: Neighbour): void {
    const links = n.linksIn;
    for (let i = 0; i < links.length; i++) links[i].unacked = 0;
    n.lastAckSentAt = this.cx.now;
    this.cx.stats.acksSent++;
  }

  /** The ACK records of one pass over the neighbours for every interface with
   * `tick.on` and this `tickMs` (adverts.ts: a node's interfaces tick
   * together): into each such interface's `tick`, one record per neighbour we
   * hear best there that does not get its ACKs by unicast; how many neighbours
   * we hear there, (if exactly one) which, and whether all of them get their
   * ACKs by unicast on it over a link without recent loss either way (then
   * broadcast and unicast ticks may take turns), with those neighbours and
   * their links for the broadcast keep-alive tick (unicastAcksInBroadcast). */
  tickRecords(now: number, ifaces: readonly Iface[], tickMs: number): void {
    for (let i = 0; i < ifaces.length; i++) {
      const t = ifaces[i].tick!;
      if (!t.on || ifaces[i].tickMs !== tickMs) continue;
      t.records.length = 0;
      t.heard = 0;
      t.only = undefined;
      t.allUnicast = false; // (true at the first neighbour heard here: none, false)
      t.byUnicast.length = 0;
      t.byUnicastLinks.length = 0;
    }
    const list = this.cx.nt.list;
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      const l = bestLinkIn(n, now, reachableTimeout(n, tickMs));
      if (!l) continue;
      const iface = l.iface;
      const t = iface.tick;
      if (t === undefined || !t.on || iface.tickMs !== tickMs) continue;
      if (t.heard++ === 0) t.allUnicast = true;
      t.only = n;
      if (acksByUnicast(n, now)) { // ACKed in the unicast tick
        // (ticks take turns only on a clean link: under loss, a neighbour judges
        // us silent after SILENT_TICKS ticks without a packet, routes.ts)
        if (n.chosen!.dest.iface !== iface || n.rxLossQ12 >= C.TICK_TURNS_MAX_LOSS_Q12 || n.txDropRate !== 0) t.allUnicast = false;
        t.byUnicast.push(n);
        t.byUnicastLinks.push(l);
        continue;
      }
      t.allUnicast = false;
      t.records.push(ackRecord(this.cx.primarySid, n, l));
      l.unacked = 0;
    }
  }

  /** The ACK records of the neighbours on `iface` that get their ACKs by unicast
   * (tickRecords found them; where all do), for this tick's broadcast
   * (adverts.ts: the broadcast keep-alive tick); the unicast tick that follows
   * sends them nothing unless their unicast link-in to us would go
   * BROADCAST_KEEPALIVE_TICKS ticks without a packet. */
  unicastAcksInBroadcast(iface: Iface, records: LinkRecordRepr[]): void {
    const t = iface.tick!;
    for (let i = 0; i < t.byUnicast.length; i++) {
      const n = t.byUnicast[i];
      records.push(ackRecord(this.cx.primarySid, n, t.byUnicastLinks[i]));
      this.noteAckSent(n);
      this.ackedInBroadcast.add(n);
    }
  }

  /** Neighbours whose ACK went in this tick's broadcast (unicastAcksInBroadcast; cleared by unicastTick). */
  private readonly ackedInBroadcast = new Set<Neighbour>();

  /** Unicast ticks (one pass over the neighbours for every interface with
   * `tick.ticking`) keep each neighbour's unicast link-in to us alive. They carry
   * our ACK for a neighbour that hears our unicast (acksByUnicast), or that has
   * not heard us yet (the broadcast may not reach it): a neighbour that hears
   * only our unicast would otherwise lose our ACKs, and with them its link. */
  unicastTick(now: number): void {
    const list = this.cx.nt.list;
    for (let k = 0; k < list.length; k++) {
      const n = list[k];
      // (worked out at n's first unicast out-link on a ticking interface: a
      // node with an interface per link has one to each neighbour)
      let known = false, byUnicast = false, direct = false;
      const outs = n.outLinks;
      for (let i = 0; i < outs.length; i++) {
        const o = outs[i];
        const iface = o.dest.iface;
        if (!o.dest.unicast || iface.tick === undefined || !iface.tick.ticking) continue;
        if (!known) {
          known = true;
          // (acksByUnicast(n, now) is isDirect(n, now) with a unicast chosen out-link: one isDirect)
          direct = isDirect(n, now);
          byUnicast = direct && n.chosen!.dest.unicast;
        }
        // (An ACK that went to it within half a tick, e.g. riding with data, will do.)
        const ackHere = byUnicast ? o === n.chosen && now - n.lastAckSentAt >= iface.tickMs / 2 : !direct && o.timeout >= now;
        if (ackHere && this.sendAckTo(now, n, o.dest, byUnicast ? this.tickLink(n, iface) : undefined)) continue;
        const keepAliveMs = this.ackedInBroadcast.has(n) ? C.BROADCAST_KEEPALIVE_TICKS * iface.tickMs : iface.tickMs;
        if (o.dest.lastTxAt + keepAliveMs <= now) this.tx.sendEmpty(now, o.dest);
      }
    }
    this.ackedInBroadcast.clear();
  }

  /** The link ackRecordFor would find for n, as tickRecords found it this tick
   * (no second bestLinkIn): n is ACKed by unicast, heard best on the ticking
   * `iface` (in its tick.byUnicast, filled this pass) and ackRecordFor's timeout
   * period (its first link's interface's) is iface's; undefined: look again.
   * (Nothing between tickRecords and unicastTick changes a link's lastRxAt or
   * the links themselves: only packets received and expiry do.) */
  private tickLink(n: Neighbour, iface: Iface): LinkIn | undefined {
    if (n.linksIn[0].iface.tickMs !== iface.tickMs) return undefined;
    const t = iface.tick!;
    const j = t.byUnicast.indexOf(n);
    return j >= 0 ? t.byUnicastLinks[j] : undefined;
  }

  // ---- receiving

  /** "Neighbour n hears our interface i" (PROTOCOL.md 6.6), with an optional ACK. */
  receiveAckRecord(now: number, n: Neighbour, rec: LinkRecordRepr): void {
    if (rec.interfaceIndex >= C.MAX_INTERFACES) return;
    const iface = this.cx.ifaceAt(rec.interfaceIndex);
    if (!iface) return;
    const unicast = (rec.flags & LS_UNICAST) !== 0;
    // (per received packet: a loop, no closure)
    let out: OutLink | undefined;
    const outs = n.outLinks;
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i];
      if (o.dest.iface === iface && o.dest.unicast === unicast) { out = o; break; }
    }
    if (!out) {
      if (unicast) return;
      out = { dest: iface.broadcast, timeout: 0 };
      n.outLinks.push(out);
      this.cx.nt.version++;
    }
    const timeout = reachableTimeout(n, iface.tickMs);
    const wasDirect = isDirect(n, now);
    out.timeout = now + timeout;
    n.linkInTimeout = now + timeout;
    if (n.chosen !== out) { n.chosen = out; this.routes.markDirty(); }
    if (!wasDirect) this.routes.markDirty();
    if (rec.ackSeq >= 0) {
      const dest = out.dest;
      const seq = rec.ackSeq & 0xff;
      if (dest.rttProbe[seq] && dest.sentAt[seq] > 0) {
        sampleRtt(dest, now - dest.sentAt[seq]);
        dest.rttProbe[seq] = 0;
      }
      const stats = this.cx.stats;
      const res = this.cx.queue.onAck(n, dest, rec.ackSeq, rec.ackMask, now, this.frameAcked);
      if (res.acked > 0) { dest.lastAckAt = now; dest.windowFullSince = -1; }
      stats.nacks += res.nacked;
      // Did it miss our last ACK to it? Then send another soon.
      if (n.lastAckDest === dest && n.lastAckSeq >= 0) {
        if (ackCovers(n.lastAckSeq, rec.ackSeq, rec.ackMask)) n.lastAckSeq = -1;
        else if (ackIsAfter(n.lastAckSeq, rec.ackSeq)) this.owe(n, now + C.ACK_RESEND_DELAY_MS);
      }
      const drop = rec.dropRate >= 0 ? rec.dropRate : dropRateFromMask(ackMaskSinceStart(rec.ackSeq, rec.ackMask, dest));
      if (drop !== n.txDropRate) { n.txDropRate = drop; this.routes.markDirty(); }
    } else if (rec.dropRate >= 0 && rec.dropRate !== n.txDropRate) {
      n.txDropRate = rec.dropRate;
      this.routes.markDirty();
    }
  }
}
