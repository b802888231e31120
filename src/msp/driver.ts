// Runs an MspEndpoint over MDP sockets and one re-armed timer: inbound
// datagrams in, transmits out, events to per-stream callbacks. Platform-free:
// the clock and the socket factory are passed in (real ones in src/cli, fakes
// in tests). Connectors get their own MdpSocket (ephemeral port, like Serval
// DNA's msp_connect; on the platform all MdpSockets are bindings on one
// client socket, src/msp/mdp-client-socket.ts); accepted streams answer
// through the listener's.
// A daemon that goes away (a restart) takes every binding with it: the driver
// checks its oldest socket every PROBE_MS, ends the streams of dead sockets
// ("closed suddenly"), drops their listeners and reports the lost ports
// (onDaemonLost) so the caller can listen again on the new daemon.
// The streams share one send-buffer budget per process (send-budget.ts).

import { Clock, DeadlineTimer } from "../platform/deadline-timer";
import { SID_ANY } from "../wire/types";
import { MspConnection } from "./connection";
import { MspAddress, MspEndpoint, MspEndpointOptions, MspStream } from "./endpoint";
import { MspEvent } from "./events";
import { MdpInbound, MdpSendOptions, MdpSocket, MdpSocketFactory } from "./mdp-socket";
import { SendBudget } from "./send-budget";

export { SEND_BUDGET_BYTES } from "./send-budget";


export type StreamEventHandler = (stream: MspStream, e: MspEvent) => void;

interface Pending {
  sock: MdpSocket;
  remote: MspAddress;
  payload: Uint8Array;
  opts: MdpSendOptions;
}

const AUTHCRYPT: MdpSendOptions = { cryptFlags: 0, qos: 0, ttl: 0 };
/** How soon to retry when the daemon's socket queue is full. */
const RETRY_MS = 2;
/** How often the oldest socket asks the daemon whether it still holds its
 * binding. Sockets opened before a daemon restart are all dead, so if any is
 * dead the oldest is: one datagram per period finds a restart. */
export const PROBE_MS = 1000;

export class MspDriver {
  readonly ep: MspEndpoint;
  /** Called for each accepted stream; set handlers with setHandler() inside. */
  onAccept: ((s: MspStream) => void) | undefined;
  /** Called when the daemon reports an error on any socket. */
  onDaemonError: (() => void) | undefined;
  /** Called when the daemon went away: the sockets it held are closed, `streams`
   * streams on them were ended (their "closed-suddenly" events follow), and
   * `ports` were listening and are not any more. */
  onDaemonLost: ((ports: number[], streams: number) => void) | undefined;

  private readonly byPort = new Map<number, MdpSocket>();
  private readonly portOf = new Map<MdpSocket, number>();
  private readonly owned = new Map<MspConnection, MdpSocket>();
  private readonly listenSockets = new Map<number, MdpSocket>();
  private readonly opts = new Map<MspConnection, MdpSendOptions>();
  private readonly handlers = new Map<MspConnection, StreamEventHandler>();
  private readonly retry: Pending[] = [];
  /** Sockets between bind and being owned by a stream or listener: release() must
   * not close them (with many connects at once, one connect's service() runs while
   * another's bind has just completed). */
  private readonly opening = new Set<MdpSocket>();
  private readonly timer: DeadlineTimer;
  private flushing = false;
  private again = false;
  private settled: (() => void) | undefined;
  /** The streams' shares of the process send budget (send-budget.ts). */
  private readonly budget = new SendBudget();
  /** A socket found the daemon gone: check them all (dropDeadSockets). */
  private deadSeen = false;
  private probeTimer: unknown;
  /** release() has work only after streams come or go, or sockets finish opening. */
  private releasedAt = -1;
  private releaseDue = false;
  /** Inbound datagrams arrived since the deferred service was queued (deferInput). */
  private inputQueued = false;
  private closedAll = false;
  private readonly serviceQueued = (): void => {
    this.inputQueued = false;
    if (!this.closedAll) this.service();
  };

  /** `probe: false`: sockets whose daemon cannot go away (in-process, src/daemon/tunnels.ts) need no keep-alive.
   * `deferInput`: run the service after inbound datagrams through this (e.g. a
   * microtask) instead of once per datagram: a burst of datagrams the daemon
   * read in one go then makes one round of events, local writes and acks. */
  constructor(private readonly clock: Clock, private readonly factory: MdpSocketFactory, options?: MspEndpointOptions,
    private readonly driverOptions: { probe?: boolean; deferInput?: (run: () => void) => void } = {}) {
    this.ep = new MspEndpoint(options);
    this.timer = new DeadlineTimer(clock, () => this.service());
  }

  now(): number {
    return this.clock.now();
  }

  /** Bind `port` on the primary identity and accept FIRST packets there. */
  async listen(port: number): Promise<MspAddress> {
    const sock = this.factory();
    this.opening.add(sock);
    try {
      const bound = await this.open(sock, port);
      this.listenSockets.set(bound.port, sock);
      this.ep.listen(bound);
      return bound;
    } catch (e) {
      sock.close();
      throw e;
    } finally {
      this.opening.delete(sock);
      this.releaseDue = true;
    }
  }

  /** Stop accepting new connections on `port` (existing ones carry on). */
  unlisten(port: number): void {
    this.ep.unlistenPort(port);
    this.listenSockets.delete(port);
    this.releaseDue = true;
    this.service();
  }

  /** Open a stream to remote from a fresh ephemeral port. */
  async connect(remote: MspAddress, handler: StreamEventHandler): Promise<MspStream> {
    const sock = this.factory();
    this.opening.add(sock);
    let bound: MspAddress;
    try {
      bound = await this.open(sock, 0);
    } catch (e) {
      sock.close();
      throw e;
    } finally {
      this.opening.delete(sock);
      this.releaseDue = true;
    }
    const s = this.ep.connect(this.clock.now(), bound, remote);
    this.owned.set(s.conn, sock);
    this.opts.set(s.conn, AUTHCRYPT);
    this.handlers.set(s.conn, handler);
    this.service();
    return s;
  }

  setHandler(s: MspStream, handler: StreamEventHandler): void {
    this.handlers.set(s.conn, handler);
  }

  /** Number of streams still known (open or lingering). */
  get streamCount(): number {
    return this.ep.streams.length;
  }

  get openStreams(): number {
    let n = 0;
    for (const s of this.ep.streams) if (s.conn.isOpen) n++;
    return n;
  }

  /** STOP every open stream (SIGINT/SIGTERM). */
  stopAll(): void {
    const now = this.clock.now();
    for (const s of this.ep.streams) s.conn.stop(now);
    this.service();
  }

  /** Datagrams the daemon refused still wait, or a STOP we sent may have been lost. */
  get closing(): boolean {
    return this.retry.length > 0 || this.ep.lingeringStop(this.clock.now());
  }

  /** Call fn once nothing is closing any more (see closing); at once if nothing is. */
  whenSettled(fn: () => void): void {
    this.settled = fn;
    this.service();
  }

  /** Release every socket (after stopAll). */
  close(): void {
    this.closedAll = true;
    this.settled = undefined;
    this.timer.stop();
    if (this.probeTimer !== undefined) this.clock.clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    for (const sock of new Set(this.byPort.values())) sock.close();
    this.byPort.clear();
    this.portOf.clear();
    this.budget.dropWaiters();
    this.owned.clear();
    this.listenSockets.clear();
  }

  /** Process after application commands (write, consume, shutdown, stop) or input. */
  service(): void {
    if (this.flushing) { this.again = true; return; }
    this.flushing = true;
    try {
      do {
        this.again = false;
        if (this.deadSeen) this.dropDeadSockets();
        this.flushOnce();
      } while (this.again || this.deadSeen);
    } finally {
      this.flushing = false;
      // Even if a stream's handler threw: a driver without its timer stalls every stream.
      this.arm();
      this.armProbe();
    }
    if (this.settled && !this.closing) {
      const fn = this.settled;
      this.settled = undefined;
      fn();
    }
  }

  private async open(sock: MdpSocket, port: number): Promise<MspAddress> {
    const bound = await sock.bind(SID_ANY, port);
    this.byPort.set(bound.port, sock);
    this.portOf.set(sock, bound.port);
    sock.onPacket((p) => this.input(p));
    sock.onError(() => this.onDaemonError?.());
    sock.onGone(() => {
      this.deadSeen = true;
      this.service();
    });
    this.armProbe();
    return { sid: bound.sid.slice(), port: bound.port };
  }

  private input(p: MdpInbound): void {
    const now = this.clock.now();
    const s = this.ep.handleDatagram(now, p.local, p.remote, p.payload);
    // An accepted stream answers with the inbound crypt flags and qos (Serval: same header).
    if (s && !this.opts.has(s.conn)) this.opts.set(s.conn, { cryptFlags: p.cryptFlags, qos: p.qos, ttl: 0 });
    const defer = this.driverOptions.deferInput;
    if (!defer) {
      this.service();
      return;
    }
    if (this.inputQueued) return;
    this.inputQueued = true;
    defer(this.serviceQueued);
  }

  private flushOnce(): void {
    const now = this.clock.now();
    this.ep.handleTimeout(now);
    for (let round = 0; round < 1000; round++) {
      let progress = false;
      for (let s = this.ep.pollAccept(); s; s = this.ep.pollAccept()) {
        progress = true;
        this.onAccept?.(s);
      }
      for (const s of this.ep.streams.slice()) {
        const h = this.handlers.get(s.conn);
        for (let e = s.conn.pollEvent(); e; e = s.conn.pollEvent()) {
          progress = true;
          h?.(s, e);
        }
      }
      if (!this.sendRetries()) break;
      for (let t = this.ep.pollTransmit(now); t; t = this.ep.pollTransmit(now)) {
        progress = true;
        const sock = this.byPort.get(t.local.port);
        if (!sock) continue;
        const opts = (t.stream && this.opts.get(t.stream.conn)) ?? AUTHCRYPT;
        if (!sock.send(t.remote, t.payload, opts)) {
          this.retry.push({ sock, remote: { sid: t.remote.sid, port: t.remote.port }, payload: t.payload, opts });
          break;
        }
      }
      if (!progress) break;
    }
    this.release();
    this.budget.share(this.ep.streams);
  }

  /** Close every socket the daemon no longer serves: their streams end suddenly,
   * their listeners stop; then tell onDaemonLost. */
  private dropDeadSockets(): void {
    this.deadSeen = false;
    const dead = new Set<MdpSocket>();
    for (const sock of new Set(this.byPort.values())) if (!sock.alive()) dead.add(sock);
    this.deadSeen = false; // alive() reported each death again
    if (dead.size === 0) return;
    const now = this.clock.now();
    let streams = 0;
    for (const s of this.ep.streams) {
      const sock = this.owned.get(s.conn) ?? this.byPort.get(s.local.port);
      if (!sock || !dead.has(sock) || !s.conn.isOpen) continue;
      s.conn.abort(now);
      streams++;
    }
    const ports: number[] = [];
    for (const [port, sock] of this.listenSockets) {
      if (!dead.has(sock)) continue;
      ports.push(port);
      this.listenSockets.delete(port);
      this.ep.unlistenPort(port);
    }
    for (const [port, sock] of this.byPort) if (dead.has(sock)) this.byPort.delete(port);
    for (const sock of dead) this.portOf.delete(sock);
    for (const [conn, sock] of this.owned) if (dead.has(sock)) this.owned.delete(conn);
    for (let i = this.retry.length - 1; i >= 0; i--) if (dead.has(this.retry[i].sock)) this.retry.splice(i, 1);
    for (const sock of dead) {
      sock.onGone(undefined);
      sock.close();
    }
    this.releaseDue = true;
    this.onDaemonLost?.(ports, streams);
  }

  /** While sockets are open, ask the daemon every PROBE_MS through the oldest. */
  private armProbe(): void {
    if (this.probeTimer !== undefined || this.byPort.size === 0 || this.driverOptions.probe === false) return;
    this.probeTimer = this.clock.setTimeout(() => {
      this.probeTimer = undefined;
      const oldest = this.byPort.values().next().value;
      if (oldest && !oldest.alive()) this.deadSeen = true;
      this.service();
    }, PROBE_MS);
  }

  /** Body bytes all streams hold (unsent + unacknowledged): counted at the end of
   * every service round, plus what writers reported since (wrote). */
  get queuedBytes(): number { return this.budget.queued; }

  /** Bytes the streams of this process may still queue together (SendBudget.room). */
  sendRoom(): number { return this.budget.room(); }

  /** A writer queued n bytes on a stream (keeps sendRoom exact between rounds). */
  wrote(n: number): void { this.budget.wrote(n); }

  /** Call fn once (at the end of a service round) when sendRoom has room again. */
  waitRoom(fn: () => void): void { this.budget.waitRoom(fn); }

  /** Resend what the daemon refused earlier; false while it still refuses. */
  private sendRetries(): boolean {
    while (this.retry.length > 0) {
      const r = this.retry[0];
      if (!r.sock.send(r.remote, r.payload, r.opts)) return false;
      this.retry.shift();
    }
    return true;
  }

  /** Close connector sockets of forgotten streams, and listener sockets nobody uses.
   * Linear in the streams (it runs whenever one comes or goes: 300 quick connects
   * made the old per-socket search of every stream quadratic). */
  private release(): void {
    if (!this.releaseDue && this.releasedAt === this.ep.generation) return;
    this.releaseDue = false;
    this.releasedAt = this.ep.generation;
    const live = new Set<MspConnection>();
    const usedPorts = new Set<number>();
    for (const s of this.ep.streams) {
      live.add(s.conn);
      usedPorts.add(s.local.port);
    }
    for (const [conn, sock] of this.owned) {
      if (live.has(conn)) continue;
      this.owned.delete(conn);
      this.opts.delete(conn);
      this.handlers.delete(conn);
      const b = this.portOf.get(sock);
      if (b !== undefined && this.byPort.get(b) === sock) this.byPort.delete(b);
      this.portOf.delete(sock);
      sock.close();
    }
    for (const conn of this.opts.keys()) {
      if (!this.owned.has(conn) && !live.has(conn)) {
        this.opts.delete(conn);
        this.handlers.delete(conn);
      }
    }
    const ownedSockets = new Set(this.owned.values());
    for (const [port, sock] of this.byPort) {
      if (this.listenSockets.has(port) || ownedSockets.has(sock) || this.opening.has(sock)) continue;
      if (usedPorts.has(port)) continue;
      this.byPort.delete(port);
      this.portOf.delete(sock);
      sock.close();
    }
  }

  private arm(): void {
    let t = this.ep.pollTimeout() ?? Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    // While the daemon refuses datagrams nothing can go out: an ack or timer
    // already due would re-arm at 0 ms and spin; wake at least 1 ms later.
    if (this.retry.length > 0) t = Math.max(Math.min(t, now + RETRY_MS), now + 1);
    this.timer.arm(t, now);
  }
}
