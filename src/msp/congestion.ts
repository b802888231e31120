// Congestion window in packets: slow start to ssthresh, then additive
// increase; one multiplicative decrease per loss episode (fast retransmit),
// back to the minimum after a retransmission timeout. Serval DNA's fixed
// window is 4-5 packets; its receiver buffers any seq >= next_seq, so a
// larger window stays wire-compatible.

export class CongestionWindow {
  cwnd: number;
  ssthresh: number;

  constructor(initial: number, private readonly min: number, private readonly max: number, private readonly beta: number) {
    this.cwnd = initial;
    this.ssthresh = max;
  }

  /** Packets newly acknowledged (outside recovery). */
  onAcked(n: number): void {
    for (let i = 0; i < n; i++) {
      if (this.cwnd < this.ssthresh) this.cwnd += 1;
      else this.cwnd += 1 / this.cwnd;
    }
    if (this.cwnd > this.max) this.cwnd = this.max;
  }

  /** Loss seen by duplicate acks: shrink once for the episode. */
  onLoss(inFlight: number): void {
    const base = Math.max(this.cwnd, Math.min(inFlight, this.max));
    this.ssthresh = Math.max(this.min, Math.floor(base * this.beta));
    this.cwnd = this.ssthresh;
  }

  /** Retransmission timeout: the path may be gone; restart from the minimum. */
  onTimeout(inFlight: number): void {
    this.ssthresh = Math.max(this.min, Math.floor(Math.max(this.cwnd, inFlight) * this.beta));
    this.cwnd = this.min;
  }

  /** Whole packets that may be in flight. */
  window(): number {
    return Math.floor(this.cwnd);
  }
}
