// Drives the overlay core: after every input, drain its transmissions and
// deliveries and the client server's replies, then keep ONE timer armed for
// the core's next deadline. The I/O (clock, timers, sockets) is passed in,
// so this is unit-tested under Node with a fake core and clock.
import type { ClientMessage, ClientServer } from "./client-server.js";
import type { CoreTransmit, MeshCore } from "./mesh-core.js";

export interface DriverIo {
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
  /** Send one overlay packet; 0 or -errno. */
  transmit(tx: CoreTransmit): number;
  /** Send one message to a local client; 0 or -errno. */
  sendToClient(to: string, data: Uint8Array): number;
  debug(msg: string): void;
  info(msg: string): void;
  /** After each drive (input, timer): e.g. apply back-pressure to clients. */
  afterDrive?(): void;
}

export interface DriverStats {
  packetsOut: number;
  bytesOut: number;
  sendFailed: number;
  clientSendFailed: number;
  timersArmed: number;
}

const ENOENT = 2;
const ECONNREFUSED = 111;
const EAGAIN = 11;
const ENOBUFS = 105;
/** A client whose socket is full (Linux queues only net.unix.max_dgram_qlen = 10
 * datagrams per socket) gets its messages later, in order, up to this many held. */
const MAX_HELD = 4096;
/** Retry delay for held client messages. */
const HELD_RETRY_MS = 2;
/** Bound on back-to-back rounds in one drive() call (a core that is always due cannot spin forever). */
const MAX_ROUNDS = 64;

export class MeshDriver {
  readonly stats: DriverStats = { packetsOut: 0, bytesOut: 0, sendFailed: 0, clientSendFailed: 0, timersArmed: 0 };
  private timer: unknown;
  private timerAt = Infinity;
  private driving = false;
  private stopped = false;
  /** Messages refused with EAGAIN, oldest first; resent before anything newer for the same client. */
  private held: ClientMessage[] = [];

  constructor(private readonly core: MeshCore, private readonly clients: ClientServer, private readonly io: DriverIo) {}

  /** Run the core until it has nothing more to do now, then re-arm the one timer. */
  drive(): void {
    if (this.driving || this.stopped) return;
    this.driving = true;
    try {
      // (pollTimeout walks interfaces and neighbours: once per round, not twice)
      let now = this.io.now();
      let due = this.core.pollTimeout();
      for (let round = 0; round < MAX_ROUNDS; round++) {
        if (due !== undefined && due <= now) this.core.handleTimeout(now);
        let busy = this.flushTransmits(now);
        busy = this.flushDeliveries() || busy;
        busy = this.flushClients() || busy;
        now = this.io.now();
        due = this.core.pollTimeout();
        if (!busy && (due === undefined || due > now)) break;
      }
      this.arm(this.held.length > 0 ? Math.min(due ?? Infinity, now + HELD_RETRY_MS) : due);
    } finally {
      this.driving = false;
    }
    this.io.afterDrive?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.io.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** The deadline the timer is armed for (Infinity when idle). */
  get armedAt(): number {
    return this.timerAt;
  }

  private arm(at: number | undefined): void {
    const when = at ?? Infinity;
    if (when === this.timerAt && this.timer !== undefined) return;
    if (this.timer !== undefined) this.io.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = when;
    if (when === Infinity) return;
    this.stats.timersArmed++;
    this.timer = this.io.setTimer(Math.max(0, when - this.io.now()), () => {
      this.timer = undefined;
      this.drive();
    });
  }

  private flushTransmits(now: number): boolean {
    let any = false;
    for (let tx = this.core.pollTransmit(now); tx; tx = this.core.pollTransmit(now)) {
      any = true;
      const rc = this.io.transmit(tx);
      if (rc < 0) {
        // EPERM/ENETUNREACH/ENOBUFS/EAGAIN: counted and logged; the interface is kept.
        this.stats.sendFailed++;
        this.io.debug(`sendto ${tx.address} on interface ${tx.ifIndex} failed (errno ${-rc}); ${this.stats.sendFailed} failed sends so far`);
        this.core.notifySendFailed(now, tx, -rc);
      } else {
        this.stats.packetsOut++;
        this.stats.bytesOut += tx.data.length;
      }
    }
    return any;
  }

  private flushDeliveries(): boolean {
    let any = false;
    for (let d = this.core.pollDelivery(); d; d = this.core.pollDelivery()) {
      any = true;
      this.clients.deliver(d);
    }
    return any;
  }

  private flushClients(): boolean {
    let any = false;
    // Clients still full: everything newer for them waits behind what they refused.
    const blocked = new Set<string>();
    if (this.held.length > 0) {
      const held = this.held;
      this.held = [];
      for (const m of held) {
        if (blocked.has(m.to) || !this.sendToClient(m)) {
          blocked.add(m.to);
          this.held.push(m);
        }
      }
    }
    for (let m = this.clients.pollOutgoing(); m; m = this.clients.pollOutgoing()) {
      any = true;
      if (!blocked.has(m.to) && this.sendToClient(m)) continue;
      blocked.add(m.to);
      if (this.held.length < MAX_HELD) this.held.push(m);
      else this.stats.clientSendFailed++;
    }
    return any;
  }

  /** False when the client's socket is full (try again later); other failures are final. */
  private sendToClient(m: ClientMessage): boolean {
    if (m.data.length === 0) return true; // cancelled by clientGone
    const rc = this.io.sendToClient(m.to, m.data);
    if (rc === -EAGAIN || rc === -ENOBUFS) return false;
    if (rc === -ENOENT || rc === -ECONNREFUSED) {
      this.io.info(`closing dead MDP client ${m.to.startsWith("\0") ? "@" + m.to.slice(1) : m.to}`);
      this.clients.clientGone(m.to);
      for (const h of this.held) if (h.to === m.to) h.data = new Uint8Array(0);
    } else if (rc < 0) {
      this.stats.clientSendFailed++;
      this.io.debug(`send to MDP client failed (errno ${-rc})`);
    }
    return true;
  }
}
