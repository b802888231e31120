// What the receiving side of one MSP connection owes the peer (quinn's
// PendingAcks): the ack value (Serval's rx next_seq - 1, advanced only by
// consumption, so it doubles as flow control), when the next ack is due, and
// the selective-ack hint for packets that arrived out of order. Owns the
// ackDue and hint timers of the connection's TimerTable; pollTransmit sends
// the ack when either expires.

import { MSP_FLAG_ACK, MSP_HINT_MAX, MSP_HINT_PAIR, encodeMspAck, encodeMspAckHint } from "../wire/msp-packet";
import { MspConfig } from "./config";
import { ReceiveBuffer } from "./receive-buffer";
import { seqAdd, seqDiff } from "./seq";
import { NEVER, TimerTable } from "./timers";

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
    if (isNew && (this.hintSeq < 0 || seqDiff(seq, this.hintSeq) > 0)) this.hintSeq = seq;
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
   * Owed packets the cumulative ack now covers need no hint. */
  hintsReady(now: number): boolean {
    if (this.owedHints === 0) return false;
    if (this.hintSeq >= 0 && seqDiff(this.hintSeq, this.rx.nextSeq) < 1) {
      this.clearHints();
      return false;
    }
    return this.owedHints >= this.config.hintEvery || now >= this.timers.hint;
  }

  /** An ack-only packet with `flags`; with `withHint`, it hints the newest
   * out-of-order packet (and the one before it if held). Call onSent() after. */
  encodeAck(flags: number, withHint: boolean): Uint8Array {
    const hintSeq = withHint ? this.hintSeq : -1;
    const pair = hintSeq >= 0 && this.rx.holds(seqAdd(hintSeq, -1));
    const d = hintSeq >= 0 ? seqDiff(hintSeq, this.rx.nextSeq) : 0;
    const ack = (this.rx.nextSeq - 1) & 0xffff; // value()
    const out = d >= 1 && d <= MSP_HINT_MAX
      ? encodeMspAckHint(flags, ack, pair && d >= 2 ? d | MSP_HINT_PAIR : d)
      : encodeMspAck(flags, ack);
    this.owedHints = 0; // clearHints()
    this.hintSeq = -1;
    this.timers.hint = NEVER;
    return out;
  }

  /** Call after any packet went out: it carried the current ack value. */
  onSent(): void {
    this.lastAckSent = (this.rx.nextSeq - 1) & 0xffff; // value()
    this.timers.ackDue = NEVER;
    this.unackedConsumed = 0;
  }

  private clearHints(): void {
    this.owedHints = 0;
    this.hintSeq = -1;
    this.timers.hint = NEVER;
  }
}
