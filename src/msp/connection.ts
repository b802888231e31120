// One MSP connection as a sans-I/O state machine (quinn style).
//   B. inputs:   handlePacket(now, payload), handleTimeout(now)
//   C. commands: write(bytes), read()/consume(n), shutdown(), stop()
//   D. outputs:  pollTransmit(now), pollTimeout(), pollEvent()
// After every B or C call, drain pollTransmit until undefined, then re-arm a
// timer at pollTimeout(). Wire behaviour follows Serval DNA (PROTOCOL.md 8):
// FIRST until anything is heard, ACK flag only once data arrived, ack = last
// consumed seq, keep-alive when idle, timeout after silence. Sending is ours:
// congestion window, RTT-based timeout, retransmitting only what is lost.

import {
  MSP_FLAG_ACK, MSP_FLAG_FIRST, MSP_FLAG_SHUTDOWN, MSP_FLAG_STOP, MSP_KIND_CONTROL, MSP_KIND_DATA,
  MSP_PREAMBLE_SIZE, decodeMspPacket, newMspPacketRepr, writeMspPreamble,
} from "../wire/msp-packet";
import { ConnectionClose, MspCloseReason } from "./close";
import { CongestionWindow } from "./congestion";
import { MspConfig, mspConfig } from "./config";
import { EventQueue, MspEvent } from "./events";
import { LossDetection } from "./loss";
import { PendingAcks } from "./pending-acks";
import { RX_NEW, ReceiveBuffer } from "./receive-buffer";
import { RttEstimator } from "./rtt";
import { SendBuffer, TxPacket } from "./send-buffer";
import { NEVER, TimerTable } from "./timers";

export type MspRole = "connect" | "accept";
export type { MspCloseReason };

const scratch = newMspPacketRepr();

export class MspConnection {
  readonly config: MspConfig;
  readonly role: MspRole;
  /** We have heard at least one packet from the peer (FIRST no longer sent). */
  heard: boolean;

  // Who owns what: the send side's packets (tx) and the receive side's (rx);
  // what is lost and when to resend (loss); what we owe the peer in acks
  // (acks); the window (cc) and RTT (rtt); every deadline (timers, see
  // timers.ts for who acts on each); half-close, STOP, graceful close and
  // lingering (end, close.ts). This class keeps connecting, sending, receiving
  // and the events of both, and wires the rest together.
  private readonly tx: SendBuffer;
  private readonly rx: ReceiveBuffer;
  private readonly cc: CongestionWindow;
  private readonly rtt: RttEstimator;
  private readonly timers = new TimerTable();
  private readonly loss: LossDetection;
  private readonly acks: PendingAcks;
  private readonly end: ConnectionClose;
  private readonly events = new EventQueue();
  /** Counters for tests, benchmarks and debug logs. */
  readonly stats = { dataSent: 0, retransmits: 0, timeouts: 0, fastRetransmits: 0, spurious: 0, acksSent: 0, received: 0, duplicates: 0 };

  /** Packets in flight may span at most this many seqs from the oldest unacked
   * one, so a receiver's reassembly window is not overrun. */
  private readonly maxSpan: number;
  private sendCap: number;
  private writeBlocked = false;
  private readableNotified = false;

  constructor(now: number, role: MspRole, config?: Partial<MspConfig>) {
    this.config = mspConfig(config);
    const c = this.config;
    this.sendCap = c.sendBufferBytes;
    this.role = role;
    this.tx = new SendBuffer(c.maxBody);
    this.rx = new ReceiveBuffer(c.receiveWindow);
    this.cc = new CongestionWindow(c.initialWindow, c.minWindow, c.maxWindow, c.lossBeta);
    this.rtt = new RttEstimator(c.initialRtoMs, c.minRtoMs, c.maxRtoMs);
    this.loss = new LossDetection(this.tx, this.cc, this.rtt, this.timers, this.stats, c);
    this.acks = new PendingAcks(this.rx, this.timers, c);
    this.end = new ConnectionClose(this.tx, this.rx, this.acks, this.timers, this.events);
    this.timers.idle = now + c.timeoutMs;
    this.timers.keepalive = now + c.keepaliveMs;
    this.maxSpan = Math.max(c.maxWindow, Math.min(2 * c.maxWindow, c.receiveWindow - 1));
    // An accepted connection answers its FIRST packet at once; a connector
    // sends its first packet after a short kick delay (Serval: 10 ms).
    this.heard = role === "accept";
    if (role === "accept") {
      this.acks.ackNow(now);
      this.events.push("connected");
    } else {
      this.timers.kick = now + c.connectKickMs;
    }
  }

  // ---- A. getters -------------------------------------------------------

  /** Bytes write() would accept now. */
  get writable(): number {
    if (this.end.closed || this.end.localShutdown) return 0;
    return Math.max(0, this.sendLimit - this.tx.bytes);
  }
  /** Bytes write() may have queued in all; the driver lowers it when many
   * streams share one process (see MspDriver), never above sendBufferBytes. */
  get sendLimit(): number { return this.sendCap; }
  set sendLimit(bytes: number) { this.sendCap = Math.min(this.config.sendBufferBytes, Math.max(1, bytes)); }
  /** Unacknowledged or unsent bytes held. */
  get bufferedBytes(): number { return this.tx.bytes; }
  get congestionWindow(): number { return this.cc.window(); }
  get smoothedRtt(): number { return this.rtt.srtt; }
  /** Next seq the application will read (Serval's rx next_seq). */
  get receiveNextSeq(): number { return this.rx.nextSeq; }
  /** Packets buffered on the receive side. */
  get receiveBuffered(): number { return this.rx.count; }
  get isOpen(): boolean { return this.end.closed === undefined; }
  /** Why the connection ended; undefined while open. */
  get closed(): MspCloseReason | undefined { return this.end.closed; }
  /** Time it closed, -1 while open (the endpoint's lingering counts from it). */
  get closedAt(): number { return this.end.closedAt; }
  /** Time the last packet arrived from the peer (lingering ends after a quiet spell). */
  get lastHeardAt(): number { return this.end.lastHeardAt; }
  /** shutdown() was called. */
  get localShutdown(): boolean { return this.end.localShutdown; }
  /** The peer's SHUTDOWN was consumed: no more data will arrive. */
  get remoteShutdown(): boolean { return this.end.remoteShutdown; }
  /** Stopped by this side: lingers to repeat the STOP if the peer missed it. */
  get stoppedLocally(): boolean { return this.end.stoppedHere; }

  // ---- B. network and timer input ----------------------------------------

  handlePacket(now: number, payload: Uint8Array): void {
    if (!decodeMspPacket(payload, scratch)) return;
    const p = scratch;
    const end = this.end;
    end.lastHeardAt = now;
    if (end.closed) {
      end.onPacketWhileClosed(now, p.kind, p.flags);
      return;
    }
    this.timers.idle = now + this.config.timeoutMs;
    if (!this.heard) {
      this.heard = true;
      this.events.push("connected");
    }
    if (p.flags & MSP_FLAG_STOP) {
      end.onPeerStop(now);
      return;
    }
    if (p.kind === MSP_KIND_CONTROL) return;
    if (p.flags & MSP_FLAG_ACK) this.onAck(now, p.ack, p.kind !== MSP_KIND_DATA, p.hint);
    if (p.kind === MSP_KIND_DATA) this.onData(now, p.seq, p.flags, p.body);
    if (end.remoteShutdown) end.checkGracefulClose(now); // (both sides must have shut down)
  }

  /** Acts on the expired timers that change state (idle, reorder, rto); the
   * output timers (ackDue, hint, kick, keepalive) are pollTransmit's, and a
   * closed connection only has acks or a STOP to repeat (see timers.ts). */
  handleTimeout(now: number): void {
    if (this.end.closed) return;
    if (now >= this.timers.idle) {
      this.end.timeOut(now);
      return;
    }
    if (now >= this.timers.reorder) this.loss.detectLosses(now);
    if (now >= this.timers.rto) this.loss.onRetransmitTimeout(now);
  }

  // ---- C. application commands ----------------------------------------------

  /** Queue bytes to send; returns how many were accepted (0 when full, shut down or closed). */
  write(data: Uint8Array): number {
    const end = this.end;
    if (end.closed || end.localShutdown) return 0;
    // The limit may have been lowered below what is already queued (more streams).
    const n = this.tx.write(data, Math.max(0, this.sendLimit - this.tx.bytes));
    if (n < data.length) this.writeBlocked = true;
    return n;
  }

  /** A "writable" event is wanted after the next acknowledgement that leaves
   * write() room (a writer that writes only what fits, or waits for room for a
   * whole packet, never gets the short write that would ask for it). */
  wantWritable(): void {
    if (!this.end.closed && !this.end.localShutdown) this.writeBlocked = true;
  }

  /** The unread part of the next in-order message, or undefined. A view: consume() it. */
  read(): Uint8Array | undefined {
    const h = this.rx.head();
    if (!h || this.rx.offset >= h.body.length) {
      this.readableNotified = false;
      return undefined;
    }
    return h.body.subarray(this.rx.offset);
  }

  /** Copy the unread in-order bytes, across consecutive messages, into `buf`
   * (as many as fit); returns how many. Consumes nothing: consume() what the
   * application took. One local write per burst instead of one per message. */
  readInto(buf: Uint8Array): number {
    const rx = this.rx;
    let off = rx.offset;
    let n = 0;
    for (let k = 0; n < buf.length; k++) {
      const p = rx.peek(k);
      if (!p) break;
      const body = p.body;
      const take = Math.min(body.length - off, buf.length - n);
      if (take > 0) buf.set(off === 0 && take === body.length ? body : body.subarray(off, off + take), n);
      n += take;
      off = 0;
    }
    if (n === 0) this.readableNotified = false;
    return n;
  }

  /** Mark n bytes of read() (or readInto()) as consumed, from the head on;
   * whole messages advance the ack. */
  consume(n: number, now: number): void {
    for (;;) {
      const h = this.rx.head();
      if (!h) break;
      const take = Math.min(h.body.length - this.rx.offset, n);
      this.rx.offset += take;
      n -= take;
      this.deliver(now);
      if (n <= 0 || take === 0) break;
    }
    if (this.end.remoteShutdown) this.end.checkGracefulClose(now);
  }

  /** Half-close: a SHUTDOWN follows every byte already written. */
  shutdown(now: number): void { this.end.shutdown(now); }

  /** Abort: send STOP, drop everything queued. */
  stop(now: number): void { this.end.stop(now); }

  /** The daemon carrying this connection went away: end it now ("closed
   * suddenly") without a STOP, since nothing can get out any more. */
  abort(now: number): void { this.end.abort(now); }

  // ---- D. outputs -------------------------------------------------------------------

  /** Next MSP payload to hand to MDP (a fresh buffer), or undefined. */
  pollTransmit(now: number): Uint8Array | undefined {
    const end = this.end;
    if (end.closed) {
      if (end.stopPending) return end.takeStop(); // (only ever pending once closed)
      return end.finalAckDue(now) ? this.ackOnly(now, false) : undefined;
    }
    const lost = this.tx.firstLost();
    if (lost) {
      this.tx.clearLost(lost);
      return this.emitData(now, lost);
    }
    // Packets still in the network: in flight minus those known to have
    // arrived beyond the hole and those marked lost. The span from the oldest
    // unacked packet is bounded separately (maxSpan).
    if (this.tx.hasUnsent && this.tx.inFlight < this.maxSpan) {
      const pipe = this.tx.inFlight - this.loss.deliveredBeyond - this.tx.lostCount;
      if (pipe < this.cc.window()) {
        const p = this.tx.takeUnsent();
        if (p) return this.emitData(now, p);
      }
    }
    const t = this.timers;
    if (this.acks.hintsReady(now) || now >= t.ackDue || now >= t.kick || now >= t.keepalive) {
      const out = this.ackOnly(now, true);
      if (end.remoteShutdown) end.checkGracefulClose(now);
      return out;
    }
    return undefined;
  }

  /** Earliest time handleTimeout/pollTransmit has something to do; undefined if nothing.
   * Open: the earliest timer (timers.ts). Closed: a STOP or final acks still to
   * send (due since closedAt), or a lingering re-ack (ackDue); nothing else. */
  pollTimeout(): number | undefined {
    const t = this.end.closed ? this.end.closedDeadline() : this.timers.next();
    return t === NEVER ? undefined : t;
  }

  pollEvent(): MspEvent | undefined {
    return this.events.shift();
  }

  // ---- internals --------------------------------------------------------------------

  private flagsNow(): number {
    return this.acks.ackFlag | (this.heard ? 0 : MSP_FLAG_FIRST);
  }

  /** Call after any packet went out: it carried our ack and was a sign of life. */
  private noteSent(now: number): void {
    this.timers.keepalive = now + this.config.keepaliveMs;
    this.timers.kick = NEVER;
    this.acks.onSent();
  }

  private ackOnly(now: number, withHint: boolean): Uint8Array {
    const out = this.acks.encodeAck(now, this.flagsNow(), withHint);
    this.stats.acksSent++;
    this.noteSent(now);
    return out;
  }

  private emitData(now: number, p: TxPacket): Uint8Array {
    const out = new Uint8Array(MSP_PREAMBLE_SIZE + p.len);
    writeMspPreamble(out, 0, this.flagsNow() | p.flags, this.acks.value(), p.seq);
    out.set(p.body.subarray(0, p.len), MSP_PREAMBLE_SIZE);
    p.sentAt = now;
    p.sendCount++;
    this.stats.dataSent++;
    if (p.sendCount > 1) {
      this.stats.retransmits++;
      this.loss.onResent(now, p);
    }
    if (p.flags & MSP_FLAG_SHUTDOWN) this.end.onShutdownSent();
    // The RTO runs while anything is in flight (LossDetection re-arms it on acks).
    if (this.timers.rto === NEVER) this.timers.rto = now + this.rtt.rto();
    this.noteSent(now);
    return out;
  }

  /** An ack from the peer (on an ack-only or a data packet; `hint`: its
   * selective-ack hint, 0 if none). */
  private onAck(now: number, ack: number, pureAck: boolean, hint: number): void {
    const n = this.tx.ackedCount(ack);
    if (n === 0) {
      if (hint > 0) this.loss.onHint(now, ack, hint);
      else if (pureAck) this.loss.onDuplicateAck(now, ack);
      return;
    }
    const clean = this.loss.onAcked(now, n);
    const newest = this.tx.release(n);
    // RTT: sampled from the newest packet acked, if none of them was resent.
    if (clean && newest) {
      this.rtt.sample(now - newest.sentAt);
      this.cc.onRttSample(now - newest.sentAt);
    } else this.rtt.onProgress();
    this.cc.onAcked(n, now, true);
    this.loss.onAckAdvanced(now, ack, n, hint);
    if (this.writeBlocked) this.notifyWritable();
  }

  private notifyWritable(): void {
    if (this.writable > 0) {
      this.writeBlocked = false;
      this.events.push("writable");
    }
  }

  private onData(now: number, seq: number, flags: number, body: Uint8Array): void {
    if (!this.acks.ackFlag) this.acks.onData();
    const r = this.rx.insert(seq, flags, body);
    this.stats.received++;
    if (r !== RX_NEW) this.stats.duplicates++;
    if (r === RX_NEW && flags & MSP_FLAG_SHUTDOWN) this.end.onShutdownArrived(seq);
    if (r === RX_NEW && this.rx.contiguousThrough(seq)) {
      // In order (perhaps behind unconsumed data): the ack comes on consumption.
      this.deliver(now);
    } else {
      this.acks.onOutOfOrder(now, seq, r === RX_NEW);
    }
  }

  /** Skip empty messages, note SHUTDOWN, signal readable, and schedule acks. */
  private deliver(now: number): void {
    let advanced = 0;
    for (;;) {
      const h = this.rx.head();
      if (!h) break;
      if (this.rx.offset < h.body.length) {
        if (!this.readableNotified) {
          this.readableNotified = true;
          this.events.push("readable");
        }
        break;
      }
      const shut = (h.flags & MSP_FLAG_SHUTDOWN) !== 0;
      this.rx.advance();
      advanced++;
      if (shut) this.end.onRemoteShutdown();
    }
    if (advanced === 0) return;
    this.readableNotified = this.rx.head() !== undefined && this.readableNotified;
    this.acks.onConsumed(now, advanced, this.end.remoteShutdown);
  }
}
