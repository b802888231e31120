// The deadlines of one MSP connection, in one table (quinn-proto's
// connection/timer.rs TimerTable). pollTimeout() reports the earliest; each
// timer names who acts on it when it expires:
//
//   timer       set by                             acted on by
//   idle        every packet heard (timeoutMs)      handleTimeout -> ConnectionClose.timeOut
//   rto         a data packet sent, an ack          handleTimeout -> LossDetection.onRetransmitTimeout
//   reorder     RACK (LossDetection.detectLosses)   handleTimeout -> LossDetection.detectLosses
//   ackDue      PendingAcks (data consumed)         pollTransmit: an ack goes out
//   hint        PendingAcks (out-of-order arrival)  pollTransmit: an ack with a hint goes out
//   kick        a connector's constructor           pollTransmit: the first packet (FIRST) goes out
//   keepalive   anything sent (keepaliveMs later)   pollTransmit: an ack-only keep-alive goes out
//
// The last four are output deadlines: what is due is a packet, and
// pollTransmit(now) checks them itself (a driver drains pollTransmit after
// every handleTimeout, and SimNet-style drivers may call only pollTransmit),
// so handleTimeout has nothing to change for them. A closed connection keeps
// no timers but ackDue (a lingering re-ack); see ConnectionClose.closedDeadline.

export const NEVER = Number.POSITIVE_INFINITY;

/** One field per timer, NEVER when stopped. Plain fields, not an indexed
 * array behind set/get methods: they are read and written several times per
 * packet, and each method call costs the interpreter (no JIT on the routers). */
export class TimerTable {
  /** Silence from the peer ends the connection. */
  idle = NEVER;
  rto = NEVER;
  reorder = NEVER;
  ackDue = NEVER;
  hint = NEVER;
  kick = NEVER;
  keepalive = NEVER;

  /** Earliest deadline, NEVER if none. */
  next(): number {
    return Math.min(this.idle, this.rto, this.reorder, this.ackDue, this.hint, this.kick, this.keepalive);
  }
}
