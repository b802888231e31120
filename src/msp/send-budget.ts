// The send-buffer budget of all MSP streams of one process (MspDriver's):
// each open stream's share of SEND_BUDGET_BYTES (its sendLimit), the bytes
// all of them hold, and the writers waiting for room under the hard bound.
// The driver counts the streams at the end of every service round (share);
// writers report what they queued in between (wrote), so room() stays exact.

import { MspStream } from "./endpoint";

/** Send-buffer bytes all streams of one process may hold together (a hard bound:
 * room()): with many streams each gets a share, never less than
 * STREAM_MIN_BYTES (8 packets); one or two streams keep their full
 * sendBufferBytes. 512 KiB is still ~5x what 100 streams need in flight on a
 * 40 Mbit/s hop; 4 MiB kept `msp connect` at 20 MB RSS for 100 parallel
 * uploads, 1 MiB at 10-11 MB (issue 13's budget: see test/integration/tunnel-churn). */
export const SEND_BUDGET_BYTES = 512 << 10;
const STREAM_MIN_BYTES = 8 << 10;
/** Writers waiting for the process budget are woken once this much is free. */
const WAKE_ROOM_BYTES = 4 << 10;

export class SendBudget {
  /** Body bytes all streams hold (unsent + unacknowledged): counted by share(),
   * plus what writers reported since (wrote). */
  queued = 0;
  private readonly roomWaiters: (() => void)[] = [];
  /** Open streams and streams known when the shares were last set. */
  private sharedBetween = 1;
  private sharedKnown = 0;

  /** Bytes the streams of this process may still queue together: a hard bound
   * (SEND_BUDGET_BYTES) under the per-stream shares, which alone overshoot it when
   * the first streams filled large shares before the later ones opened. */
  room(): number {
    return Math.max(0, SEND_BUDGET_BYTES - this.queued);
  }

  /** A writer queued n bytes on a stream (keeps room() exact between rounds). */
  wrote(n: number): void {
    this.queued += n;
  }

  /** Call fn once (at the end of a service round) when room() is back. */
  waitRoom(fn: () => void): void {
    this.roomWaiters.push(fn);
  }

  /** Forget the waiting writers (the driver closes). */
  dropWaiters(): void {
    this.roomWaiters.length = 0;
  }

  /** Split SEND_BUDGET_BYTES between the open streams (100 parallel 1 MiB uploads
   * held 45 MB with a full 192 KiB buffer each), count what they hold, and wake
   * writers that waited for the process budget. */
  share(streams: readonly MspStream[]): void {
    let open = 0;
    let queued = 0;
    for (const s of streams) {
      if (s.conn.isOpen) open++;
      queued += s.conn.bufferedBytes;
    }
    this.queued = queued;
    if (this.roomWaiters.length > 0 && this.room() >= WAKE_ROOM_BYTES) {
      const waiters = this.roomWaiters.splice(0);
      for (const fn of waiters) fn();
    }
    const n = Math.max(1, open);
    if (n === this.sharedBetween && streams.length === this.sharedKnown) return;
    this.sharedBetween = n;
    this.sharedKnown = streams.length;
    const share = Math.max(STREAM_MIN_BYTES, Math.floor(SEND_BUDGET_BYTES / n));
    for (const s of streams) s.conn.sendLimit = share;
  }
}
