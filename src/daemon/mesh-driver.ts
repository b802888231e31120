// Drives the overlay core: after every input, drain its transmissions and
// deliveries and the client server's replies, then keep ONE timer armed for
// the core's next deadline. The I/O (clock, timers, sockets) is passed in,
// so this is unit-tested under Node with a fake core and clock.
import type { ClientServer } from "./client-server.js";
import { ClientQueueStats, ClientQueues, FULL, GONE, HELD_PER_CLIENT, SENT, SendResult } from "./client-queues.js";
import type { MeshCore, Transmit } from "./mesh-core.js";
import { EAGAIN, ECONNREFUSED, ENOBUFS, ENOENT } from "../platform/errno.js";
import { Clock, DeadlineTimer } from "../platform/deadline-timer.js";

export interface DriverIo extends Clock {
  /** Send one overlay packet; 0 or -errno. */
  transmit(tx: Transmit): number;
  /** Send one message to a local client; 0 or -errno. */
  sendToClient(to: string, data: Uint8Array): number;
  debug(msg: string): void;
  info(msg: string): void;
  /** Warnings (a client that does not read: once per client); info() when absent. */
  warn?(msg: string): void;
  /** The client socket's send buffer: its size, bytes not yet read by receivers, and the
   * connect()ed clients holding unread datagrams (null: cannot tell). Absent: not watched. */
  clientSendBuffer?: { size: number; queued(): number; blockedPeers(): string[] | null };
  /** After each drive (input, timer): e.g. apply back-pressure to clients. `now`: the
   * drive's clock reading (one read per drive, not one per step). */
  afterDrive?(now: number): void;
}

export interface DriverStats {
  packetsOut: number;
  bytesOut: number;
  clientSendFailed: number;
  timersArmed: number;
}

/** Client sends between two looks at the shared send buffer. */
const SENDBUF_CHECK_EVERY = 16;
/** At most one sock_diag dump per this many ms. */
const SENDBUF_DUMP_MIN_MS = 50;
/** Bound on back-to-back rounds in one drive() call (a core that is always due cannot spin forever). */
const MAX_ROUNDS = 64;

export class MeshDriver {
  readonly stats: DriverStats = { packetsOut: 0, bytesOut: 0, clientSendFailed: 0, timersArmed: 0 };
  private readonly timer: DeadlineTimer;
  private driving = false;
  private stopped = false;
  /** The armed deadline is the core's own (not only a client retry): when it
   * fires, the core is due and handleTimeout runs without asking pollTimeout first. */
  private armedForCore = false;
  /** Per-client queues of messages refused with EAGAIN (client-queues.ts). */
  private readonly queues: ClientQueues;
  private sendsSinceCheck = 0;
  private lastDumpAt = -Infinity;

  constructor(private readonly core: MeshCore, private readonly clients: ClientServer, private readonly io: DriverIo) {
    this.timer = new DeadlineTimer(io, () => this.drive(this.armedForCore));
    this.queues = new ClientQueues(
      (to, data) => this.sendToClient(to, data),
      (to, warned) => {
        // One line per client: a client already warned about is closed quietly.
        const text = `closing dead MDP client ${clientName(to)}`;
        if (warned) io.debug(text);
        else io.info(text);
        clients.clientGone(to);
      },
      (to) => (io.warn ?? io.info).call(io, `MDP client ${clientName(to)} is not reading its socket: ` +
        `datagrams to it are dropped while ${HELD_PER_CLIENT} of its messages wait (counted; logged once per client)`),
    );
    // A client that said goodbye (or whose bindings went) has nothing more to wait for.
    clients.onClientGone = (to) => this.queues.forget(to);
  }

  /** Counters of the per-client queues (held, dropped, stuck clients). */
  get clientQueueStats(): ClientQueueStats {
    return this.queues.stats;
  }

  /** Run the core until it has nothing more to do now, then re-arm the one timer.
   * `deadlineReached`: the core's own deadline woke us (its timer fired). */
  drive(deadlineReached = false): void {
    if (this.driving || this.stopped) return;
    this.driving = true;
    // The clock is read again only after a round that did something (sent,
    // delivered): a drive that only finds nothing to do reads it once.
    let now = this.io.now();
    try {
      // Outputs first: after a packet (the usual call) the core has already run
      // what was due, so one pollTimeout per drive is the common case
      // (pollTimeout walks interfaces and neighbours; the core answers "now"
      // while transmissions wait, which flushing them first avoids). When the
      // core's deadline woke us, it is due: no pollTimeout to find that out
      // (every earlier drive left nothing to flush), so one per drive there too.
      let due: number | undefined;
      if (deadlineReached) this.core.handleTimeout(now);
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const sent = this.flushTransmits(now);
        // A delivery or client message may make an in-process sender (tunnel) queue more.
        let busy = this.flushDeliveries();
        busy = this.flushClients(now) || busy;
        if (sent || busy) now = this.io.now();
        due = this.core.pollTimeout();
        if (due !== undefined && due <= now) this.core.handleTimeout(now);
        else if (!busy) break;
      }
      const retryAt = this.queues.retryAt;
      const at = retryAt < Infinity ? Math.min(due ?? Infinity, Math.max(retryAt, now)) : due;
      this.armedForCore = due !== undefined && at === due;
      if (this.timer.arm(at ?? Infinity, now)) this.stats.timersArmed++;
    } finally {
      this.driving = false;
    }
    this.io.afterDrive?.(now);
  }

  stop(): void {
    this.stopped = true;
    this.timer.stop();
  }

  /** The deadline the timer is armed for (Infinity when idle). */
  get armedAt(): number {
    return this.timer.armedAt;
  }

  private flushTransmits(now: number): boolean {
    let any = false;
    for (let tx = this.core.pollTransmit(now); tx; tx = this.core.pollTransmit(now)) {
      any = true;
      const rc = this.io.transmit(tx);
      if (rc < 0) {
        // EPERM/ENETUNREACH/ENOBUFS/EAGAIN: the core counts and logs it; the interface is kept.
        this.core.notifySendFailed(now, tx, -rc);
      } else {
        this.stats.packetsOut++;
        this.stats.bytesOut += tx.bytes.length;
      }
    }
    return any;
  }

  private flushDeliveries(): boolean {
    let any = false;
    for (let d = this.core.pollDelivery(); d; d = this.core.pollDelivery()) {
      any = true;
      this.clients.deliver(d);
      this.core.recycleDelivery?.(d); // (the client server copies or encodes what it keeps)
    }
    return any;
  }

  private flushClients(now: number): boolean {
    let any = false;
    // Clients whose sockets were full: per client, when due (not per held message).
    if (this.queues.retryAt <= now || this.queues.activeCount > 0) {
      if (this.queues.retryAt <= now) this.checkSendBuffer(now);
      this.queues.retry(now);
    }
    if (this.clients.outbox.length === 0) return any;
    for (let m = this.clients.pollOutgoing(); m; m = this.clients.pollOutgoing()) {
      any = true;
      this.queues.offer(now, m.to, m.data);
    }
    return any;
  }

  /** A client that connect()ed to the daemon's socket is exempt from the kernel's
   * per-receiver queue limit: what it does not read stays charged to the daemon's
   * send buffer, shared by every client, and once that is full nobody gets
   * anything. So while more than half of it is unread, the connected clients
   * holding unread datagrams are treated as full (held, then dropped and
   * counted); below a quarter, or once they read, they are let through again. */
  private checkSendBuffer(now: number): void {
    const sb = this.io.clientSendBuffer;
    if (!sb) return;
    this.sendsSinceCheck = 0;
    const queued = sb.queued();
    const high = queued > sb.size / 2;
    if (!high && (this.queues.throttledCount === 0 || queued > sb.size / 4)) return;
    if (now - this.lastDumpAt < SENDBUF_DUMP_MIN_MS) return;
    this.lastDumpAt = now;
    const peers = high ? sb.blockedPeers() : [];
    this.queues.setThrottled(new Set(peers ?? []));
  }

  /** SENT (or failed for good: counted), FULL (try again later) or GONE. */
  private sendToClient(to: string, data: Uint8Array): SendResult {
    if (++this.sendsSinceCheck >= SENDBUF_CHECK_EVERY) this.checkSendBuffer(this.io.now());
    const rc = this.io.sendToClient(to, data);
    if (rc >= 0) return SENT;
    if (rc === -EAGAIN || rc === -ENOBUFS) return FULL;
    if (rc === -ENOENT || rc === -ECONNREFUSED) return GONE;
    this.stats.clientSendFailed++;
    this.io.debug(`send to MDP client failed (errno ${-rc})`);
    return SENT;
  }
}

function clientName(to: string): string {
  return to.startsWith("\0") ? "@" + to.slice(1) : to;
}
