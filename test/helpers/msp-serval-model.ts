// A behavioural model of one Serval DNA MSP stream plus msp_proxy's stdio
// pump, written from the facts in spec section 8 (msp_common.h): window of 4
// packets (refuses a send with more than 4 queued), everything unacked resent
// every 1.5 s, ack-only when next_ack passes, ack = rx next_seq - 1 of
// consumed data, FIRST until anything heard, ACK flag once data arrived,
// receiver buffers any seq >= next_seq, 10 s timeout, graceful-close rule.
// Test-only: it lets the simulator check wire compatibility both ways.

import { MSP_FLAG_ACK, MSP_FLAG_FIRST, MSP_FLAG_SHUTDOWN, MSP_FLAG_STOP } from "../../src/wire/msp-packet";
import { seqAdd, seqDiff } from "../../src/msp/seq";

interface Pkt { seq: number; flags: number; body: Uint8Array; sent: number }

export class ServalModelStream {
  receivedPacket = false;
  receivedData = false;
  shutdownLocal = false;
  shutdownRemote = false;
  closed = false;
  stopped = false;
  timedOut = false;
  private tx: Pkt[] = [];
  private txNext = 0;
  private rx: Pkt[] = [];
  private rxNext = 0;
  private previousAck = 0x7fff;
  private nextAck: number;
  private timeout: number;
  private input: Uint8Array;
  private inputOff = 0;
  readonly output: Uint8Array[] = [];
  received = 0;
  sentPackets = 0;

  constructor(now: number, connector: boolean, input: Uint8Array) {
    this.input = input;
    this.timeout = now + 10000;
    // msp_connect kicks after 10 ms; an accepted socket answers at once.
    this.nextAck = connector ? now + 10 : now;
    if (!connector) this.receivedPacket = true;
  }

  /** msp_process_packet */
  handle(now: number, payload: Uint8Array): void {
    if (payload.length < 1 || this.closed) return;
    const flags = payload[0];
    this.timeout = now + 10000;
    this.receivedPacket = true;
    if (flags & MSP_FLAG_STOP) {
      this.closed = this.stopped = true;
      this.tx = [];
      return;
    }
    if (payload.length < 3) return;
    if (flags & MSP_FLAG_ACK) {
      const ack = payload[1] | (payload[2] << 8);
      while (this.tx.length && seqDiff(this.tx[0].seq, ack) <= 0) this.tx.shift();
    }
    if (payload.length < 5) return;
    this.receivedData = true;
    const seq = payload[3] | (payload[4] << 8);
    if (seqDiff(seq, this.rxNext) >= 0 && !this.rx.some((p) => p.seq === seq)) {
      this.rx.push({ seq, flags, body: payload.slice(5), sent: 0 });
      this.rx.sort((a, b) => seqDiff(a.seq, b.seq));
      this.nextAck = now;
    }
  }

  /** process_sock + the proxy pump; returns the packets to send now. */
  process(now: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.closed) return out;
    if (this.timeout < now) { this.closed = this.timedOut = true; return out; }
    // Deliver in order; the pump consumes everything.
    while (this.rx.length && this.rx[0].seq === this.rxNext) {
      const p = this.rx.shift() as Pkt;
      if (p.flags & MSP_FLAG_SHUTDOWN) this.shutdownRemote = true;
      if (p.body.length) { this.output.push(p.body); this.received += p.body.length; }
      this.rxNext = seqAdd(this.rxNext, 1);
    }
    // Pump input while fewer than 4 packets are queued, then shut down at EOF.
    while (!this.shutdownLocal && this.tx.length < 4 && this.inputOff < this.input.length) {
      const n = Math.min(1024, this.input.length - this.inputOff);
      this.tx.push({ seq: this.txNext, flags: 0, body: this.input.subarray(this.inputOff, this.inputOff + n), sent: -1 });
      this.txNext = seqAdd(this.txNext, 1);
      this.inputOff += n;
    }
    if (!this.shutdownLocal && this.inputOff >= this.input.length) {
      const last = this.tx[this.tx.length - 1];
      if (last && last.sent < 0) last.flags |= MSP_FLAG_SHUTDOWN;
      else { this.tx.push({ seq: this.txNext, flags: MSP_FLAG_SHUTDOWN, body: new Uint8Array(0), sent: -1 }); this.txNext = seqAdd(this.txNext, 1); }
      this.shutdownLocal = true;
    }
    if (this.shutdownLocal && this.shutdownRemote && this.tx.length === 0 && this.rx.length === 0 && this.previousAck === seqAdd(this.rxNext, -1)) {
      this.closed = true;
      return out;
    }
    for (const p of this.tx) {
      if (p.sent < 0 || p.sent + 1500 < now) {
        const b = new Uint8Array(5 + p.body.length);
        b[0] = this.ackFlags() | p.flags;
        this.writeAck(b, now);
        b[3] = p.seq & 0xff; b[4] = p.seq >> 8;
        b.set(p.body, 5);
        p.sent = now;
        out.push(b);
      }
    }
    if (now >= this.nextAck) {
      const b = new Uint8Array(3);
      b[0] = this.ackFlags();
      this.writeAck(b, now);
      out.push(b);
    }
    this.sentPackets += out.length;
    return out;
  }

  /** Next time process() has work (an ack that is due, a resend, the timeout). */
  nextAction(): number {
    if (this.closed) return Number.POSITIVE_INFINITY;
    let t = Math.min(this.timeout + 1, this.nextAck);
    for (const p of this.tx) if (p.sent >= 0) t = Math.min(t, p.sent + 1501);
    return t;
  }

  private ackFlags(): number {
    return (this.receivedData ? MSP_FLAG_ACK : 0) | (this.receivedPacket ? 0 : MSP_FLAG_FIRST);
  }

  private writeAck(b: Uint8Array, now: number): void {
    const ack = seqAdd(this.rxNext, -1);
    b[1] = ack & 0xff; b[2] = ack >> 8;
    this.previousAck = ack;
    this.nextAck = now + 1500;
  }

  bytes(): Uint8Array {
    const o = new Uint8Array(this.received);
    let k = 0;
    for (const c of this.output) { o.set(c, k); k += c.length; }
    return o;
  }
}
