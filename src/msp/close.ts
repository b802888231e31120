// How one MSP connection ends: half-close (our SHUTDOWN after the last byte
// written, the peer's SHUTDOWN once consumed), Serval's graceful-close rule,
// STOP sent or received, the idle timeout, and what a closed connection still
// does while it lingers (re-ack a retransmission whose ack was lost, repeat a
// STOP the peer missed, two extra copies of the final ack). It pushes the
// ending events (remote-shutdown, closed-gracefully, closed-suddenly,
// timed-out). Of the connection's TimerTable it stops rto and kick on close;
// a closed connection's deadline is closedDeadline(). How long the endpoint
// keeps a closed connection (lingerMs, the quiet spells) is MspEndpoint's.

import { MSP_FLAG_STOP, MSP_KIND_DATA, encodeMspStop } from "../wire/msp-packet";
import { EventQueue } from "./events";
import { PendingAcks } from "./pending-acks";
import { ReceiveBuffer } from "./receive-buffer";
import { SendBuffer } from "./send-buffer";
import { NEVER, TimerTable } from "./timers";

export type MspCloseReason = "graceful" | "stopped" | "timeout";

export class ConnectionClose {
  /** Why the connection ended; undefined while open. */
  closed: MspCloseReason | undefined;
  /** Time it closed (for lingering to re-ack a lost final ack). */
  closedAt = -1;
  /** Time the last packet arrived from the peer (lingering ends after a quiet spell). */
  lastHeardAt = -1;
  /** shutdown() was called: a SHUTDOWN follows every byte already written. */
  localShutdown = false;
  /** The peer's SHUTDOWN was consumed: no more data will arrive. */
  remoteShutdown = false;
  /** A STOP is to go out (pollTransmit sends it first, see takeStop); set
   * only once closed. */
  stopPending = false;
  /** The STOP came from this side (a peer's STOP needs no answer). */
  stoppedHere = false;

  private shutdownSent = false;
  /** Seq of a SHUTDOWN packet received (maybe out of order), -1 if none. */
  private rxShutdownSeq = -1;
  /** Extra copies of the last ack sent on a graceful close: if the peer misses
   * it, it resends to a port nobody answers on any more and times out. */
  private finalAcks = 0;

  constructor(
    private readonly tx: SendBuffer,
    private readonly rx: ReceiveBuffer,
    private readonly acks: PendingAcks,
    private readonly timers: TimerTable,
    private readonly events: EventQueue,
  ) {}

  // ---- commands (MspConnection.shutdown/stop/abort) ----------------------------

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

  /** End now ("closed suddenly") without a STOP. */
  abort(now: number): void {
    if (this.closed) return;
    this.close(now, "stopped");
    this.events.push("closed-suddenly");
  }

  /** The idle timer expired: nothing heard for timeoutMs. */
  timeOut(now: number): void {
    this.close(now, "timeout");
    this.events.push("timed-out");
  }

  // ---- what the connection tells it ---------------------------------------------

  /** A packet arrived after the close (`kind`, `flags` of its preamble). */
  onPacketWhileClosed(now: number, kind: number, flags: number): void {
    // Lingering after a graceful close: re-ack a retransmission whose ack was lost.
    if (this.closed === "graceful" && kind === MSP_KIND_DATA && !(flags & MSP_FLAG_STOP)) this.acks.ackNow(now);
    // Lingering after we stopped: the peer still sends, so our STOP was lost; say it again.
    if (this.closed === "stopped" && this.stoppedHere && !(flags & MSP_FLAG_STOP)) this.stopPending = true;
  }

  /** Our SHUTDOWN packet went out (first or again). */
  onShutdownSent(): void { this.shutdownSent = true; }

  /** The peer's SHUTDOWN packet arrived (maybe out of order) with this seq. */
  onShutdownArrived(seq: number): void { this.rxShutdownSeq = seq; }

  /** The application consumed the peer's SHUTDOWN. */
  onRemoteShutdown(): void {
    if (this.remoteShutdown) return;
    this.remoteShutdown = true;
    this.events.push("remote-shutdown");
  }

  /** The peer sent STOP. */
  onPeerStop(now: number): void {
    // Lost-final-ACK race: the peer closed gracefully and answers our
    // retransmission with STOP. If we hold all its data and sent our SHUTDOWN,
    // nothing is lost: close gracefully.
    const haveAll = this.rxShutdownSeq >= 0 && this.rx.contiguousThrough(this.rxShutdownSeq);
    if ((haveAll || this.remoteShutdown) && this.shutdownSent) {
      this.close(now, "graceful");
      this.acks.cancel();
      this.events.push("closed-gracefully");
      return;
    }
    this.close(now, "stopped");
    this.events.push("closed-suddenly");
  }

  /** Serval's rule: both sides shut down, nothing queued, and our last ack
   * covers all. Call once the peer has shut down, after anything that may
   * complete the rule (a packet, a consumption, an ack sent). */
  checkGracefulClose(now: number): void {
    if (this.closed || !this.localShutdown || !this.remoteShutdown) return;
    if (this.tx.count !== 0 || this.rx.count !== 0) return;
    if (!this.acks.upToDate) {
      this.acks.ackBy(now);
      return;
    }
    this.close(now, "graceful");
    this.events.push("closed-gracefully");
  }

  // ---- outputs while closed -------------------------------------------------------

  /** The pending STOP packet (clears stopPending). */
  takeStop(): Uint8Array {
    this.stopPending = false;
    return encodeMspStop();
  }

  /** Closed: an ack is to go out now (a final-ack copy, or a lingering re-ack). */
  finalAckDue(now: number): boolean {
    if (this.closed !== "graceful") return false;
    if (this.finalAcks > 0) {
      this.finalAcks--;
      return true;
    }
    return this.acks.isDue(now);
  }

  /** Closed: a STOP or final acks still to send (due since closedAt), or a
   * lingering re-ack (ackDue); NEVER otherwise. */
  closedDeadline(): number {
    return this.stopPending ? this.closedAt : this.closed !== "graceful" ? NEVER : this.finalAcks > 0 ? this.closedAt : this.timers.ackDue;
  }

  private close(now: number, reason: MspCloseReason): void {
    this.closed = reason;
    this.closedAt = now;
    this.timers.rto = NEVER;
    this.timers.kick = NEVER;
    this.acks.cancel();
    if (reason !== "graceful") this.tx.clear();
    else if (this.acks.ackFlag) this.finalAcks = 2;
  }
}
