// Congestion window in packets. Slow start, then additive increase, like
// Reno; but a loss does not cut the window below a floor derived from the
// measured path (1.25 x max delivery rate x min RTT, BBR-style), because on
// a lossy radio mesh most losses are not congestion and halving on each one
// starves the stream. Serval DNA's fixed window is 4-5 packets; its receiver
// buffers any seq >= next_seq, so a larger window stays wire-compatible.

const BW_INTERVALS = 8;

export class CongestionWindow {
  cwnd: number;
  ssthresh: number;
  minRtt = Number.POSITIVE_INFINITY;
  /** Max delivery rate over the last intervals, packets per ms. */
  maxBw = 0;
  private readonly bw = new Float64Array(BW_INTERVALS);
  private bwIdx = 0;
  private delivered = 0;
  private intervalStart = -1;
  private intervalDelivered = 0;
  private undoCwnd = -1;
  private undoSsthresh = 0;

  constructor(initial: number, private readonly min: number, private readonly max: number, private readonly beta: number) {
    this.cwnd = initial;
    this.ssthresh = max;
  }

  onRttSample(rtt: number): void {
    if (rtt > 0 && rtt < this.minRtt) this.minRtt = rtt;
  }

  /** Packets newly acknowledged. */
  onAcked(n: number, now: number, grow: boolean): void {
    this.delivered += n;
    this.measure(now);
    if (!grow) return;
    for (let i = 0; i < n; i++) {
      if (this.cwnd < this.ssthresh) this.cwnd += 1;
      else this.cwnd += 1 / this.cwnd;
    }
    if (this.cwnd > this.max) this.cwnd = this.max;
  }

  /** Loss seen by duplicate acks: shrink once for the episode, not below the path floor. */
  onLoss(): void {
    this.undoCwnd = this.cwnd;
    this.undoSsthresh = this.ssthresh;
    this.ssthresh = Math.max(this.min, this.floor(), Math.floor(this.cwnd * this.beta));
    this.cwnd = this.ssthresh;
  }

  /** The last loss episode was reordering after all (a spurious retransmission): take back its cut. */
  undo(): void {
    if (this.undoCwnd < 0) return;
    this.cwnd = Math.max(this.cwnd, this.undoCwnd);
    this.ssthresh = Math.max(this.ssthresh, this.undoSsthresh);
    this.undoCwnd = -1;
  }

  /** Retransmission timeout: back to a small window (the path may have changed). */
  onTimeout(): void {
    this.undoCwnd = -1;
    this.ssthresh = Math.max(this.min, this.floor(), Math.floor(this.cwnd * this.beta));
    this.cwnd = Math.max(this.min, Math.floor(this.floor() / 2));
  }

  /** Whole packets that may be in flight. */
  window(): number {
    return Math.floor(this.cwnd);
  }

  private floor(): number {
    if (this.maxBw <= 0 || this.minRtt === Number.POSITIVE_INFINITY) return this.min;
    return Math.min(this.max, Math.ceil(this.maxBw * this.minRtt * 1.25));
  }

  /** One delivery-rate sample per min-RTT interval; keep the max of the last few. */
  private measure(now: number): void {
    if (this.intervalStart < 0) {
      this.intervalStart = now;
      this.intervalDelivered = this.delivered;
      return;
    }
    const span = now - this.intervalStart;
    const rtt = this.minRtt === Number.POSITIVE_INFINITY ? 100 : this.minRtt;
    if (span < rtt) return;
    this.bw[this.bwIdx] = (this.delivered - this.intervalDelivered) / span;
    this.bwIdx = (this.bwIdx + 1) % BW_INTERVALS;
    let m = 0;
    for (let i = 0; i < BW_INTERVALS; i++) if (this.bw[i] > m) m = this.bw[i];
    this.maxBw = m;
    this.intervalStart = now;
    this.intervalDelivered = this.delivered;
  }
}
