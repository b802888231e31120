// The transmit path: decides where each due frame goes (fixed destination, or
// the current next hop of its route), gives it a frame sequence (kept on
// retransmission, PROTOCOL.md 4.2), and packs frames into packets of at most the
// interface MTU, each with the destination's next link sequence (PROTOCOL.md 2, 6.4).
import {
  ENCAP_OVERLAY, type EnvelopeRepr, type FrameRepr, type LinkRecordRepr, type Sid,
} from "../wire/types";
import { ByteWriter } from "../wire/bytes";
import { appendFrame, beginPacket, type PacketEncodeOptions } from "../wire/packet";
import { newFrameHeaderMemo } from "../wire/frame";
import { envelopeMemoHolds, newEnvelopeMemo, type EnvelopeMemo } from "../wire/envelope";
import type { Abbreviate, AddressEncodeContext } from "../wire/address";
import type { Transmit } from "./api";
import type { Destination, Neighbour } from "./neighbours";
import { ownRecordMemoHolds } from "./link-state";
import { newTickPacket, stampTickPacket, tickTemplateStands } from "./tick-template";
import { REACHABLE_NONE, type Route } from "./routing";
import { retransmitDelay, type PendingFifo, type TxFrame, type TxQueue } from "./tx-queue";
import type { MeshStats } from "./stats";
import * as C from "./constants";

/** Owed per-hop ACKs ride in packets already going to their neighbour (PROTOCOL.md
 * 6.3: an ACK record may come in any packet), instead of a packet of their own
 * a few ms later: on a relay that is a quarter of all packets sent and received. */
export interface AckRider {
  /** The ACK owed to n as a frame for a packet to `dest`, or undefined if none is owed. */
  owedAck(now: number, n: Neighbour, dest: Destination): FrameRepr | undefined;
  /** The frame owedAck gave went out, in the packet with link sequence dest.seq. */
  ackRode(n: Neighbour, dest: Destination): void;
  /** A queued ACK record for n (TxFrame.ackFor) went out in the packet with link sequence dest.seq. */
  ackWentOut(n: Neighbour, dest: Destination): void;
}

export class Transmitter {
  /** Packets waiting for pollTransmit. */
  readonly outbox: Transmit[] = [];
  /** One global 16-bit frame counter; the low byte goes on the wire. */
  private frameSeq16: number;
  private readonly w = new ByteWriter(2048);
  /** How SIDs are written in a packet (or link-state payload) to `dest` (abbreviation.ts); unset: in full. */
  abbreviateFor: ((dest: Destination, now: number) => Abbreviate) | undefined;
  /** The address book, whose generations tell when what abbreviateFor's
   * abbreviators answer may have changed (a unicast destination's FrameHeaderMemo
   * is then cleared); unset: no memo. */
  book: { readonly generation: number; readonly namedGen: number } | undefined;

  constructor(
    private readonly queue: TxQueue,
    private readonly stats: MeshStats,
    primarySid: Sid,
    private readonly maxTx: number,
    private readonly routeOf: (hex: string) => Route | undefined,
    initialSeq: number,
    private readonly acks?: AckRider,
  ) {
    this.frameSeq16 = initialSeq & 0xffff;
    this.env.transmitter = primarySid;
  }

  /** An envelope-only packet (a tick) to `dest`. */
  sendEmpty(now: number, dest: Destination): void {
    this.buildPackets(now, dest, []);
  }

  /** Queues the held ACK frames from the k-th on (TxQueue.held; set by node.ts: Sender.releaseHeld). */
  releaseHeld: (now: number, k: number) => void = () => {};

  /** Decide where each due frame goes, then pack them into packets per destination. */
  flush(now: number): void {
    this.nextDue = Infinity;
    const q0 = this.queue;
    if (q0.held.dests.length > 0 && this.sendHeld(now)) return;
    if (q0.length === 0) return;
    // Called after every packet in or out: when nothing waits and no
    // retransmit timer has run out, there is nothing to look at.
    const retryDue = now >= q0.retryDueAt;
    if (!retryDue && q0.fixed.length === 0 && q0.pending.size === 0) {
      this.nextDue = q0.retryDueAt;
      return;
    }
    // (lists and sent fixed frames a flush that threw left behind)
    if (this.groupDests.length > 0) this.clearGroups();
    if (this.fixedSent) { this.fixedSent = false; q0.dropSentFixed(); }

    // 1. Control frames with a fixed destination: sent once. (An index loop
    // over the queue's own list, no copy: only remove() changes it here; the
    // ones sent leave it together when the flush ends.)
    const fixed = q0.fixed;
    for (let i = 0; i < fixed.length; ) {
      const f = fixed[i];
      if (now >= f.deadline) { q0.remove(f); continue; }
      i++;
      if (f.nextTxAt > now) { this.due(f.nextTxAt); continue; }
      this.pick(f.fixed!, f, undefined, undefined);
    }

    // 2. In-flight frames whose retransmit timer ran out (or that were NACKed)
    // go back to the head of their FIFO, to be routed again below.
    if (retryDue) q0.retryDueAt = Infinity;
    if (retryDue) for (const list of q0.inflight.values()) {
      let due: TxFrame[] | undefined;
      for (let j = 0; j < list.length; j++) {
        const f = list[j];
        if (f.nextTxAt > now) {
          if (f.nextTxAt < q0.retryDueAt) q0.retryDueAt = f.nextTxAt;
          continue;
        }
        (due ??= []).push(f);
      }
      if (!due) continue;
      for (let i = due.length - 1; i >= 0; i--) {
        const f = due[i];
        if (now >= f.deadline || f.txCount >= this.maxTx) {
          this.queue.remove(f);
          this.stats.retryDrops++;
        } else {
          this.queue.requeue(f);
        }
      }
    }

    // 3. Routed frames, one FIFO per final destination. New frames go out only
    // while the next hop's in-flight window has room, so a burst waits here
    // (FIFO) instead of overflowing the link's queue, where losses are silent;
    // FIFOs sharing a next hop take turns. Resent frames are not windowed.
    // (scratch reused across flushes: this runs per packet on a relay)
    const active = this.active;
    active.length = 0;
    for (const q of this.queue.pending.values()) {
      const r = this.routeOf(q.hex);
      const nb = r?.nextHop;
      if (!r || r.reachable === REACHABLE_NONE || !nb || !nb.chosen) {
        this.setWaiting(q, true);
        this.expireHeads(q, now);
        if (q.frames.length > 0) this.due(q.frames[0].deadline);
        continue;
      }
      this.setWaiting(q, false);
      active.push({ q, cur: 0, dest: nb.chosen.dest, nb });
    }
    const inFlight = this.inFlight;
    inFlight.clear();
    while (active.length > 0) {
      for (let k = active.length - 1; k >= 0; k--) {
        const a = active[k];
        const f = this.nextLive(a.q, a.cur, now);
        if (!f) { active.splice(k, 1); continue; }
        const dest = a.dest;
        if (f.reliable) {
          const used = inFlight.get(dest) ?? this.queue.inflight.get(dest)?.length ?? 0;
          if (f.txCount === 0 && used >= C.INFLIGHT_MAX) {
            if (dest.windowFullSince < 0) dest.windowFullSince = now;
            // A full window with no ACK for a while: the peer does not ACK (or
            // not our link sequences); windowing it would only stall us.
            const liftAt = Math.max(dest.windowFullSince, dest.lastAckAt) + C.ACKLESS_WINDOW_LIFT_MS;
            if (now < liftAt) { this.due(liftAt); active.splice(k, 1); continue; }
          }
          inFlight.set(dest, used + 1);
        }
        a.cur++;
        const oneHop = a.nb.sub.hex === f.finalHex;
        f.frame.oneHop = oneHop;
        f.frame.nextHop = oneHop ? undefined : a.nb.sub.sid;
        this.pick(dest, f, a.nb, a.q);
      }
    }
    // (the lists stay with their destinations, emptied: no array per flush)
    const dests = this.groupDests;
    const lists = this.groupLists;
    for (let j = 0; j < dests.length; j++) {
      const list = lists[j];
      this.buildPackets(now, dests[j], list);
      list.length = 0;
    }
    dests.length = 0;
    lists.length = 0;
    if (this.fixedSent) { this.fixedSent = false; q0.dropSentFixed(); }
    this.due(q0.retryDueAt);
  }

  private clearGroups(): void {
    for (let j = 0; j < this.groupLists.length; j++) this.groupLists[j].length = 0;
    this.groupDests.length = 0;
    this.groupLists.length = 0;
  }

  /** The running flush sent a fixed frame (still in the queue's list until it ends). */
  private fixedSent = false;

  private readonly active: { q: PendingFifo; cur: number; dest: Destination; nb: Neighbour }[] = [];
  /** Frames counted against each next hop's window in the running flush. */
  private readonly inFlight = new Map<Destination, number>();

  /** The destinations the running flush chose frames for, in order of their
   * first frame, and each one's frames (its list from `lists`): reused. */
  private readonly groupDests: Destination[] = [];
  private readonly groupLists: TxFrame[][] = [];
  /** Each destination's list, kept between flushes (empty outside a flush). */
  private readonly lists = new WeakMap<Destination, TxFrame[]>();

  /** Choose f for this flush: to `dest`, next hop n (none for fixed frames),
   * from FIFO q (none for fixed frames): kept on the frame, no object per pick. */
  private pick(dest: Destination, f: TxFrame, n: Neighbour | undefined, q: PendingFifo | undefined): void {
    f.pickedTo = n;
    f.pickedFrom = q;
    if (f.seq16 < 0 || ((this.frameSeq16 - f.seq16) & 0xffff) >= C.FRAME_SEQ_WINDOW - 4) {
      // A fresh sequence; also for a retransmission that has fallen out of the
      // receiver's 64-entry duplicate window (it then risks one duplicate).
      if (f.seq16 >= 0) this.stats.resequenced++;
      this.frameSeq16 = (this.frameSeq16 + 1) & 0xffff;
      f.seq16 = this.frameSeq16;
    }
    f.frame.seq = f.seq16 & 0xff;
    f.frame.ackSoon = f.reliable;
    let g = this.lists.get(dest);
    if (!g) this.lists.set(dest, (g = []));
    if (g.length === 0) {
      this.groupDests.push(dest);
      this.groupLists.push(g);
    }
    g.push(f);
  }

  /** Earliest time flush() has something to do again (Infinity: only on input). */
  nextDue = Infinity;

  private due(t: number): void {
    if (t < this.nextDue) this.nextDue = t;
  }

  private setWaiting(q: PendingFifo, waiting: boolean): void {
    if (q.waitingRoute === waiting) return;
    q.waitingRoute = waiting;
  }

  /** Drop frames at the head of a FIFO with no route that are past their deadline. */
  private expireHeads(q: PendingFifo, now: number): void {
    while (q.frames.length > 0 && now >= q.frames[0].deadline) {
      this.drop(q.frames[0]);
    }
  }

  /** The frame at `cur` in q, dropping expired ones there. */
  private nextLive(q: PendingFifo, cur: number, now: number): TxFrame | undefined {
    for (;;) {
      const f = q.frames[cur];
      if (!f) return undefined;
      if (now < f.deadline && !(f.reliable && f.txCount >= this.maxTx)) return f;
      this.drop(f);
    }
  }

  /** Give up on a waiting frame (deadline or retry cap), counted by why. */
  private drop(f: TxFrame): void {
    this.queue.remove(f);
    if (f.reliable) {
      if (f.txCount === 0) this.stats.noRouteDrops++;
      else this.stats.retryDrops++;
    }
  }

  /** The envelope, encoding options and address context of the packet being built (reused). */
  private readonly env: EnvelopeRepr = {
    version: 1, encapsulation: ENCAP_OVERLAY, transmitter: undefined, transmitterFull: true, unicast: false, interfaceIndex: 0, linkSeq: -1,
  };
  private readonly encodeOpts: PacketEncodeOptions = { usePrevious: true, abbreviate: undefined };
  private ctx: AddressEncodeContext | undefined;

  /**
   * The held ACK frames (TxQueue.held, queued while nothing else was), sent
   * first, in order, each alone in its packet as the generic flush would have
   * sent them as fixed frames, with every effect of it (sendHeldAck); true if
   * all went (the queue is empty: flush has nothing else to do). At the first
   * that cannot be sent from a template, it and the rest are queued
   * (releaseHeld) for the generic flush to send.
   */
  private sendHeld(now: number): boolean {
    const q0 = this.queue, h = q0.held;
    let k = 0;
    if (q0.length === 0) {
      for (; k < h.dests.length; k++) if (!this.sendHeldAck(now, h.dests[k], h.recs[k], h.acksFor[k])) break;
    }
    if (k < h.dests.length) {
      this.releaseHeld(now, k);
      return false;
    }
    h.dests.length = 0;
    h.recs.length = 0;
    h.acksFor.length = 0;
    // (as a flush that sent them queued ends: the retransmit deadline, cleared once passed)
    if (now >= q0.retryDueAt) q0.retryDueAt = Infinity;
    this.due(q0.retryDueAt);
    return true;
  }

  /**
   * One held ACK frame for `ackFor` (undefined: a broadcast tick's) to `dest`,
   * alone in a packet, from dest's packet template: the bytes buildPackets would
   * write (its envelope memo and Sender.ackFrame's payload memo both hold, and
   * the template was made from those same memo bytes), the link sequence, frame
   * sequence and ACK patched in, and its effects (sequences, abbreviator, memos,
   * counters, ackWentOut). False, having changed nothing buildPackets and
   * ackFrame would not, when a memo does not hold: the generic path sends it.
   */
  private sendHeldAck(now: number, dest: Destination, rec: LinkRecordRepr, ackFor: Neighbour | undefined): boolean {
    const book = this.book;
    if (book === undefined) return false;
    let envMemo = dest.envelopeMemo;
    if (envMemo === undefined || dest.headerMemoGen !== book.generation || dest.headerMemoNamed !== book.namedGen) envMemo = this.memosFor(dest, book);
    const abbreviate = this.abbreviateFor !== undefined ? this.abbreviateFor(dest, now) : undefined;
    const own = dest.ownRecordMemo;
    let t = dest.tickPacket;
    if (!tickTemplateStands(t, envMemo, own, abbreviate, rec)) {
      const env = this.env;
      env.transmitterFull = abbreviate === undefined;
      env.unicast = dest.unicast;
      env.interfaceIndex = dest.iface.index;
      if (!envelopeMemoHolds(envMemo, env, abbreviate) || own === undefined || !ownRecordMemoHolds(own, rec, abbreviate, book.generation, book.namedGen)) return false;
      t = newTickPacket(envMemo.bytes!, own, dest.iface.mtu);
      if (t === undefined) return false;
      dest.tickPacket = t;
    }
    dest.seq = (dest.seq + 1) & 0xff;
    dest.sent++;
    this.frameSeq16 = (this.frameSeq16 + 1) & 0xffff;
    const bytes = stampTickPacket(t, dest.seq, this.frameSeq16, rec);
    this.packetOut(now, dest, bytes, false);
    this.stats.framesOut++;
    if (ackFor !== undefined && this.acks !== undefined) this.acks.ackWentOut(ackFor, dest);
    return true;
  }

  /** A packet built for `dest` goes to the outbox (the oldest waiting one dropped if it is full). */
  private packetOut(now: number, dest: Destination, bytes: Uint8Array, anyReliable: boolean): void {
    if (this.outbox.length >= C.TRANSMIT_QUEUE_MAX) { this.outbox.shift(); this.stats.transmitDrops++; }
    this.outbox.push({ ifIndex: dest.iface.index, to: dest.address, bytes });
    this.stats.packetsOut++;
    this.stats.bytesOut += bytes.length;
    dest.lastTxAt = now;
    dest.sentAt[dest.seq] = now;
    dest.rttProbe[dest.seq] = anyReliable ? 1 : 0;
  }

  /** dest's envelope memo (and a unicast one's first frame header memo), emptied
   * when the address book's generations moved on (what abbreviators answer may
   * have changed). */
  private memosFor(dest: Destination, book: { readonly generation: number; readonly namedGen: number }): EnvelopeMemo {
    const envMemo = dest.envelopeMemo ??= newEnvelopeMemo();
    const memo = dest.unicast ? (dest.headerMemo ??= newFrameHeaderMemo()) : undefined;
    if (dest.headerMemoGen !== book.generation || dest.headerMemoNamed !== book.namedGen) {
      envMemo.bytes = undefined;
      if (memo) memo.bytes = undefined;
      dest.headerMemoGen = book.generation;
      dest.headerMemoNamed = book.namedGen;
    }
    return envMemo;
  }

  private buildPackets(now: number, dest: Destination, list: readonly TxFrame[]): void {
    const iface = dest.iface;
    // The first frame of a packet to a unicast destination, if routed (not a
    // control frame): a relay's next frame usually has the same addresses
    // (FrameHeaderMemo), written as they were.
    // Its envelope too, but for the link sequence (any destination).
    const book = this.book;
    const envMemo = book !== undefined ? this.memosFor(dest, book) : undefined;
    const memo = book !== undefined && dest.unicast ? dest.headerMemo : undefined;
    let i = 0;
    do {
      dest.seq = (dest.seq + 1) & 0xff;
      dest.sent++;
      const abbreviate = this.abbreviateFor?.(dest, now);
      const env = this.env;
      env.transmitterFull = abbreviate === undefined;
      env.unicast = dest.unicast;
      env.interfaceIndex = iface.index;
      env.linkSeq = dest.seq;
      const w = this.w;
      w.reset();
      // PREVIOUS for a repeated address (as servald writes); SELF is automatic.
      const opts = this.encodeOpts;
      opts.abbreviate = abbreviate;
      const ctx = (this.ctx = beginPacket(w, env, opts, this.ctx, envMemo));
      // The packet's frames are list[start..i): only a first frame is ever
      // dropped, so they are contiguous (no array of them).
      let start = i;
      let anyReliable = false;
      while (i < list.length) {
        const f = list[i];
        // The first frame may exceed the MTU (e.g. a forwarded ~1100-byte
        // payload with three full SIDs): it then goes alone in a larger
        // packet, as servald accepts any frame payload below 1200 bytes and
        // receives packets of up to 8096.
        const first = i === start;
        const limit = first && f.frame.payload.length < C.MDP_OVERLAY_MTU ? C.PACKET_HARD_MAX : iface.mtu;
        if (!appendFrame(w, 0, f.frame, ctx, env, limit, first && f.finalHex !== undefined ? memo : undefined)) {
          if (!first) break;
          // Can never fit: drop rather than loop.
          this.queue.remove(f);
          this.stats.framesDropped++;
          start = ++i;
          continue;
        }
        if (f.reliable) anyReliable = true;
        i++;
        if (first && w.pos > iface.mtu) {
          this.stats.oversizePackets++;
          break;
        }
      }
      let n: Neighbour | undefined;
      for (let k = start; k < i && !n; k++) n = list[k].pickedTo;
      if (n && this.acks && n.ackOwed) {
        const af = this.acks.owedAck(now, n, dest);
        if (af) {
          this.frameSeq16 = (this.frameSeq16 + 1) & 0xffff;
          af.seq = this.frameSeq16 & 0xff;
        }
        if (af && appendFrame(w, 0, af, ctx, env, C.PACKET_HARD_MAX)) {
          this.acks.ackRode(n, dest);
          this.stats.framesOut++;
        }
      }
      this.packetOut(now, dest, w.toBytes(), anyReliable);
      for (let k = start; k < i; k++) {
        const f = list[k];
        const q = f.pickedFrom;
        f.pickedFrom = undefined;
        f.txCount++;
        this.stats.framesOut++;
        if (f.txCount > 1) this.stats.retransmissions++;
        if (f.ackFor && this.acks) this.acks.ackWentOut(f.ackFor, dest);
        if (f.reliable) {
          f.sentDest = dest;
          f.sentTo = f.pickedTo;
          f.sentLinkSeq = dest.sent;
          f.nextTxAt = now + retransmitDelay(dest, f.txCount);
        }
        if (q) this.queue.sent(f, q);
        else this.fixedSent = true; // (a fixed frame: flush takes them out together, dropSentFixed)
      }
    } while (i < list.length);
  }
}
