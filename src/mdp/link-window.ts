// 64-entry sequence windows over 8-bit wrapping sequence numbers (PROTOCOL.md 4.2, 6.4).
// The 64-bit mask is held as two 32-bit halves: bit k of the mask means that
// sequence (last - 1 - k) was received, where `last` is the newest sequence seen.
// The halves are int32s (bit 31 makes them negative), not uint32s: a uint32 above
// 2^31 is a float64, and every later operation on it soft-float on a router.

/** Result of offering a sequence number to a window. */
export const SEQ_NEW = 0; // newer than anything seen (possibly after a gap)
export const SEQ_LATE = 1; // older than the newest, not seen before
export const SEQ_DUP = 2; // seen before

export class SeqWindow64 {
  /** Newest sequence seen, -1 before the first. */
  last = -1;
  lo = 0; // mask bits 0..31 (int32)
  hi = 0; // mask bits 32..63 (int32)
  /** Sequences skipped by the last SEQ_NEW (0 when contiguous). */
  missed = 0;

  reset(): void {
    this.last = -1;
    this.lo = 0;
    this.hi = 0;
    this.missed = 0;
  }

  /** Become a copy of w. */
  copyFrom(w: SeqWindow64): void {
    this.last = w.last;
    this.lo = w.lo;
    this.hi = w.hi;
    this.missed = w.missed;
  }

  /** Low 32 bits of the mask, as sent in a link-state ACK record. */
  get mask32(): number {
    return this.lo >>> 0;
  }

  /** Was `seq` seen (the newest, or a set mask bit)? */
  has(seq: number): boolean {
    if (this.last < 0) return false;
    if ((seq & 0xff) === this.last) return true;
    const off = (this.last - 1 - seq) & 0xff;
    return off < 64 && this.bit(off);
  }

  /** Offer a received sequence: link-layer semantics of servald's
   * link_received_packet, except that a repeat of the newest sequence is a
   * duplicate (servald would wrap the window all the way round). */
  receive(seq: number): number {
    seq &= 0xff;
    this.missed = 0;
    if (this.last < 0) {
      this.last = seq;
      return SEQ_NEW;
    }
    if (seq === this.last) return SEQ_DUP;
    const off = (this.last - 1 - seq) & 0xff;
    if (off < 64) {
      if (this.bit(off)) return SEQ_DUP;
      this.setBit(off);
      return SEQ_LATE;
    }
    // Newer: the old `last` becomes bit 0, each skipped number shifts in a 0.
    const ahead = (seq - this.last) & 0xff; // 1..192
    if (ahead < 32) {
      // (the next one, nearly every packet, or a few ahead, a neighbour's frames
      // on one of its several interfaces: the shift in place, the old `last` at
      // bit ahead - 1)
      this.hi = (this.hi << ahead) | (this.lo >>> (32 - ahead));
      this.lo = (this.lo << ahead) | (1 << (ahead - 1));
      this.missed = ahead - 1;
      this.last = seq;
      return SEQ_NEW;
    }
    this.shiftLeft(1);
    this.lo |= 1;
    this.shiftLeft(ahead - 1);
    this.missed = ahead - 1;
    this.last = seq;
    return SEQ_NEW;
  }

  /** Number of received packets among the 15 before the newest (drop-rate basis). */
  received15(): number {
    return popcount(this.lo & 0x7fff);
  }

  private bit(k: number): boolean {
    return k < 32 ? ((this.lo >>> k) & 1) === 1 : ((this.hi >>> (k - 32)) & 1) === 1;
  }

  private setBit(k: number): void {
    if (k < 32) this.lo |= 1 << k;
    else this.hi |= 1 << (k - 32);
  }

  private shiftLeft(n: number): void {
    if (n <= 0) return;
    if (n >= 64) {
      this.lo = 0;
      this.hi = 0;
    } else if (n >= 32) {
      this.hi = this.lo << (n - 32);
      this.lo = 0;
    } else {
      this.hi = (this.hi << n) | (this.lo >>> (32 - n));
      this.lo = this.lo << n;
    }
  }
}

/** Sender side of an ACK (servald overlay_queue_ack): is the packet we sent
 * with link sequence `sent` covered by (ackSeq, mask)? */
export function ackCovers(sent: number, ackSeq: number, mask: number): boolean {
  const d = (ackSeq - sent) & 0xff;
  return d === 0 || (d <= 32 && ((mask >>> (d - 1)) & 1) === 1);
}

/** Is the packet with link sequence `sent` older than the ACK (so its absence
 * from the mask is a NACK)? servald resends when 0 < d < 128. */
export function ackIsAfter(sent: number, ackSeq: number): boolean {
  const d = (ackSeq - sent) & 0xff;
  return d > 0 && d < 128;
}

/** Serval's drop rate from an ACK mask: 15 - received of the last 15, <= 3 -> 0. */
export function dropRateFromMask(mask: number): number {
  const r = 15 - popcount(mask & 0x7fff);
  return r <= 3 ? 0 : r;
}

export function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24; // (imul: a float64 product otherwise)
}
