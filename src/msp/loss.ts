// Loss detection for the packets one MSP connection has in flight (quinn's
// sent_packets + loss detection): which sent packets are delivered, which are
// lost, when a loss episode (recovery) starts and ends, and undoing the
// congestion cut when a retransmission proves spurious. It marks packets lost
// in the SendBuffer (pollTransmit resends those first). Of the connection's
// TimerTable it owns reorder, and re-arms rto on acks and timeouts (the
// connection starts rto when it sends a packet).
//
// Two ways to find a hole, by what the peer sends:
// - Serval DNA (cumulative acks only): duplicate acks (fast retransmit after
//   dupAckThreshold, early retransmit with few in flight) and NewReno partial
//   acks within recovery.
// - serval-mesh (acks with selective-ack hints): time-based, RACK-like.
//   Per-hop retransmission below us reorders packets (a frame resent on one
//   hop arrives after later ones), so counting packets that overtook a hole
//   would call most reorderings a loss.

import { MSP_HINT_MAX, MSP_HINT_PAIR } from "../wire/msp-packet";
import { MspConfig } from "./config";
import { CongestionWindow } from "./congestion";
import { RttEstimator } from "./rtt";
import { SendBuffer, TxPacket } from "./send-buffer";
import { seqAdd, seqDiff } from "./seq";
import { NEVER, TimerTable } from "./timers";

/** The connection's counters this unit increments. */
export interface LossCounters {
  timeouts: number;
  fastRetransmits: number;
  spurious: number;
}

/** Unhinted packets below a reported one taken as missing with it (see
 * detectLosses). A hint of a hole's lower edge that is lost or comes late
 * (acks are delayed by per-hop retransmission too) makes the walk run on over
 * packets that arrived: this bounds the needless resends to a few per hole;
 * a longer hole is named further on when the resent ones arrive. */
const WALK_MAX = 4;
/** Resends of the hole's packet timed by the round trip (see detectLosses)
 * before only the retransmission timeout, which backs off, resends it. */
const PROBES = 2;

export class LossDetection {
  private dupAcks = 0;
  /** Packets known (by duplicate acks) to have arrived after the oldest unacked one. */
  private beyond = 0;
  private inRecovery = false;
  /** Recovery ends when the cumulative ack reaches this seq (the newest sent when it began). */
  private recoverSeq = 0;
  /** The peer sends selective-ack hints (a serval-mesh peer; Serval DNA does not). */
  private hintsSeen = false;
  /** In-flight packets the peer's hints say arrived. */
  private sackedCount = 0;
  /** Send time and RTT of the most recently sent packet known delivered. */
  private rackSentAt = -1;
  private rackRtt = 0;
  /** The highest seq a hint said arrived (kept at una - 1 or above): every
   * packet before it was first sent before it. */
  private highSeq = 0xffff;
  /** Grows the reordering window (see reorderWindow) each time a retransmission proves spurious. */
  private reoSteps = 1;

  constructor(
    private readonly tx: SendBuffer,
    private readonly cc: CongestionWindow,
    private readonly rtt: RttEstimator,
    private readonly timers: TimerTable,
    private readonly stats: LossCounters,
    private readonly config: MspConfig,
  ) {}

  /** In-flight packets known to have arrived beyond the hole (hinted, or counted
   * by duplicate acks): pollTransmit leaves them out of the pipe. A field kept
   * in step (setBeyond) rather than a getter: pollTransmit reads it per packet. */
  deliveredBeyond = 0;

  private setBeyond(): void {
    if (!this.hintsSeen) {
      this.deliveredBeyond = this.beyond;
      return;
    }
    // Packets after the hole sent before the highest one known delivered have
    // arrived or are lost: either way they no longer take room in the network
    // (resent ones are, a few; they are counted out too). Hints name 1-2
    // packets per ack, so sackedCount alone would count most of those still
    // in flight and stall the window behind a hole that per-hop
    // retransmission is still filling. By seq, not by the newest send time:
    // a resent packet hinted would shrink the span to its own seq.
    let span = seqDiff(this.highSeq, this.tx.una);
    if (span < 0) {
      this.highSeq = (this.tx.una - 1) & 0xffff;
      span = 0;
    }
    const n = this.tx.inFlight;
    this.deliveredBeyond = span > this.sackedCount ? (span < n ? span : n - 1) : this.sackedCount;
  }

  // ---- acks ------------------------------------------------------------------------

  /** Call before the SendBuffer releases the n packets a cumulative ack covers.
   * Notes them delivered and undoes the last congestion cut if one of them was
   * resent needlessly. Returns true if none was resent (the ack then gives a
   * clean RTT sample: after a retransmission fills a hole, it says nothing about
   * the path delay). */
  onAcked(now: number, n: number): boolean {
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
    this.setBeyond();
    if (spurious && this.hintsSeen) {
      this.stats.spurious++;
      if (this.reoSteps < 16) this.reoSteps++;
      this.cc.undo();
    }
    return clean;
  }

  /** Call after the SendBuffer released the n packets `ack` covers (and the
   * congestion window counted them): leave or continue recovery, re-arm the
   * RTO, then look for losses (from the ack's hint, or by time with a hinting peer). */
  onAckAdvanced(now: number, ack: number, n: number, hint: number): void {
    this.dupAcks = 0;
    // The ack covered the hole plus n-1 packets, most of which had arrived beyond it.
    this.beyond = Math.max(0, this.beyond - (n - 1));
    if (this.beyond >= this.tx.inFlight) this.beyond = Math.max(0, this.tx.inFlight - 1);
    this.setBeyond();
    if (this.inRecovery) {
      if (seqDiff(ack, this.recoverSeq) >= 0) {
        this.inRecovery = false;
      } else if (!this.hintsSeen) {
        // Partial ack: the packet after it was lost too (NewReno).
        const next = this.tx.oldest();
        if (next && next.sentAt >= 0) this.tx.markLost(next);
      }
    }
    this.timers.rto = this.tx.inFlight > 0 ? now + this.rtt.rto() : NEVER;
    if (hint > 0) this.onHint(now, ack, hint);
    else if (this.hintsSeen) this.enterRecoveryIf(this.detectLosses(now));
  }

  /** An ack-only packet that did not advance: the same ack again while data is
   * outstanding means a packet after the hole arrived. */
  onDuplicateAck(now: number, ack: number): void {
    if (this.tx.inFlight === 0 || seqDiff(ack, seqAdd(this.tx.una, -1)) !== 0) return;
    // A serval-mesh peer leaves packets far beyond the hole unhinted: RACK decides.
    if (this.hintsSeen) return;
    this.dupAcks++;
    if (this.beyond < this.tx.inFlight - 1) this.beyond++;
    this.setBeyond();
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
      this.onLossDetected();
    }
  }

  /** The peer holds the hinted packet (and with MSP_HINT_PAIR the one before it)
   * beyond its cumulative ack: note them delivered, then look for packets sent
   * long enough before them to be lost, not reordered. */
  onHint(now: number, ack: number, hint: number): void {
    this.hintsSeen = true;
    this.setBeyond();
    const seq = seqAdd(ack, 1 + (hint & MSP_HINT_MAX));
    this.sack(now, seq);
    if (hint & MSP_HINT_PAIR) this.sack(now, seqAdd(seq, -1));
    else this.reportMissing(seq);
    this.enterRecoveryIf(this.detectLosses(now));
  }

  /** An unpaired hint at `seq`: the peer lacked the packet before it. */
  private reportMissing(seq: number): void {
    const i = seqDiff(seq, this.tx.una) - 1;
    if (i < 1 || i >= this.tx.inFlight) return;
    const p = this.tx.at(i);
    if (!p.sacked) p.missingSent = p.sentAt;
  }

  private sack(now: number, seq: number): void {
    const i = seqDiff(seq, this.tx.una);
    if (i < 0 || i >= this.tx.inFlight) return;
    const p = this.tx.at(i);
    if (p.sacked) return;
    if (p.lost) this.tx.clearLost(p);
    p.sacked = true;
    this.sackedCount++;
    if (seqDiff(seq, this.highSeq) > 0) {
      this.highSeq = seq;
      // Until a cumulative ack gave one, the newest packet known arrived (sent
      // once) gives the first RTT sample: when the first packets are lost,
      // every later cumulative ack can cover a resent packet and give none
      // (the RTO then stayed at its 1 s start and, minRtt unknown, every
      // retransmission looked spurious). Later hints may name packets that
      // arrived long before (a hole reported late): not samples.
      if (p.sendCount === 1 && this.rtt.srtt < 0) {
        this.rtt.sample(now - p.sentAt);
        this.cc.onRttSample(now - p.sentAt);
      }
    }
    this.setBeyond();
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

  // ---- RACK --------------------------------------------------------------------------

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
   * than that one's RTT plus the reordering window; re-arms the reorder timer for the
   * rest. Returns true if it marked any. Also the reorder timer's handler,
   * where it only marks: the next ack or hint enters recovery.
   *
   * Which packets: the one at the cumulative ack's hole, and those the peer
   * said it lacks: the packet before an unpaired hint, and the unhinted ones
   * below it down to the nearest hinted one, WALK_MAX at most (our receivers
   * hint the last packet held before each hole too, so a hole of several
   * packets is named whole), if sent no later than the reported one. Hints name 1-2
   * packets per ack, so an unhinted packet in general has as likely arrived
   * as not: marking those resent most of a window needlessly whenever
   * per-hop retransmission delayed the hole past the window. The walk down is
   * done here, not when the hint arrives, so a hint of the hole's lower edge
   * that came late (acks are reordered too) still counts.
   *
   * The hole's packet, once resent, is also lost when no ack shows it
   * arrived a round trip plus the window after: with the window full behind
   * the hole nothing sent after it can be acked, and the retransmission
   * timeout (200 ms at least) would stall the stream. After PROBES such
   * resends only the timeout (which backs off) resends it. */
  detectLosses(now: number): boolean {
    this.timers.reorder = NEVER;
    if (this.rackSentAt < 0) return false;
    const window = this.reorderWindow();
    const wait = this.rackRtt + window;
    let marked = false;
    // sentAt of the reported packet above in the walk down, -1 outside one.
    let bound = -1;
    let walkLeft = 0;
    for (let j = this.tx.inFlight - 1; j >= 0; j--) {
      const q = this.tx.at(j);
      if (q.sacked) {
        bound = -1;
        continue;
      }
      if (q.sentAt < 0) continue;
      if (j > 0 && q.missingSent === q.sentAt) {
        if (q.sentAt > bound) bound = q.sentAt;
        walkLeft = WALK_MAX;
      } else if (j > 0) {
        if (bound < 0) continue;
        if (walkLeft <= 0) {
          bound = -1;
          continue;
        }
        walkLeft--;
        if (q.sentAt > bound) continue;
      }
      if (q.lost) continue;
      let due: number;
      if (q.sentAt <= this.rackSentAt) due = q.sentAt + wait;
      else if (j === 0 && q.sendCount > 1 && q.sendCount <= PROBES + 1 && this.rtt.srtt > 0) due = q.sentAt + (this.rtt.srtt > this.rackRtt ? this.rtt.srtt : this.rackRtt) + window;
      else continue;
      if (now >= due) {
        if (this.tx.markLost(q)) marked = true;
      } else if (due < this.timers.reorder) {
        this.timers.reorder = due;
      }
    }
    return marked;
  }

  /** The packet at the hole was resent: the retransmission timeout runs
   * from now (a hole found by RACK is resent two round trips or more after
   * the last ack that advanced, and a 200 ms timeout from that ack fired
   * while the resend was on its way); time its probe (see detectLosses). */
  onResent(now: number, p: TxPacket): void {
    if (this.tx.at(0) !== p) return;
    this.timers.rto = now + this.rtt.rto();
    if (!this.hintsSeen || p.sendCount > PROBES + 1 || this.rtt.srtt <= 0) return;
    const due = now + (this.rtt.srtt > this.rackRtt ? this.rtt.srtt : this.rackRtt) + this.reorderWindow();
    if (due < this.timers.reorder) this.timers.reorder = due;
  }

  // ---- recovery ----------------------------------------------------------------------

  private enterRecoveryIf(marked: boolean): void {
    if (marked && !this.inRecovery) this.onLossDetected();
  }

  /** Fast retransmit (duplicate acks or RACK): one congestion cut per episode. */
  private onLossDetected(): void {
    this.stats.fastRetransmits++;
    this.cc.onLoss();
    this.enterRecovery();
  }

  /** A loss episode lasts until everything in flight now is acknowledged. */
  private enterRecovery(): void {
    this.inRecovery = true;
    this.recoverSeq = seqAdd(this.tx.una, this.tx.inFlight - 1);
  }

  /** The rto timer's handler: the oldest packet is lost, back off, small window. */
  onRetransmitTimeout(now: number): void {
    const first = this.tx.oldest();
    if (!first || this.tx.inFlight === 0) {
      this.timers.rto = NEVER;
      return;
    }
    this.tx.markLost(first);
    this.stats.timeouts++;
    this.rtt.onTimeout();
    this.cc.onTimeout();
    this.enterRecovery();
    this.dupAcks = 0;
    this.timers.rto = now + this.rtt.rto();
  }
}
