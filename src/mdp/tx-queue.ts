// Frames waiting to go out, and per-hop retransmission of unicast frames
// (spec 4.2, 6.4, 6.5). A reliable frame stays queued after each transmission
// until the next hop's ACK record covers the link sequence of the packet that
// last carried it; a NACK (a newer ACK without it) resends at once. Every
// transmission reuses the frame's sequence number, so receivers drop copies.
// Memory is bounded: a cap per final destination and in total, dropping the
// oldest frame and counting it.
import type { FrameRepr } from "../wire/types";
import type { Destination, Neighbour } from "./neighbours";
import { QUEUE_PER_HOP_MAX, QUEUE_TOTAL_MAX, RESEND_DELAY_MAX_MS } from "./constants";

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
  /** Waiting for a route (nextTxAt is then the deadline). */
  waitingRoute: boolean;
  /** Never sent, held back by its next hop's in-flight window (nextTxAt is then
   * the deadline; every flush, e.g. after an ACK, looks at it again). */
  held: boolean;
  /** An ACK record to this neighbour rides in this frame. */
  ackFor: Neighbour | undefined;
}

export interface AckResult {
  acked: number;
  nacked: number;
}

export class TxQueue {
  readonly frames: TxFrame[] = [];
  private readonly perDest = new Map<string, number>();
  /** Called with a frame dropped to honour a cap. */
  onDrop: (f: TxFrame, why: "cap") => void = () => {};

  get length(): number {
    return this.frames.length;
  }

  add(f: TxFrame): void {
    if (f.finalHex !== undefined) {
      const n = this.perDest.get(f.finalHex) ?? 0;
      if (n >= QUEUE_PER_HOP_MAX) {
        const old = this.frames.find((x) => x.finalHex === f.finalHex);
        if (old) { this.remove(old); this.onDrop(old, "cap"); }
      }
      this.perDest.set(f.finalHex, (this.perDest.get(f.finalHex) ?? 0) + 1);
    }
    if (this.frames.length >= QUEUE_TOTAL_MAX) {
      const old = this.frames.find((x) => x.reliable) ?? this.frames[0];
      this.remove(old);
      this.onDrop(old, "cap");
    }
    this.frames.push(f);
  }

  remove(f: TxFrame): void {
    const i = this.frames.indexOf(f);
    if (i < 0) return;
    this.frames.splice(i, 1);
    if (f.finalHex !== undefined) {
      const n = (this.perDest.get(f.finalHex) ?? 1) - 1;
      if (n <= 0) this.perDest.delete(f.finalHex);
      else this.perDest.set(f.finalHex, n);
    }
  }

  /** Queued frames for a final destination. */
  countFor(hex: string): number {
    return this.perDest.get(hex) ?? 0;
  }

  /**
   * An ACK record from neighbour `n` for our destination `dest`: dequeue the
   * frames it covers, and resend at once those it proves lost.
   */
  onAck(n: Neighbour, dest: Destination, ackSeq: number, mask: number, now: number, acked: (f: TxFrame) => void): AckResult {
    const res: AckResult = { acked: 0, nacked: 0 };
    // The packet count the 8-bit ackSeq stands for: the latest one with that low byte.
    // Comparing counts, not bytes, keeps a frame sent 256 packets ago (at high packet
    // rates, well within its retransmit delay) from being taken as ACKed by a newer packet.
    const acked8 = dest.sent - ((dest.seq - ackSeq) & 0xff);
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i];
      if (!f.reliable || f.sentDest !== dest || f.sentTo !== n || f.txCount === 0) continue;
      const d = acked8 - f.sentLinkSeq;
      if (d < 0) continue; // the ACK predates this transmission
      if (d === 0 || (d <= 32 && ((mask >>> (d - 1)) & 1) === 1)) {
        this.remove(f);
        acked(f);
        res.acked++;
      } else if (f.nextTxAt > now) {
        f.nextTxAt = now;
        res.nacked++;
      }
    }
    return res;
  }
}

/** Retransmit delay after the k-th transmission: the destination's RTO, then
 * growing by half each time up to 1 s, so the retry cap spans several seconds
 * (a next hop that is briefly away, e.g. restarting, is waited for). */
export function retransmitDelay(dest: Destination, txCount: number): number {
  const backoff = txCount <= 2 ? 1 : 1.5 ** (txCount - 2);
  return Math.min(RESEND_DELAY_MAX_MS, dest.resendDelay * backoff);
}
