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
  MSP_PREAMBLE_SIZE, decodeMspPacket, encodeMspAck, encodeMspAckHint, encodeMspStop, MSP_HINT_MAX, MSP_HINT_PAIR, newMspPacketRepr, writeMspPreamble,
} from "../wire/msp-packet";
import { CongestionWindow } from "./congestion";
import { MspConfig, mspConfig } from "./config";
import { EventQueue, MspEvent } from "./events";
import { RX_NEW, ReceiveBuffer } from "./receive-buffer";
import { RttEstimator } from "./rtt";
import { SendBuffer, TxPacket } from "./send-buffer";
import { seqAdd, seqDiff } from "./seq";

export type MspRole = "connect" | "accept";
export type MspCloseReason = "graceful" | "stopped" | "timeout";

const NEVER = Number.POSITIVE_INFINITY;
const scratch = newMspPacketRepr();

export class MspConnection {
  readonly config: MspConfig;
  readonly role: MspRole;
  /** Why the connection ended; undefined while open. */
  closed: MspCloseReason | undefined;
  /** Time it closed (for lingering to re-ack a lost final ack). */
  closedAt = -1;
  /** Time the last packet arrived from the peer (lingering ends after a quiet spell). */
  lastHeardAt = -1;
  /** We have heard at least one packet from the peer (FIRST no longer sent). */
  heard: boolean;
  localShutdown = false;
  /** The peer's SHUTDOWN was consumed: no more data will arrive. */
  remoteShutdown = false;

  private readonly tx: SendBuffer;
  private readonly rx: ReceiveBuffer;
  private readonly cc: CongestionWindow;
  private readonly rtt: RttEstimator;
  private readonly events = new EventQueue();
  /** Counters for tests, benchmarks and debug logs. */
  readonly stats = { dataSent: 0, retransmits: 0, timeouts: 0, fastRetransmits: 0, spurious: 0, acksSent: 0, received: 0, duplicates: 0 };

  private receivedData = false;
  /** Serval's previous_ack: the ack value last put on the wire. */
  private lastAckSent = 0x7fff;
  private ackDue = NEVER;
  private unackedConsumed = 0;
  /** Out-of-order or repeated packets that arrived since our last ack. */
  private owedHints = 0;
  /** The newest out-of-order packet among them, hinted in the next ack (-1: none). */
  private hintSeq = -1;
  /** When the oldest owed one arrived: the ack waits at most ackDelayMs for more. */
  private hintAt = NEVER;
  /** The peer sends selective-ack hints (a serval-mesh peer; Serval DNA does not). */
  private hintsSeen = false;
  private sackedCount = 0;
  private lastTxAt: number;
  private timeoutAt: number;
  private kickAt: number;
  private rtoAt = NEVER;
  private dupAcks = 0;
  /** Packets known (by duplicate acks) to have arrived after the oldest unacked one. */
  private beyond = 0;
  private readonly maxSpan: number;
  private inRecovery = false;
  private recoverSeq = 0;
  // Time-based loss detection (RACK-like), used with a peer that sends
  // selective-ack hints. Per-hop retransmission below us reorders packets
  // (a frame resent on one hop arrives after later ones), so counting packets
  // that overtook a hole would call most reorderings a loss.
  /** Send time and RTT of the most recently sent packet known delivered. */
  private rackSentAt = -1;
  private rackRtt = 0;
  /** Grows the reordering window (see reorderWindow) each time a retransmission proves spurious. */
  private reoSteps = 1;
  private reoTimerAt = NEVER;
  private shutdownSent = false;
  /** Seq of a SHUTDOWN packet received (maybe out of order), -1 if none. */
  private rxShutdownSeq = -1;
  private stopPending = false;
  private sendCap: number;
  /** The STOP came from this side (a peer's STOP needs no answer). */
  private stoppedHere = false;
  /** Extra copies of the last ack sent on a graceful close: if the peer misses
   * it, it resends to a port nobody answers on any more and times out. */
  private finalAcks = 0;
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
    this.timeoutAt = now + c.timeoutMs;
    this.lastTxAt = now;
    this.maxSpan = Math.max(c.maxWindow, Math.min(2 * c.maxWindow, c.receiveWindow - 1));
    // An accepted connection answers its FIRST packet at once; a connector
    // sends its first packet after a short kick delay (Serval: 10 ms).
    this.heard = role === "accept";
    if (role === "accept") {
      this.kickAt = NEVER;
      this.ackDue = now;
      this.events.push("connected");
    } else {
      this.kickAt = now + c.connectKickMs;
    }
  }

  // ---- A. getters -------------------------------------------------------

  /** Bytes write() would accept now. */
  get writable(): number {
    if (this.closed || this.localShutdown) return 0;
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
  get isOpen(): boolean { return this.closed === undefined; }
  /** Stopped by this side: lingers to repeat the STOP if the peer missed it. */
  get stoppedLocally(): boolean { return this.stoppedHere; }

  // ---- B. network and timer input ----------------------------------------

  handlePacket(now: number, payload: Uint8Array): void {
    if (!decodeMspPacket(payload, scratch)) return;
    const p = scratch;
    this.lastHeardAt = now;
    if (this.closed) {
      // Lingering after a graceful close: re-ack a retransmission whose ack was lost.
      if (this.closed === "graceful" && p.kind === MSP_KIND_DATA && !(p.flags & MSP_FLAG_STOP)) this.ackDue = now;
      // Lingering after we stopped: the peer still sends, so our STOP was lost; say it again.
      if (this.closed === "stopped" && this.stoppedHere && !(p.flags & MSP_FLAG_STOP)) this.stopPending = true;
      return;
    }
    this.timeoutAt = now + this.config.timeoutMs;
    if (!this.heard) {
      this.heard = true;
      this.events.push("connected");
    }
    if (p.flags & MSP_FLAG_STOP) {
      this.onStop(now);
      return;
    }
    if (p.kind === MSP_KIND_CONTROL) return;
    if (p.flags & MSP_FLAG_ACK) this.onAck(now, p.ack, p.kind !== MSP_KIND_DATA, p.hint);
    if (p.kind === MSP_KIND_DATA) this.onData(now, p.seq, p.flags, p.body);
    this.checkGracefulClose(now);
  }

  handleTimeout(now: number): void {
    if (this.closed) return;
    if (now >= this.timeoutAt) {
      this.close(now, "timeout");
      this.events.push("timed-out");
      return;
    }
    if (now >= this.reoTimerAt) this.detectLosses(now);
    if (now >= this.rtoAt) this.onRetransmitTimeout(now);
  }

  // ---- C. application commands ----------------------------------------------

  /** Queue bytes to send; returns how many were accepted (0 when full, shut down or closed). */
  write(data: Uint8Array): number {
    if (this.closed || this.localShutdown) return 0;
    // The limit may have been lowered below what is already queued (more streams).
    const n = this.tx.write(data, Math.max(0, this.sendLimit - this.tx.bytes));
    if (n < data.length) this.writeBlocked = true;
    return n;
  }

  /** A "writable" event is wanted after the next acknowledgement that leaves
   * write() room (a writer that writes only what fits, or waits for room for a
   * whole packet, never gets the short write that would ask for it). */
  wantWritable(): void {
    if (!this.closed && !this.localShutdown) this.writeBlocked = true;
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

  /** Mark n bytes of read() as consumed; whole messages advance the ack. */
  consume(n: number, now: number): void {
    const h = this.rx.head();
    if (!h) return;
    this.rx.offset = Math.min(h.body.length, this.rx.offset + n);
    this.deliver(now);
    this.checkGracefulClose(now);
  }

  /** Half-close: a SHUTDOWN follows every byte already written. */
  shutdown(now: number): void {
    if (this.closed || this.localShutdown) return;
    this.localShutdown = true;
    this.tx.shutdown();
    this.checkGracefulClose(now);
  }

  /** Abort: send STOP, drop everything queued. */
  stop(now: number): void {
    if (this.closed) return;
    this.stopPending = true;
    this.stoppedHere = true;
    this.close(now, "stopped");
    this.events.push("closed-suddenly");
  }

  /** The daemon carrying this connection went away: end it now ("closed
   * suddenly") without a STOP, since nothing can get out any more. */
  abort(now: number): void {
    if (this.closed) return;
    this.close(now, "stopped");
    this.events.push("closed-suddenly");
  }

  // ---- D. outputs -------------------------------------------------------------------

  /** Next MSP payload to hand to MDP (a fresh buffer), or undefined. */
  pollTransmit(now: number): Uint8Array | undefined {
    if (this.stopPending) {
      this.stopPending = false;
      return encodeMspStop();
    }
    if (this.closed) {
      if (this.closed !== "graceful") return undefined;
      if (this.finalAcks > 0) {
        this.finalAcks--;
        return this.ackOnly(now);
      }
      if (now >= this.ackDue) return this.ackOnly(now);
      return undefined;
    }
    const lost = this.tx.firstLost();
    if (lost) {
      this.tx.clearLost(lost);
      return this.emitData(now, lost);
    }
    // Packets still in the network: in flight minus those the duplicate acks
    // say arrived beyond the hole. The span from the oldest unacked packet is
    // bounded separately so a receiver's reassembly window is not overrun.
    const pipe = this.tx.inFlight - (this.hintsSeen ? this.sackedCount : this.beyond) - this.tx.lostCount;
    if (this.tx.hasUnsent && pipe < this.cc.window() && this.tx.inFlight < this.maxSpan) {
      const p = this.tx.takeUnsent();
      if (p) return this.emitData(now, p);
    }
    if (this.hintsReady(now) || now >= this.ackDue || now >= this.kickAt || now >= this.lastTxAt + this.config.keepaliveMs) {
      const hintSeq = this.hintSeq;
      const pair = hintSeq >= 0 && this.rx.holds(seqAdd(hintSeq, -1));
      const out = this.ackOnly(now, hintSeq, pair);
      this.checkGracefulClose(now);
      return out;
    }
    return undefined;
  }

  /** Earliest time handleTimeout/pollTransmit has something to do; undefined if nothing. */
  pollTimeout(): number | undefined {
    let t: number;
    if (this.closed) {
      t = this.stopPending ? this.closedAt : this.closed !== "graceful" ? NEVER : this.finalAcks > 0 ? this.closedAt : this.ackDue;
    } else {
      t = Math.min(this.timeoutAt, this.rtoAt, this.reoTimerAt, this.ackDue, this.kickAt, this.lastTxAt + this.config.keepaliveMs,
        this.hintAt + this.config.ackDelayMs);
    }
    return t === NEVER ? undefined : t;
  }

  pollEvent(): MspEvent | undefined {
    return this.events.shift();
  }

  // ---- internals --------------------------------------------------------------------

  private flagsNow(): number {
    let f = 0;
    if (this.receivedData) f |= MSP_FLAG_ACK;
    if (!this.heard) f |= MSP_FLAG_FIRST;
    return f;
  }

  private ackValue(): number {
    return seqAdd(this.rx.nextSeq, -1);
  }

  private noteSent(now: number): void {
    this.lastTxAt = now;
    this.lastAckSent = this.ackValue();
    this.ackDue = NEVER;
    this.unackedConsumed = 0;
    this.kickAt = NEVER;
  }

  /** Owed hints go out once hintEvery packets arrived out of order (or
   * repeated) or the oldest has waited ackDelayMs. Below per-hop ARQ most
   * packets arrive out of order (a frame resent on one hop is overtaken), so
   * one ack per such packet would double the acks every relay carries; the
   * sender's loss detection is time-based (RACK) and needs only recent hints.
   * Owed packets the cumulative ack now covers need no hint. */
  private hintsReady(now: number): boolean {
    if (this.owedHints === 0) return false;
    if (this.hintSeq >= 0 && seqDiff(this.hintSeq, this.rx.nextSeq) < 1) {
      this.hintSeq = -1;
      this.owedHints = 0;
      this.hintAt = NEVER;
      return false;
    }
    return this.owedHints >= this.config.hintEvery || now >= this.hintAt + this.config.ackDelayMs;
  }

  private ackOnly(now: number, hintSeq = -1, pair = false): Uint8Array {
    const d = hintSeq >= 0 ? seqDiff(hintSeq, this.rx.nextSeq) : 0;
    const out = d >= 1 && d <= MSP_HINT_MAX
      ? encodeMspAckHint(this.flagsNow(), this.ackValue(), pair && d >= 2 ? d | MSP_HINT_PAIR : d)
      : encodeMspAck(this.flagsNow(), this.ackValue());
    this.stats.acksSent++;
    this.owedHints = 0;
    this.hintSeq = -1;
    this.hintAt = NEVER;
    this.noteSent(now);
    return out;
  }

  private emitData(now: number, p: TxPacket): Uint8Array {
    const out = new Uint8Array(MSP_PREAMBLE_SIZE + p.len);
    writeMspPreamble(out, 0, this.flagsNow() | p.flags, this.ackValue(), p.seq);
    out.set(p.body.subarray(0, p.len), MSP_PREAMBLE_SIZE);
    p.sentAt = now;
    p.sendCount++;
    this.stats.dataSent++;
    if (p.sendCount > 1) this.stats.retransmits++;
    if (p.flags & MSP_FLAG_SHUTDOWN) this.shutdownSent = true;
    if (this.rtoAt === NEVER) this.rtoAt = now + this.rtt.rto();
    this.noteSent(now);
    return out;
  }

  private onAck(now: number, ack: number, pureAck: boolean, hint: number): void {
    const n = this.tx.ackedCount(ack);
    if (n > 0) {
      // Sample the RTT only when no acked packet was resent: after a
      // retransmission fills a hole, the ack says nothing about the path delay.
      let clean = true;
      let spurious = false;
      for (let i = 0; i < n; i++) {
        const q = this.tx.at(i);
        if (q.sendCount !== 1) {
          clean = false;
          // Acked sooner after the resend than any round trip takes: the first copy arrived.
          if (now - q.sentAt < this.cc.minRtt * 0.5) spurious = true;
        }
        if (q.sacked) this.sackedCount--;
        else this.noteDelivered(now, q);
      }
      if (spurious && this.hintsSeen) {
        this.stats.spurious++;
        if (this.reoSteps < 16) this.reoSteps++;
        this.cc.undo();
      }
      const newest = this.tx.release(n);
      if (clean && newest) {
        this.rtt.sample(now - newest.sentAt);
        this.cc.onRttSample(now - newest.sentAt);
      } else this.rtt.onProgress();
      this.dupAcks = 0;
      // The ack covered the hole plus n-1 packets, most of which had arrived beyond it.
      this.beyond = Math.max(0, this.beyond - (n - 1));
      if (this.beyond >= this.tx.inFlight) this.beyond = Math.max(0, this.tx.inFlight - 1);
      if (this.inRecovery) {
        if (seqDiff(ack, this.recoverSeq) >= 0) {
          this.inRecovery = false;
        } else if (!this.hintsSeen) {
          // Partial ack: the packet after it was lost too (NewReno).
          const next = this.tx.oldest();
          if (next && next.sentAt >= 0) this.tx.markLost(next);
        }
      }
      this.cc.onAcked(n, now, true);
      this.rtoAt = this.tx.inFlight > 0 ? now + this.rtt.rto() : NEVER;
      if (this.writeBlocked && this.writable > 0) {
        this.writeBlocked = false;
        this.events.push("writable");
      }
      if (hint > 0) this.onHint(now, ack, hint);
      else if (this.hintsSeen) this.enterRecoveryIf(this.detectLosses(now));
      return;
    }
    if (hint > 0) {
      this.onHint(now, ack, hint);
      return;
    }
    // Same ack again while data is outstanding: a packet after the hole arrived.
    if (!pureAck || this.tx.inFlight === 0 || seqDiff(ack, seqAdd(this.tx.una, -1)) !== 0) return;
    // A serval-mesh peer leaves packets far beyond the hole unhinted: RACK decides.
    if (this.hintsSeen) return;
    this.dupAcks++;
    if (this.beyond < this.tx.inFlight - 1) this.beyond++;
    const first = this.tx.oldest();
    if (this.inRecovery && first && !first.lost && this.rtt.srtt >= 0 && now - first.sentAt > this.rtt.srtt * 1.25 + 5) {
      // Still the same hole more than a round trip after we resent it, and
      // later packets keep arriving: the retransmission was lost as well.
      this.tx.markLost(first);
      return;
    }
    // Early retransmit (RFC 5827): with few packets out, fewer dup acks can come.
    const threshold = Math.min(this.config.dupAckThreshold, Math.max(1, this.tx.inFlight - 1));
    if (this.dupAcks === threshold && !this.inRecovery) {
      if (first) this.tx.markLost(first);
      this.stats.fastRetransmits++;
      this.cc.onLoss();
      this.inRecovery = true;
      this.recoverSeq = seqAdd(this.tx.una, this.tx.inFlight - 1);
    }
  }

  /** The peer holds the hinted packet (and with MSP_HINT_PAIR the one before it)
   * beyond its cumulative ack: note them delivered, then look for packets sent
   * long enough before them to be lost, not reordered. */
  private onHint(now: number, ack: number, hint: number): void {
    this.hintsSeen = true;
    const seq = seqAdd(ack, 1 + (hint & MSP_HINT_MAX));
    this.sack(now, seq);
    if (hint & MSP_HINT_PAIR) this.sack(now, seqAdd(seq, -1));
    this.enterRecoveryIf(this.detectLosses(now));
  }

  private sack(now: number, seq: number): void {
    const i = seqDiff(seq, this.tx.una);
    if (i < 0 || i >= this.tx.inFlight) return;
    const p = this.tx.at(i);
    if (p.sacked) return;
    if (p.lost) this.tx.clearLost(p);
    p.sacked = true;
    this.sackedCount++;
    this.noteDelivered(now, p);
  }

  private noteDelivered(now: number, p: TxPacket): void {
    // A resent packet acked within a min RTT was its first copy: no RTT sample.
    if (p.sendCount > 1 && now - p.sentAt < this.cc.minRtt) return;
    if (p.sentAt > this.rackSentAt) {
      this.rackSentAt = p.sentAt;
      this.rackRtt = now - p.sentAt;
    }
  }

  /** A packet overtaken by one sent later is given this long (beyond that one's RTT)
   * before it counts as lost. Per-hop retransmission delays a frame by one or more
   * link round trips per lossy hop, so the window starts at a whole smoothed RTT
   * (true end-to-end losses are rare below per-hop ARQ: waiting costs little) and
   * grows by a quarter RTT per spurious retransmission, up to two RTTs. */
  private reorderWindow(): number {
    const base = this.cc.minRtt === Number.POSITIVE_INFINITY ? 10 : Math.max(2, this.cc.minRtt / 4);
    const srtt = this.rtt.srtt > 0 ? this.rtt.srtt : 4 * base;
    return Math.max(base, srtt * Math.min(2, 1 + (this.reoSteps - 1) / 4));
  }

  /** RACK: a packet sent before one known delivered is lost once it is later
   * than that one's RTT plus the reordering window; re-arms for the rest. */
  private detectLosses(now: number): boolean {
    this.reoTimerAt = NEVER;
    if (this.rackSentAt < 0 || this.closed) return false;
    const wait = this.rackRtt + this.reorderWindow();
    let marked = false;
    const n = this.tx.inFlight;
    for (let j = 0; j < n; j++) {
      const q = this.tx.at(j);
      if (q.sacked || q.lost || q.sentAt < 0 || q.sentAt > this.rackSentAt) continue;
      const due = q.sentAt + wait;
      if (now >= due) {
        if (this.tx.markLost(q)) marked = true;
      } else if (due < this.reoTimerAt) {
        this.reoTimerAt = due;
      }
    }
    return marked;
  }

  private enterRecoveryIf(marked: boolean): void {
    if (!marked || this.inRecovery) return;
    this.stats.fastRetransmits++;
    this.cc.onLoss();
    this.inRecovery = true;
    this.recoverSeq = seqAdd(this.tx.una, this.tx.inFlight - 1);
  }

  private onRetransmitTimeout(now: number): void {
    const first = this.tx.oldest();
    if (!first || this.tx.inFlight === 0) {
      this.rtoAt = NEVER;
      return;
    }
    this.tx.markLost(first);
    this.stats.timeouts++;
    this.rtt.onTimeout();
    this.cc.onTimeout();
    this.inRecovery = true;
    this.recoverSeq = seqAdd(this.tx.una, this.tx.inFlight - 1);
    this.dupAcks = 0;
    this.rtoAt = now + this.rtt.rto();
  }

  private onData(now: number, seq: number, flags: number, body: Uint8Array): void {
    this.receivedData = true;
    const r = this.rx.insert(seq, flags, body);
    this.stats.received++;
    if (r !== RX_NEW) this.stats.duplicates++;
    if (r === RX_NEW && flags & MSP_FLAG_SHUTDOWN) this.rxShutdownSeq = seq;
    if (r === RX_NEW && this.rx.contiguousThrough(seq)) {
      // In order (perhaps behind unconsumed data): the ack comes on consumption.
      this.deliver(now);
    } else {
      // Out of order (a hole), a repeat (our ack was lost), or beyond our
      // window: owed an ack, shared with the next few such (see hintsReady).
      if (this.owedHints === 0) this.hintAt = now;
      this.owedHints++;
      if (r === RX_NEW && (this.hintSeq < 0 || seqDiff(seq, this.hintSeq) > 0)) this.hintSeq = seq;
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
      if (shut && !this.remoteShutdown) {
        this.remoteShutdown = true;
        this.events.push("remote-shutdown");
      }
    }
    if (advanced === 0) return;
    this.readableNotified = this.rx.head() !== undefined && this.readableNotified;
    this.unackedConsumed += advanced;
    const due = this.unackedConsumed >= this.config.ackEvery || this.remoteShutdown ? now : now + this.config.ackDelayMs;
    if (due < this.ackDue) this.ackDue = due;
  }

  private onStop(now: number): void {
    // Lost-final-ACK race: the peer closed gracefully and answers our
    // retransmission with STOP. If we hold all its data and sent our SHUTDOWN,
    // nothing is lost: close gracefully.
    const haveAll = this.rxShutdownSeq >= 0 && this.rx.contiguousThrough(this.rxShutdownSeq);
    if ((haveAll || this.remoteShutdown) && this.shutdownSent) {
      this.close(now, "graceful");
      this.ackDue = NEVER;
      this.events.push("closed-gracefully");
      return;
    }
    this.close(now, "stopped");
    this.events.push("closed-suddenly");
  }

  private close(now: number, reason: MspCloseReason): void {
    this.closed = reason;
    this.closedAt = now;
    this.rtoAt = NEVER;
    this.kickAt = NEVER;
    this.ackDue = NEVER;
    if (reason !== "graceful") this.tx.clear();
    else if (this.receivedData) this.finalAcks = 2;
  }

  /** Serval's rule: both sides shut down, nothing queued, and our last ack covers all. */
  private checkGracefulClose(now: number): void {
    if (this.closed || !this.localShutdown || !this.remoteShutdown) return;
    if (this.tx.count !== 0 || this.rx.count !== 0) return;
    if (this.lastAckSent !== this.ackValue()) {
      if (now < this.ackDue) this.ackDue = now;
      return;
    }
    this.close(now, "graceful");
    this.events.push("closed-gracefully");
  }
}
