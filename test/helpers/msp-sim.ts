// Deterministic two-endpoint MSP simulator (virtual clock, seeded loss,
// delay, jitter/reordering, duplication, optional rate limit with a drop-tail
// queue). The msp-*.test.ts files use it.

import { MspEndpoint, MspEndpointOptions, MspStream, MspTransmit } from "../../src/msp/endpoint";
import { MspEvent } from "../../src/msp/events";
import { prng } from "./prng";

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

export function sid(fill: number): Uint8Array {
  return new Uint8Array(32).fill(fill);
}

export interface LinkOptions {
  loss?: number;
  delayMs?: number;
  jitterMs?: number;
  dup?: number;
  /** Bits per second; 0 = unlimited. */
  rateBps?: number;
  /** Per-packet overhead on the link (MDP/overlay headers, crypto). */
  overhead?: number;
  /** Drop-tail when the queue would delay a packet more than this. */
  queueMs?: number;
  /** Probability that a packet is held back by `lateMs` (no loss): how per-hop
   * retransmission below MSP reorders, a frame resent on one hop arriving after later ones. */
  late?: number;
  lateMs?: number;
  /** Drop packets for which this returns true (after loss). */
  filter?: (payload: Uint8Array, now: number) => boolean;
}

interface InFlight {
  at: number;
  order: number;
  to: SimNode;
  tx: MspTransmit;
}

/** Application behaviour attached to one stream. */
export class StreamApp {
  readonly events: MspEvent[] = [];
  readonly chunks: Uint8Array[] = [];
  received = 0;
  written = 0;
  /** When false, the app does not consume (flow-control tests). */
  reading = true;
  shutdownWhenDone: boolean;
  private shutdownDone = false;

  constructor(readonly stream: MspStream, public data: Uint8Array = new Uint8Array(0), shutdownWhenDone = true) {
    this.shutdownWhenDone = shutdownWhenDone;
  }

  receivedBytes(): Uint8Array {
    const out = new Uint8Array(this.received);
    let o = 0;
    for (const c of this.chunks) { out.set(c, o); o += c.length; }
    return out;
  }

  has(e: MspEvent): boolean { return this.events.includes(e); }

  service(now: number): void {
    const c = this.stream.conn;
    for (let e = c.pollEvent(); e; e = c.pollEvent()) this.events.push(e);
    if (this.reading) {
      for (let b = c.read(); b; b = c.read()) {
        this.chunks.push(b.slice());
        this.received += b.length;
        c.consume(b.length, now);
      }
    }
    if (this.written < this.data.length) this.written += c.write(this.data.subarray(this.written));
    if (this.shutdownWhenDone && !this.shutdownDone && this.written >= this.data.length && c.isOpen) {
      this.shutdownDone = true;
      c.shutdown(now);
    }
    for (let e = c.pollEvent(); e; e = c.pollEvent()) this.events.push(e);
  }
}

export class SimNode {
  readonly apps: StreamApp[] = [];
  constructor(readonly ep: MspEndpoint, readonly sid: Uint8Array, readonly link: LinkOptions) {}
  linkFreeAt = 0;
  sent = 0;
  sentBytes = 0;
  dropped = 0;
}

export class MspSim {
  now = 0;
  readonly a: SimNode;
  readonly b: SimNode;
  private queue: InFlight[] = [];
  private order = 0;
  private readonly rand: () => number;
  /** Factory for apps on accepted streams. */
  onAccept: (node: SimNode, s: MspStream) => StreamApp = (_n, s) => new StreamApp(s);
  /** Every transmitted payload (before loss), for wire assertions. */
  readonly log: { at: number; from: "a" | "b"; payload: Uint8Array }[] = [];
  logEnabled = false;

  constructor(seed: number, linkAB: LinkOptions = {}, linkBA: LinkOptions = linkAB, opts: MspEndpointOptions = {}, optsB: MspEndpointOptions = opts) {
    this.rand = prng(seed);
    this.a = new SimNode(new MspEndpoint(opts), sid(0xaa), linkAB);
    this.b = new SimNode(new MspEndpoint(optsB), sid(0xbb), linkBA);
  }

  other(n: SimNode): SimNode { return n === this.a ? this.b : this.a; }

  connect(from: SimNode, localPort: number, remotePort: number, data?: Uint8Array, shutdownWhenDone = true): StreamApp {
    const s = from.ep.connect(this.now, { sid: from.sid, port: localPort }, { sid: this.other(from).sid, port: remotePort });
    const app = new StreamApp(s, data, shutdownWhenDone);
    from.apps.push(app);
    return app;
  }

  /** Inject a raw payload as if `from` had sent it. */
  inject(from: SimNode, localPort: number, remotePort: number, payload: Uint8Array): void {
    const to = this.other(from);
    this.queue.push({ at: this.now, order: this.order++, to, tx: { local: { sid: from.sid, port: localPort }, remote: { sid: to.sid, port: remotePort }, payload } });
  }

  private transmit(from: SimNode, tx: MspTransmit): void {
    from.sent++;
    from.sentBytes += tx.payload.length;
    if (this.logEnabled) this.log.push({ at: this.now, from: from === this.a ? "a" : "b", payload: tx.payload });
    const l = from.link;
    let depart = this.now;
    if (l.rateBps) {
      const start = Math.max(this.now, from.linkFreeAt);
      if (l.queueMs !== undefined && start - this.now > l.queueMs) { from.dropped++; return; }
      depart = start + ((tx.payload.length + (l.overhead ?? 0)) * 8 * 1000) / l.rateBps;
      from.linkFreeAt = depart;
    }
    if (l.loss && this.rand() < l.loss) { from.dropped++; return; }
    if (l.filter && l.filter(tx.payload, this.now)) { from.dropped++; return; }
    const copies = l.dup && this.rand() < l.dup ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const late = l.late && this.rand() < l.late ? l.lateMs ?? 0 : 0;
      const at = depart + (l.delayMs ?? 0) + late + (l.jitterMs ? this.rand() * l.jitterMs : 0);
      this.queue.push({ at, order: this.order++, to: this.other(from), tx });
    }
  }

  private flush(): void {
    for (let guard = 0; guard < 100000; guard++) {
      let any = false;
      for (const n of [this.a, this.b]) {
        for (let s = n.ep.pollAccept(); s; s = n.ep.pollAccept()) n.apps.push(this.onAccept(n, s));
        for (const app of n.apps) app.service(this.now);
        for (let t = n.ep.pollTransmit(this.now); t; t = n.ep.pollTransmit(this.now)) {
          this.transmit(n, t);
          any = true;
        }
      }
      if (!any) return;
    }
    throw new Error("flush did not settle");
  }

  /** Run until done() or maxMs of virtual time. Returns true if done() became true. */
  run(done: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    let spins = 0;
    for (;;) {
      this.flush();
      if (done()) return true;
      let next = Number.POSITIVE_INFINITY;
      for (const q of this.queue) if (q.at < next) next = q.at;
      for (const n of [this.a, this.b]) {
        const t = n.ep.pollTimeout();
        if (t !== undefined && t < next) next = t;
      }
      if (next === Number.POSITIVE_INFINITY || next > end) { this.now = Math.max(this.now, Math.min(end, next)); return done(); }
      if (next <= this.now) {
        if (++spins > 10000) throw new Error(`simulation stuck at ${this.now} ms`);
        next = this.now;
      } else spins = 0;
      this.now = next;
      // Deliver everything due, in (time, order).
      const due = this.queue.filter((q) => q.at <= this.now).sort((x, y) => x.at - y.at || x.order - y.order);
      if (due.length) this.queue = this.queue.filter((q) => q.at > this.now);
      for (const q of due) {
        // Addresses swap: the sender's local is the receiver's remote.
        q.to.ep.handleDatagram(this.now, q.tx.remote, q.tx.local, q.tx.payload);
      }
      for (const n of [this.a, this.b]) n.ep.handleTimeout(this.now);
    }
  }

  /** Run for a fixed span of virtual time. */
  idle(ms: number): void {
    this.run(() => false, ms);
  }
}

/** A simulated pair whose B side listens on port 512. */
export function pair(seed: number, link = {}, opts = {}): MspSim {
  const sim = new MspSim(seed, link, link, opts);
  sim.b.ep.listen({ sid: sim.b.sid, port: 512 });
  return sim;
}
/** The first stream B accepted. */
export const server = (sim: MspSim) => sim.b.apps[0];
/** True once both ends of client stream c are closed. */
export const closedBoth = (sim: MspSim, c: StreamApp) => () => !c.stream.conn.isOpen && !!server(sim) && !server(sim).stream.conn.isOpen;
