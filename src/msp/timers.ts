// The deadlines of one MSP connection, in one table (quinn-proto's
// connection/timer.rs TimerTable). pollTimeout() reports the earliest; each
// timer names who acts on it when it expires:
//
//   timer       set by                             acted on by
//   IDLE        every packet heard (timeoutMs)      handleTimeout: close, "timed-out"
//   RTO         a data packet sent, an ack          handleTimeout -> LossDetection.onRetransmitTimeout
//   REORDER     RACK (LossDetection.detectLosses)   handleTimeout -> LossDetection.detectLosses
//   ACK_DUE     PendingAcks (data consumed)         pollTransmit: an ack goes out
//   HINT        PendingAcks (out-of-order arrival)  pollTransmit: an ack with a hint goes out
//   KICK        a connector's constructor           pollTransmit: the first packet (FIRST) goes out
//   KEEPALIVE   anything sent (keepaliveMs later)   pollTransmit: an ack-only keep-alive goes out
//
// The last four are output deadlines: what is due is a packet, and
// pollTransmit(now) checks them itself (a driver drains pollTransmit after
// every handleTimeout, and SimNet-style drivers may call only pollTransmit),
// so handleTimeout has nothing to change for them. A closed connection keeps
// no timers but ACK_DUE (a lingering re-ack); see MspConnection.pollTimeout.

export const NEVER = Number.POSITIVE_INFINITY;

export const IDLE = 0;
export const RTO = 1;
export const REORDER = 2;
export const ACK_DUE = 3;
export const HINT = 4;
export const KICK = 5;
export const KEEPALIVE = 6;
const COUNT = 7;

export type MspTimer = typeof IDLE | typeof RTO | typeof REORDER | typeof ACK_DUE | typeof HINT | typeof KICK | typeof KEEPALIVE;

export class TimerTable {
  private readonly at: number[] = [NEVER, NEVER, NEVER, NEVER, NEVER, NEVER, NEVER];

  set(t: MspTimer, when: number): void { this.at[t] = when; }
  /** Lower the deadline to `when` if that is sooner. */
  setEarlier(t: MspTimer, when: number): void { if (when < this.at[t]) this.at[t] = when; }
  stop(t: MspTimer): void { this.at[t] = NEVER; }
  get(t: MspTimer): number { return this.at[t]; }
  isSet(t: MspTimer): boolean { return this.at[t] !== NEVER; }
  expired(t: MspTimer, now: number): boolean { return now >= this.at[t]; }

  /** Earliest deadline, NEVER if none. */
  next(): number {
    let m = this.at[0];
    for (let i = 1; i < COUNT; i++) if (this.at[i] < m) m = this.at[i];
    return m;
  }
}
