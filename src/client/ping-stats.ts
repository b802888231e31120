// Bookkeeping and output lines of `servald mdp ping`, in Serval DNA's format
// (network_cli.c app_mdp_ping). Pure: times are passed in.

export const PING_PAYLOAD_LEN = 12;

/** Ping payload: u32 seq LE || u64 time_ms LE (PROTOCOL.md 10(b)). */
export function encodePing(seq: number, timeMs: number): Uint8Array {
  const b = new Uint8Array(PING_PAYLOAD_LEN);
  b[0] = seq; b[1] = seq >>> 8; b[2] = seq >>> 16; b[3] = seq >>> 24;
  const lo = timeMs % 0x100000000;
  const hi = Math.floor(timeMs / 0x100000000);
  b[4] = lo; b[5] = lo >>> 8; b[6] = lo >>> 16; b[7] = lo >>> 24;
  b[8] = hi; b[9] = hi >>> 8; b[10] = hi >>> 16; b[11] = hi >>> 24;
  return b;
}

export function decodePing(b: Uint8Array): { seq: number; timeMs: number } | undefined {
  if (b.length < PING_PAYLOAD_LEN) return undefined;
  const seq = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  const lo = (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) >>> 0;
  const hi = (b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24)) >>> 0;
  return { seq, timeMs: hi * 0x100000000 + lo };
}

interface Sent { seq: number; txTime: number; rxTime: number; pongs: number }

export type PongResult = { kind: "first" | "duplicate" | "ignored"; n: number; delay: number };

export class PingStats {
  private sent = new Map<number, Sent>(); // by relative sequence n (1-based)
  tx = 0;
  rx = 0;
  dup = 0;
  ignored = 0;
  private min = -1;
  private max = -1;
  private total = 0;

  constructor(readonly firstSeq: number) {}

  /** Record a transmission; returns the payload to send. */
  transmit(now: number): Uint8Array {
    const seq = (this.firstSeq + this.tx) >>> 0;
    this.tx++;
    this.sent.set(this.tx, { seq, txTime: now, rxTime: 0, pongs: 0 });
    return encodePing(seq, now);
  }

  /** The last transmit() did not go out after all (e.g. the daemon's socket was full). */
  cancelLast(): void {
    if (this.tx === 0) return;
    this.sent.delete(this.tx);
    this.tx--;
  }

  /** Pings sent and not yet answered. */
  missing(): number {
    let m = 0;
    for (const s of this.sent.values()) if (s.pongs === 0) m++;
    return m;
  }

  /** Account for a reply payload received at `now`. */
  pong(payload: Uint8Array, now: number): PongResult | undefined {
    const p = decodePing(payload);
    if (!p) return undefined; // short pong
    const n = ((p.seq - this.firstSeq) >>> 0) + 1;
    const delay = now - p.timeMs;
    const s = this.sent.get(n);
    if (!s || s.seq !== p.seq || s.txTime !== p.timeMs) {
      this.ignored++;
      return { kind: "ignored", n, delay };
    }
    if (s.pongs++ > 0) {
      this.dup++;
      return { kind: "duplicate", n, delay };
    }
    s.rxTime = now;
    this.rx++;
    this.total += delay;
    if (this.min === -1 || delay < this.min) this.min = delay;
    if (delay > this.max) this.max = delay;
    return { kind: "first", n, delay };
  }

  /** The closing lines, as Serval DNA prints them. */
  summary(sidHex: string): string[] {
    const lines = [`--- ${sidHex} ping statistics ---`];
    const loss = this.tx ? ((this.tx - this.rx) * 100) / this.tx : 0;
    lines.push(`${this.tx} packets transmitted, ${this.rx} packets received (plus ${this.dup} duplicates, ${this.ignored} ignored), ${loss.toFixed(1)}% packet loss`);
    let samples = 0;
    let sq = 0;
    const mean = this.rx ? this.total / this.rx : 0;
    for (const s of this.sent.values()) {
      if (!s.pongs) continue;
      const dev = mean - (s.rxTime - s.txTime);
      sq += dev * dev;
      samples++;
    }
    if (samples) {
      const stddev = Math.sqrt(sq / samples);
      lines.push(`round-trip min/avg/max/stddev = ${this.min}/${mean.toFixed(3)}/${this.max}/${stddev.toFixed(3)} ms (${samples} samples)`);
    }
    return lines;
  }
}

/** One reply line: `SID: seq=N time=Tms hops=H[ ENCRYPTED][ SIGNED]`. */
export function pongLine(sidHex: string, n: number, delay: number, ttl: number, encrypted: boolean, signed: boolean): string {
  return `${sidHex}: seq=${n} time=${delay}ms hops=${64 - ttl}${encrypted ? " ENCRYPTED" : ""}${signed ? " SIGNED" : ""}`;
}
