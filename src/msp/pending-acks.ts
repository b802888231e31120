// What the receiving side of one MSP connection owes the peer (quinn's
// PendingAcks): the ack value (Serval's rx next_seq - 1, advanced only by
// consumption, so it doubles as flow control), when the next ack is due, and
// the selective-ack hint for packets that arrived out of order. Owns the
// ackDue and hint timers of the connection's TimerTable; pollTransmit sends
// the ack when either expires.
//
// Which packet an ack hints (one per ack: the wire has one byte). The
// sender resends only what it is told is missing (besides the packet at the
// cumulative ack), so every hole is named: when a packet arrives right after
// a hole, the last packet held before the hole (its run end) and the packet
// itself (run start, unpaired: the one before it is missing) are queued, in
// that order, and acks name queued packets before anything else. The sender
// takes every unhinted packet between a run start and the nearest packet
// hinted before it as missing, so a hole of several packets is named whole.
// With nothing queued, an ack hints the newest out-of-order packet, paired
// when the one before it is held. (Naming only the newest told the sender of
// one hole per round trip when a window lost several packets.)

import { MSP_FLAG_ACK, MSP_HINT_MAX, MSP_HINT_PAIR, encodeMspAck, encodeMspAckHint } from "../wire/msp-packet";
import { MspConfig } from "./config";
import { ReceiveBuffer } from "./receive-buffer";
import { seqAdd, seqDiff } from "./seq";
import { NEVER, TimerTable } from "./timers";

/** Hole reports waiting for an ack, two per hole (a few per ack interval at
 * most, usually: out-of-order packets bring an ack every hintEvery). */
const HOLE_REPORTS = 32;
/** Marks a queued run end (the rest are run starts). */
const RUN_END = 0x10000;

export class PendingAcks {
  /** MSP_FLAG_ACK once any data arrived (then on every packet, as Serval), else 0. */
  ackFlag = 0;
  /** Serval's previous_ack: the ack value last put on the wire. */
  private lastAckSent = 0x7fff;
  /** Whole packets consumed since the last ack. */
  private unackedConsumed = 0;
  /** Out-of-order or repeated packets that arrived since our last ack. */
  private owedHints = 0;
  /** The newest out-of-order packet among them, hinted in the next ack (-1: none). */
  private hintSeq = -1;
  /** Run ends (seq | RUN_END) and run starts (seq) not yet named in an ack,
   * see the header: a ring, oldest first; the oldest is dropped when full.
   * Checked again when an ack goes out (the hole may have filled). */
  private readonly holeReports = new Int32Array(HOLE_REPORTS);
  private reportHead = 0;
  private reportCount = 0;
  /** An ack went out while holes were still to name (hintsReady sends another). */
  private reportsOwed = false;
  /** The packet the last ack hinted (-1: none) and, if paired, the one before it. */
  private lastHinted = -1;
  private lastPaired = -1;

  constructor(private readonly rx: ReceiveBuffer, private readonly timers: TimerTable, private readonly config: MspConfig) {}


  /** The ack value: the last seq the application consumed. */
  value(): number {
    return (this.rx.nextSeq - 1) & 0xffff; // seqAdd(nextSeq, -1), without the call (per packet)
  }

  /** Our last ack on the wire covers everything consumed. */
  get upToDate(): boolean { return this.lastAckSent === this.value(); }

  /** An ack (ack-only or riding on data) is due now. */
  isDue(now: number): boolean { return now >= this.timers.ackDue; }
  /** Make an ack due now. */
  ackNow(now: number): void { this.timers.ackDue = now; }
  /** Make an ack due by `t` at the latest. */
  ackBy(t: number): void { if (t < this.timers.ackDue) this.timers.ackDue = t; }
  cancel(): void { this.timers.ackDue = NEVER; }

  /** Call for every data packet that arrived. */
  onData(): void { this.ackFlag = MSP_FLAG_ACK; }

  /** Call for a packet that arrived out of order (a hole), repeated (our ack
   * was lost) or beyond our window: owed an ack, shared with the next few such
   * (see hintsReady). `isNew`: it was stored, so the ack may hint it. */
  onOutOfOrder(now: number, seq: number, isNew: boolean): void {
    if (this.owedHints === 0) this.timers.hint = now + this.config.ackDelayMs;
    this.owedHints++;
    if (!isNew) return;
    if (this.hintSeq < 0 || seqDiff(seq, this.hintSeq) > 0) this.hintSeq = seq;
    const rx = this.rx;
    if (rx.holds((seq - 1) & 0xffff)) return;
    // A run start: queue the run end below the hole first, unless the
    // cumulative ack or the last hint covers it.
    let end = (seq - 2) & 0xffff;
    for (let k = 0; k < MSP_HINT_MAX && seqDiff(end, rx.nextSeq) > 0 && !rx.holds(end); k++) end = (end - 1) & 0xffff;
    if (seqDiff(end, rx.nextSeq) > 0 && rx.holds(end) && end !== this.lastHinted && end !== this.lastPaired &&
      !(this.reportCount > 0 && (this.holeReports[(this.reportHead + this.reportCount - 1) % HOLE_REPORTS] & 0xffff) === end)) {
      this.queueReport(end | RUN_END);
    }
    this.queueReport(seq);
  }

  private queueReport(entry: number): void {
    if (this.reportCount === HOLE_REPORTS) this.dropReport();
    this.holeReports[(this.reportHead + this.reportCount) % HOLE_REPORTS] = entry;
    this.reportCount++;
  }

  private dropReport(): void {
    this.reportHead = (this.reportHead + 1) % HOLE_REPORTS;
    this.reportCount--;
  }

  /** The oldest queued report still true, as an entry (seq, | RUN_END for a
   * run end), -1 if none. Stale ones are dropped (the hole filled, or the
   * cumulative ack passed); one beyond a hint's reach waits for the ack. */
  private nextReport(): number {
    const rx = this.rx;
    while (this.reportCount > 0) {
      const entry = this.holeReports[this.reportHead];
      const seq = entry & 0xffff;
      const d = seqDiff(seq, rx.nextSeq);
      if (d > MSP_HINT_MAX) return -1;
      // A run start not at the cumulative ack's hole (the sender watches that one).
      if (d >= 1 && rx.holds(seq) && (entry & RUN_END ? true : d >= 2 && !rx.holds((seq - 1) & 0xffff))) return entry;
      this.dropReport();
    }
    return -1;
  }

  /** Call after the application consumed `advanced` whole packets; `urgent`
   * (the peer's SHUTDOWN was reached) acks at once. */
  onConsumed(now: number, advanced: number, urgent: boolean): void {
    this.unackedConsumed += advanced;
    const due = this.unackedConsumed >= this.config.ackEvery || urgent ? now : now + this.config.ackDelayMs;
    if (due < this.timers.ackDue) this.timers.ackDue = due; // ackBy(due)
  }

  /** Owed hints go out once hintEvery packets arrived out of order (or
   * repeated) or the oldest has waited ackDelayMs. Below per-hop ARQ most
   * packets arrive out of order (a frame resent on one hop is overtaken), so
   * one ack per such packet would double the acks every relay carries; the
   * sender's loss detection is time-based (RACK) and needs only recent hints.
   * Owed packets the cumulative ack now covers need no hint. Holes still to
   * name after an ack went out get one more ack ackDelayMs later. */
  hintsReady(now: number): boolean {
    if (this.owedHints === 0 && !this.reportsOwed) return false;
    if (this.hintSeq >= 0 && seqDiff(this.hintSeq, this.rx.nextSeq) < 1) {
      // Covered by the cumulative ack (it goes out on consumption).
      this.hintSeq = -1;
      this.owedHints = 0;
    }
    if (this.owedHints === 0 && this.nextReport() < 0) {
      this.clearHints();
      return false;
    }
    return this.owedHints >= this.config.hintEvery || now >= this.timers.hint;
  }

  /** An ack-only packet with `flags`; with `withHint`, it hints a queued run
   * end or start, else the newest out-of-order packet (see the header). Call
   * onSent() after. */
  encodeAck(now: number, flags: number, withHint: boolean): Uint8Array {
    const hintSeq = withHint ? this.pickHint() : -1;
    const more = withHint && this.nextReport() >= 0;
    const pair = hintSeq >= 0 && this.rx.holds(seqAdd(hintSeq, -1));
    const d = hintSeq >= 0 ? seqDiff(hintSeq, this.rx.nextSeq) : 0;
    const ack = (this.rx.nextSeq - 1) & 0xffff; // value()
    let out: Uint8Array;
    if (d >= 1 && d <= MSP_HINT_MAX) {
      out = encodeMspAckHint(flags, ack, pair && d >= 2 ? d | MSP_HINT_PAIR : d);
      this.lastHinted = hintSeq;
      this.lastPaired = pair && d >= 2 ? seqAdd(hintSeq, -1) : -1;
    } else {
      out = encodeMspAck(flags, ack);
    }
    this.owedHints = 0;
    this.reportsOwed = more;
    this.timers.hint = more ? now + this.config.ackDelayMs : NEVER;
    return out;
  }

  /** The packet the next ack hints, -1 for none; takes it off what is owed. */
  private pickHint(): number {
    const r = this.nextReport();
    if (r >= 0) {
      this.dropReport();
      const seq = r & 0xffff;
      if (seq === this.hintSeq) this.hintSeq = -1;
      return seq; // the newest waits for a later ack
    }
    const newest = this.hintSeq;
    if (newest < 0) return -1;
    if (seqDiff(newest, this.rx.nextSeq) <= MSP_HINT_MAX) {
      this.hintSeq = -1;
      return newest;
    }
    // Beyond a hint's reach: the farthest held packet within it (the newest
    // waits until the cumulative ack brings it within reach).
    for (let d = MSP_HINT_MAX; d >= 2; d--) {
      const seq = (this.rx.nextSeq + d) & 0xffff;
      if (this.rx.holds(seq)) return seq;
    }
    return -1;
  }

  /** Call after any packet went out: it carried the current ack value. */
  onSent(): void {
    this.lastAckSent = (this.rx.nextSeq - 1) & 0xffff; // value()
    this.timers.ackDue = NEVER;
    this.unackedConsumed = 0;
  }

  private clearHints(): void {
    this.owedHints = 0;
    this.reportsOwed = false;
    this.hintSeq = -1;
    this.timers.hint = NEVER;
  }
}
