// Frames waiting to go out, and per-hop retransmission of unicast frames
// (PROTOCOL.md 4.2, 6.4, 6.5). A reliable frame stays queued after each transmission
// until the next hop's ACK record covers the packet that last carried it; a
// NACK (a newer ACK without it) resends at once. Every transmission reuses the
// frame's sequence number, so receivers drop copies.
//
// Frames are kept by state so that no step scans the whole queue (a busy relay
// holds hundreds of frames and services it on every packet):
//   fixed    control frames for one destination, sent once (FIFO);
//   pending  routed frames waiting for a (first or renewed) transmission, one
//            FIFO per final destination, so the transmitter only looks at heads;
//   inflight sent reliable frames waiting for an ACK, per destination they went
//            to, so an ACK record only looks at that destination's few frames.
// Memory is bounded: a cap per final destination and in total, dropping the
// oldest frame and counting it.
import type { FrameRepr, LinkRecordRepr } from "../wire/types";
import type { Destination, Neighbour } from "./neighbours";
import { QUEUE_PER_DESTINATION_MAX, QUEUE_TOTAL_MAX, RESEND_BACKOFF_MAX_MS } from "./constants";

export interface TxFrame {
  /** Header and payload. nextHop/oneHop/seq/ackSoon are set per transmission. */
  frame: FrameRepr;
  /** Routed unicast frame: hex of the final destination. */
  finalHex: string | undefined;
  /** Unrouted frame (control, broadcast): send once to this destination. */
  fixed: Destination | undefined;
  /** Retransmit until ACKed (unicast data); otherwise sent once. */
  reliable: boolean;
  enqueuedAt: number;
  deadline: number;
  txCount: number;
  nextTxAt: number;
  /** 16-bit frame sequence, -1 until first sent (low byte on the wire). */
  seq16: number;
  /** The last transmission: destination, next hop, and its packet count there (Destination.sent). */
  sentDest: Destination | undefined;
  sentTo: Neighbour | undefined;
  sentLinkSeq: number;
  /** An ACK record to this neighbour rides in this frame. */
  ackFor: Neighbour | undefined;
  /** Sent by a local client (not forwarded): counts towards the client backlog. */
  local: boolean;
  /** Set by the transmitter for the flush that chose the frame: the next hop
   * (none for fixed frames) and the FIFO it came from (none for fixed frames). */
  pickedTo: Neighbour | undefined;
  pickedFrom: PendingFifo | undefined;
}

/** Spare frames kept at most (enough for a few ACKs' worth of data frames). */
const SPARES_MAX = 64;

export interface AckResult {
  acked: number;
  nacked: number;
}

/** Routed frames for one final destination that wait for a transmission. */
export interface PendingFifo {
  readonly hex: string;
  readonly frames: TxFrame[];
  /** Local frames never sent in it (the client backlog, unless waiting for a route). */
  localUnsent: number;
  waitingRoute: boolean;
}

/** A service pass's ACK frames that name no destination (a tick's), each for a
 * packet of its own, held back instead of queued while nothing else is queued
 * (Sender.queueAck): the next flush sends them first, in order, each from its
 * destination's packet template (Transmitter.sendHeld), or queues them as they
 * would have been (Sender.releaseHeld). Parallel lists, reused. */
export interface HeldAcks {
  dests: Destination[];
  recs: LinkRecordRepr[];
  /** The neighbour each ACK record is for (TxFrame.ackFor; undefined: a broadcast tick's). */
  acksFor: (Neighbour | undefined)[];
}

export class TxQueue {
  /** Control frames with a fixed destination, in order. */
  readonly fixed: TxFrame[] = [];
  /** ACK frames held back while nothing else is queued (not counted in `length`). */
  readonly held: HeldAcks = { dests: [], recs: [], acksFor: [] };
  /** Routed frames waiting for a transmission, per final destination. */
  readonly pending = new Map<string, PendingFifo>();
  /** Sent reliable frames waiting for an ACK, per destination they went to. */
  readonly inflight = new Map<Destination, TxFrame[]>();
  /** No in-flight frame is due for a retransmission before this (a lower bound:
   * ACKs remove frames without raising it; the transmitter rescans once it passes). */
  retryDueAt = Infinity;
  private readonly perFinal = new Map<string, number>();
  private total = 0;
  /** Called with a frame dropped to honour a cap. */
  onDrop: (f: TxFrame, why: "cap") => void = () => {};

  get length(): number {
    return this.total;
  }

  /** Every queued frame (tests, status; not for the data path). */
  get frames(): TxFrame[] {
    const out: TxFrame[] = [...this.fixed];
    for (const q of this.pending.values()) out.push(...q.frames);
    for (const l of this.inflight.values()) out.push(...l);
    return out;
  }

  /** Local frames not yet sent whose destination has a route: what the daemon's
   * clients have queued ahead of the link (see MeshNode.clientBacklog). */
  get localBacklog(): number {
    let n = 0;
    for (const q of this.pending.values()) if (!q.waitingRoute) n += q.localUnsent;
    return n;
  }

  /** Queued frames for a final destination. */
  countFor(hex: string): number {
    return this.perFinal.get(hex) ?? 0;
  }

  add(f: TxFrame): void {
    if (f.finalHex !== undefined && this.countFor(f.finalHex) >= QUEUE_PER_DESTINATION_MAX) this.evictFor(f.finalHex);
    if (this.total >= QUEUE_TOTAL_MAX) this.evictAny();
    this.total++;
    if (f.finalHex !== undefined) this.perFinal.set(f.finalHex, this.countFor(f.finalHex) + 1);
    if (f.fixed) this.fixed.push(f);
    else if (f.reliable && f.txCount > 0 && f.sentDest) this.pushInflight(f);
    else this.pushPending(f, false);
  }

  /** Take a frame out of the queue for good (sent once, ACKed, expired, dropped). */
  remove(f: TxFrame): void {
    if (this.detach(f)) this.forget(f);
  }

  /** Count a frame that is no longer held anywhere out of the totals; it becomes
   * a spare (its fields stay as they were until takeSpare hands it out again). */
  private forget(f: TxFrame): void {
    this.total--;
    if (f.finalHex !== undefined) {
      const n = this.countFor(f.finalHex) - 1;
      if (n <= 0) this.perFinal.delete(f.finalHex);
      else this.perFinal.set(f.finalHex, n);
    }
    if (this.spares.length < SPARES_MAX) this.spares.push(f);
  }

  /** Frames that left the queue for good, reused for new ones (Sender.newTx):
   * a TxFrame literal is 16 property definitions, each a generic define in
   * QuickJS, per datagram; refilling one is 16 plain stores. */
  private readonly spares: TxFrame[] = [];

  /** A frame no longer queued anywhere, to be refilled in full; undefined if none. */
  takeSpare(): TxFrame | undefined {
    return this.spares.pop();
  }

  /** Take out, in one pass after a flush, the fixed frames it sent (txCount > 0:
   * a fixed frame goes out once): no search and splice per frame sent, and when
   * all went out (the usual case) the list just empties. */
  dropSentFixed(): void {
    const l = this.fixed;
    let kept = 0;
    for (let i = 0; i < l.length; i++) {
      const f = l[i];
      if (f.txCount > 0) this.forget(f);
      else l[kept++] = f;
    }
    l.length = kept;
  }

  /** A pending frame went on the wire: reliable ones now wait for an ACK. */
  sent(f: TxFrame, q: PendingFifo): void {
    // (the transmitter takes a FIFO's frames from its head, in order)
    const frames = q.frames;
    if (frames[0] === f) frames.shift();
    else {
      const i = frames.indexOf(f);
      if (i < 0) return; // dropped meanwhile
      frames.splice(i, 1);
    }
    if (f.local && f.txCount === 1) q.localUnsent--;
    if (q.frames.length === 0 && this.pending.get(q.hex) === q) this.pending.delete(q.hex);
    if (f.reliable && f.sentDest) this.pushInflight(f);
    else this.forget(f);
  }

  /** An in-flight frame is due again: back to the head of its pending FIFO. */
  requeue(f: TxFrame): void {
    const l = f.sentDest && this.inflight.get(f.sentDest);
    if (l) this.removeFrom(l, f, f.sentDest!);
    this.pushPending(f, true);
  }

  /**
   * An ACK record from neighbour `n` for our destination `dest`: dequeue the
   * frames it covers, and resend at once those it proves lost.
   */
  onAck(n: Neighbour, dest: Destination, ackSeq: number, mask: number, now: number, acked: (f: TxFrame) => void): AckResult {
    const res = this.ackResult;
    res.acked = 0;
    res.nacked = 0;
    const l = this.inflight.get(dest);
    if (!l) return res;
    // The packet count the 8-bit ackSeq stands for: the latest one with that low byte.
    // Comparing counts, not bytes, keeps a frame sent 256 packets ago (at high packet
    // rates, well within its retransmit delay) from being taken as ACKed by a newer packet.
    const acked8 = dest.sent - ((dest.seq - ackSeq) & 0xff);
    // One pass that keeps the frames not acked in place (an ACK takes several
    // frames at once; removing each by search and splice, and first looking
    // for it among the pending ones, cost a scan per frame on the data path).
    // The list is in the order of transmission (a frame joins it when it went
    // out, with sentLinkSeq = dest.sent then, which only grows): once a frame
    // was sent after the ACKed packet, so were all after it, and the ACK says
    // nothing about them; they stay as they are, moved down in one native call.
    let kept = 0;
    const len = l.length;
    let i = 0;
    for (; i < len; i++) {
      const f = l[i];
      const d = acked8 - f.sentLinkSeq;
      if (d < 0) break; // (the ACK predates this transmission, and every later one)
      if (f.sentTo === n && f.txCount !== 0) {
        if (d === 0 || (d > 0 && d <= 32 && ((mask >>> (d - 1)) & 1) === 1)) {
          this.forget(f);
          acked(f);
          res.acked++;
          continue;
        }
        if (d > 0 && f.nextTxAt > now) {
          f.nextTxAt = now;
          if (now < this.retryDueAt) this.retryDueAt = now;
          res.nacked++;
        }
      }
      l[kept++] = f;
    }
    if (kept < i) {
      if (i < len) l.splice(kept, i - kept);
      else l.length = kept;
    }
    if (l.length === 0) this.inflight.delete(dest);
    return res;
  }

  /** onAck's answer (reused: read at once by the caller). */
  private readonly ackResult: AckResult = { acked: 0, nacked: 0 };

  private pushInflight(f: TxFrame): void {
    this.inflightList(f.sentDest!).push(f);
    if (f.nextTxAt < this.retryDueAt) this.retryDueAt = f.nextTxAt;
  }

  private inflightList(d: Destination): TxFrame[] {
    let l = this.inflight.get(d);
    if (!l) this.inflight.set(d, (l = []));
    return l;
  }

  private pushPending(f: TxFrame, front: boolean): void {
    const hex = f.finalHex ?? "";
    let q = this.pending.get(hex);
    if (!q) this.pending.set(hex, (q = { hex, frames: [], localUnsent: 0, waitingRoute: false }));
    if (front) q.frames.unshift(f);
    else q.frames.push(f);
    if (f.local && f.txCount === 0) q.localUnsent++;
  }

  private removeFrom(l: TxFrame[], f: TxFrame, d: Destination): boolean {
    const i = l.indexOf(f);
    if (i < 0) return false;
    l.splice(i, 1);
    if (l.length === 0) this.inflight.delete(d);
    return true;
  }

  /** Unlink f from whichever structure holds it; false if it is not queued. */
  private detach(f: TxFrame): boolean {
    if (f.fixed) {
      const i = this.fixed.indexOf(f);
      if (i < 0) return false;
      this.fixed.splice(i, 1);
      return true;
    }
    const q = this.pending.get(f.finalHex ?? "");
    if (q) {
      const i = q.frames.indexOf(f);
      if (i >= 0) {
        q.frames.splice(i, 1);
        if (f.local && f.txCount === 0) q.localUnsent--;
        if (q.frames.length === 0) this.pending.delete(q.hex);
        return true;
      }
    }
    const l = f.sentDest && this.inflight.get(f.sentDest);
    return !!l && this.removeFrom(l, f, f.sentDest!);
  }

  /** Cap for one final destination: drop its oldest frame, waiting ones first. */
  private evictFor(hex: string): void {
    let old = this.pending.get(hex)?.frames[0];
    if (!old) {
      for (const l of this.inflight.values()) {
        for (const f of l) if (f.finalHex === hex && (!old || f.enqueuedAt < old.enqueuedAt)) old = f;
      }
    }
    if (!old) return;
    this.remove(old);
    this.onDrop(old, "cap");
  }

  /** Total cap: drop the oldest waiting frame of the longest FIFO (else any fixed one). */
  private evictAny(): void {
    let longest: PendingFifo | undefined;
    for (const q of this.pending.values()) if (!longest || q.frames.length > longest.frames.length) longest = q;
    const old = longest?.frames[0] ?? this.fixed[0] ?? this.inflight.values().next().value?.[0];
    if (!old) return;
    this.remove(old);
    this.onDrop(old, "cap");
  }
}

/** Retransmit delay after the k-th transmission: the destination's RTO, then
 * growing by half each time up to 1 s, so the retry cap spans several seconds
 * (a next hop that is briefly away, e.g. restarting, is waited for). An RTO
 * above 1 s (a next hop whose CPU answers late: issue 11, routers emulated on
 * a loaded host) is kept as it is: resending every second there sent each
 * frame ~7 times, and the copies took the link from new frames. */
export function retransmitDelay(dest: Destination, txCount: number): number {
  const backoff = txCount <= 2 ? 1 : 1.5 ** (txCount - 2);
  const rto = dest.resendDelay;
  return Math.min(rto > RESEND_BACKOFF_MAX_MS ? rto : RESEND_BACKOFF_MAX_MS, rto * backoff);
}
