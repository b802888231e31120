// Round-trip estimator and retransmission timeout (RFC 6298: SRTT, RTTVAR,
// RTO = SRTT + 4*RTTVAR, doubled on each timeout, samples only from packets
// sent once so a retransmission never gives an ambiguous sample).

export class RttEstimator {
  srtt = -1;
  rttvar = 0;
  private backoff = 1;

  constructor(private readonly initialRto: number, private readonly minRto: number, private readonly maxRto: number) {}

  sample(rttMs: number): void {
    const r = rttMs < 1 ? 1 : rttMs;
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      const err = r - this.srtt;
      this.rttvar += ((err < 0 ? -err : err) - this.rttvar) / 4;
      this.srtt += err / 8;
    }
    this.backoff = 1;
  }

  /** Current timeout including backoff. */
  rto(): number {
    const base = this.srtt < 0 ? this.initialRto : this.srtt + Math.max(4 * this.rttvar, 10);
    const t = Math.max(this.minRto, base) * this.backoff;
    return t > this.maxRto ? this.maxRto : t;
  }

  /** A timeout fired: back off. */
  onTimeout(): void {
    if (this.backoff < 64) this.backoff *= 2;
  }

  /** Forward progress without a usable sample still ends the backoff. */
  onProgress(): void {
    this.backoff = 1;
  }
}
