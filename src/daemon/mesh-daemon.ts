// The mesh service run by `servald start [foreground]`: keyring, overlay core,
// interfaces over UDP, and the local client socket, driven by one event loop
// with ONE re-armed timer for the core's next deadline.
import type { Identity } from "../crypto/types.js";
import { ClientServer } from "./client-server.js";
import { InterfaceManager, MeshInterface } from "./interfaces.js";
import { InterfaceRule, rulesFromConfig } from "./interfaces-match.js";
import type { MeshCore, Transmit } from "./mesh-core.js";
import { MeshDriver } from "./mesh-driver.js";
import { loadOrCreateKeyring } from "./mesh-keyring.js";
import { daemonSocketName } from "../client/open.js";
import { nowMs } from "../platform/clock.js";
import { errorText, log, logEnabled } from "../platform/log.js";
import { clearTimer, guard, setTimer, Timer } from "../platform/loop.js";
import { UnixDgram } from "../platform/unix.js";
import type { UdpSource } from "../platform/udp.js";
import { blockedConnectedPeers, sendQueued, setSendBuffer } from "../platform/unix-sendbuf.js";
import { ipv4Format, ipv4Parse } from "../platform/ipv4.js";
import { toHex } from "../wire/bytes.js";
import { MTU } from "../wire/packet.js";
import { ENOENT } from "../platform/errno.js";
import { InProcessSockets } from "./inproc-mdp-socket.js";
import { setTunnelHost, TunnelHost } from "./tunnels.js";
import { pid, utf8Encode } from "../platform/proc.js";
import { STATUS_MAX_BYTES, statusJson } from "./status.js";
import { LazyAlarm } from "./lazy-alarm.js";
import { InterfaceWatch, watchInterfaceChanges } from "../platform/interfaces.js";

/** Interfaces are rescanned when the kernel says a link or IPv4 address changed
 * (route netlink, platform/interfaces.ts), and every RESCAN_WATCHED_MS anyway; where
 * changes cannot be watched, every RESCAN_MS. Either on a wakeup the daemon has
 * anyway (a packet, a tick: at least one a second while an interface is up); a
 * timer of its own wakes it only if none came within RESCAN_SLACK_MS after that
 * (lazy-alarm.ts). */
const RESCAN_MS = 5000;
const RESCAN_WATCHED_MS = 60_000;
const RESCAN_SLACK_MS = 2000;

export interface MeshDaemonOptions {
  keyringPath: string;
  runPath: string;
  /** Current config as flat key/value pairs (re-read by the lifecycle on SIGHUP). */
  config: () => Iterable<[string, string]>;
  /** Registers a callback run after the configuration was re-read (SIGHUP). */
  onReload: (fn: () => void) => void;
  /** Re-reads the configuration (then runs the onReload callbacks): a client sent SYNC_CONFIG. */
  reloadConfig: (why: string) => void;
  /** Builds the overlay core for these identities (primary first). */
  createCore: (identities: Identity[], now: number) => MeshCore;
}

export interface MeshDaemonStats {
  packetsIn: number;
  bytesIn: number;
}

/** Peer address strings cached (neighbours and their broadcast addresses; cleared when full). */
const PEER_CACHE_MAX = 256;
/** Inbound packets handled before a drive at the latest (onPacket drives once per burst). */
const DRIVE_EVERY = 16;
/** Ports cached per peer address (a peer normally sends from one). */
const PEER_PORTS_MAX = 8;

/** Client back-pressure marks, in datagrams (see applyBackPressure). */
const CLIENT_BACKLOG_HIGH = 64;
const CLIENT_BACKLOG_LOW = 32;
/** The client socket's send buffer, shared by all clients (see MeshDriver.checkSendBuffer). */
const CLIENT_SEND_BUFFER = 512 * 1024;

export class MeshDaemon {
  readonly stats: MeshDaemonStats = { packetsIn: 0, bytesIn: 0 };
  readonly identities: Identity[];
  private readonly core: MeshCore;
  private readonly clients: ClientServer;
  private readonly ifaces: InterfaceManager;
  private readonly sock: UnixDgram;
  private readonly driver: MeshDriver;
  /** Daemon-hosted MSP tunnels (tunnels.N.* config keys). */
  readonly tunnels: TunnelHost;
  private inDrive = false;
  private kickQueued = false;
  /** Local clients or tunnels sent since the backlog was last counted (applyBackPressure). */
  private localSent = true;
  /** Packets handled since the last drive (onPacket). */
  private undriven = 0;
  /** The core's client backlog when last counted plus the tunnels' sends since: never
   * below the real one (-1: count again; after every drive and inbound packet, which
   * may send frames or queue the node's own replies). */
  private backlogSeen = -1;
  private rules: InterfaceRule[] = [];
  private rescanAlarm: LazyAlarm | undefined;
  /** Link and address changes, heard from the kernel (null: not watched, rescans every RESCAN_MS). */
  private ifaceWatch: InterfaceWatch | null = null;
  private stopped = false;
  /** Peer names by int32 address, then port: int keys (addr * 65536 + port was a float64 hash per datagram). */
  private readonly names = new Map<number, Map<number, string>>();
  private readonly addresses = new Map<string, { addr: number; port: number }>();
  private readonly startedAt = nowMs();

  /** Throws (with a readable message) when the keyring is damaged or the socket cannot be bound. */
  constructor(private readonly opts: MeshDaemonOptions) {
    const { identities, created } = loadOrCreateKeyring(opts.keyringPath);
    this.identities = identities;
    if (created) log.info(`created keyring ${opts.keyringPath} with a new identity`);
    const now = nowMs();
    this.core = opts.createCore(identities, now);
    this.clients = new ClientServer(this.core);
    this.clients.onSyncConfig = () => opts.reloadConfig("SYNC_CONFIG from a client");
    this.clients.onStatus = (now) => this.status(now);
    const sendBuffer = {
      size: 0,
      queued: () => sendQueued(this.sock.fd),
      blockedPeers: () => blockedConnectedPeers(this.sock.fd),
    };
    this.driver = new MeshDriver(this.core, this.clients, {
      now: nowMs,
      setTimeout: (fn, ms) => setTimer(ms, fn, "mesh timer"),
      clearTimeout: (h) => clearTimer(h as Timer),
      transmit: this.transmit,
      sendToClient: (to, data) => this.sock.send(data, to),
      debug: (m) => { if (logEnabled("debug")) log.debug(m); },
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      afterDrive: (now) => {
        this.applyBackPressure();
        this.rescanAlarm?.poll(now);
      },
      clientSendBuffer: sendBuffer,
    });
    const sockName = daemonSocketName(opts.runPath);
    this.sock = UnixDgram.open(sockName); // filesystem socket, 0600: owner only
    sendBuffer.size = setSendBuffer(this.sock.fd, CLIENT_SEND_BUFFER);
    this.sock.onMessage((data, from) => {
      this.localSent = true;
      this.clients.handleMessage(nowMs(), from, data);
      this.drive();
    });
    this.ifaces = new InterfaceManager(
      this.onPacket,
      (itf) => this.core.interfaceUp(nowMs(), {
        index: itf.index, name: itf.name, mtu: MTU, broadcastAddress: `${itf.broadcastText}:${itf.port}`,
      }),
      (itf) => this.core.interfaceDown(nowMs(), itf.index),
      () => { if (this.undriven > 0) this.drive(); },
    );
    log.info(`primary SID ${toHex(identities[0].sid)}; client socket ${sockName}`);
    this.tunnels = new TunnelHost(new InProcessSockets({
      clients: this.clients,
      core: this.core,
      now: nowMs,
      holdingBack: () => this.tunnelsHeldBack(),
      kick: () => {
        this.localSent = true;
        if (this.backlogSeen >= 0) this.backlogSeen++; // (a tunnel queued one more datagram)
        this.kick();
      },
    }));
    setTunnelHost(this.tunnels);
    this.ifaceWatch = watchInterfaceChanges(() => this.rescanAlarm?.runNow(), (why) => {
      log.warn(`interface changes no longer heard from the kernel (${why}): rescanning every ${RESCAN_MS / 1000} s`);
      this.ifaceWatch = null;
      this.rescanAlarm?.setPeriod(RESCAN_MS);
    });
    this.reload();
    this.rescanAlarm = new LazyAlarm({
      now: nowMs,
      setTimeout: (fn, ms) => setTimer(ms, fn, "interface rescan"),
      clearTimeout: (h) => clearTimer(h as Timer),
    }, this.ifaceWatch ? RESCAN_WATCHED_MS : RESCAN_MS, RESCAN_SLACK_MS, () => { this.ifaces.rescan(this.rules); this.drive(); });
    opts.onReload(() => {
      if (this.stopped) return;
      log.info("config reloaded: rescanning interfaces");
      this.reload();
    });
    this.drive();
  }

  stop(): void {
    if (this.stopped) return;
    // The tunnels' last STOPs go out before the links close.
    setTunnelHost(undefined);
    this.tunnels.stop();
    this.drive();
    this.stopped = true;
    this.driver.stop();
    this.rescanAlarm?.stop();
    this.ifaceWatch?.close();
    const ownDrops = this.ifaces.ownDrops, ownFiltered = this.ifaces.ownFiltered;
    this.ifaces.closeAll();
    this.sock.close();
    const d = this.driver.stats;
    const ra = this.rescanAlarm;
    log.info(`mesh stopped (packets in ${this.stats.packetsIn}, out ${d.packetsOut}, timers armed ${d.timersArmed}, ` +
      `interface rescans ${ra?.runs ?? 0}, ${ra?.timerRuns ?? 0} of them on a wakeup of their own, ` +
      `own datagrams looped back and read ${ownDrops}, ${ownFiltered ? "the rest dropped by the kernel" : "no kernel filter"})`);
    const q = this.driver.clientQueueStats, c = this.clients.stats;
    log.info(`local clients: datagrams held ${q.held}, dropped ${q.dropped} (clients not reading: ${q.stuckClients}), ` +
      `errors ${c.errors}, dead clients ${c.deadClients}, unnamed senders ignored ${c.anonymous}`);
    const counters = this.core.statsLine?.();
    if (counters) log.info(`mesh counters: ${counters}`);
  }

  /** The DAEMON_STATUS answer (`servald status --json`), UTF-8 JSON. */
  private status(now: number): Uint8Array {
    const q = this.driver.clientQueueStats, c = this.clients.stats, d = this.driver.stats, t = this.clients.tunnels;
    const json = JSON.stringify(statusJson({
      version: __SERVAL_VERSION__,
      pid: pid(),
      uptime: Math.floor((now - this.startedAt) / 1000),
      identities: this.identities.map((i) => i.sid),
      interfaces: this.ifaces.list().map((i) => ({
        index: i.index, name: i.name, address: `${ipv4Format(i.addr)}:${i.port}`, broadcast: `${i.broadcastText}:${i.port}`,
        counters: i.counters,
      })),
      routes: this.core.routes(),
      core: this.core.status?.(),
      // (a failed sendto is counted once, by the core: drops.send_failures)
      daemon: { foreign_subnet: this.ifaces.foreignDrops, client_send_failed: d.clientSendFailed },
      clients: {
        clients: this.clients.clientCount(), bindings: this.clients.bindingCount(), held: q.held, dropped: q.dropped,
        stuck: q.stuckClients, errors: c.errors, dead: c.deadClients, anonymous: c.anonymous,
      },
      tunnels: t.list(now),
      tunnelTable: { size: t.size, ...t.stats },
    }));
    // statusJson bounds every list; this only guards against a mistake there.
    return utf8Encode(json.length <= STATUS_MAX_BYTES ? json : JSON.stringify({ running: true, error: "status too large" }));
  }

  private reload(): void {
    try {
      this.rules = rulesFromConfig(this.opts.config());
    } catch (e) {
      log.warn(`cannot read config: ${errorText(e)}`);
    }
    this.ifaces.rescan(this.rules);
    this.tunnels.apply(this.opts.config());
    this.drive();
  }

  /** (a bound arrow: the interfaces' sockets call it straight, per datagram) */
  private readonly onPacket = (itf: MeshInterface, data: Uint8Array, from: UdpSource): void => {
    this.stats.packetsIn++;
    this.stats.bytesIn += data.length;
    const now = nowMs();
    try {
      this.core.handlePacket(now, itf.index, this.peerName(from.addr, from.port), data);
    } catch (e) {
      // Malformed input must never stop the daemon.
      if (logEnabled("debug")) log.debug(`dropped packet from ${ipv4Format(from.addr)}:${from.port} on ${itf.name}: ${errorText(e)}`);
    }
    this.backlogSeen = -1; // (a packet may queue datagrams of the node's own services)
    // One drive (transmits, deliveries, the next wake-up) per burst: once the
    // interface socket is drained (the InterfaceManager's onBurst, right there in
    // the same callback, no promise job); at least every DRIVE_EVERY packets, so a
    // socket that never runs dry still sends and delivers.
    if (++this.undriven >= DRIVE_EVERY) this.drive();
  };

  /** Local clients may queue this many datagrams ahead of the links; above it the
   * client socket is not read (their sends block or see EAGAIN) until the
   * backlog is down to the low mark. Enough to keep a 10 Mbit/s hop busy for
   * ~50 ms, little enough that a new stream's first packet is not stuck behind
   * seconds of another's data. */
  private applyBackPressure(): void {
    // The backlog is counted (a walk of the core's queues) while the socket is
    // paused, and after local clients or tunnels sent: a drive of a mesh with no
    // local traffic (every packet, every tick) does not count it. (The node's own
    // services' replies count too, but pausing the client socket matters only once
    // a client sends, and then it is counted.)
    if (!this.localSent && !this.sock.isPaused) return;
    this.localSent = false;
    const backlog = this.core.clientBacklog?.() ?? 0;
    if (this.sock.isPaused) {
      if (backlog <= CLIENT_BACKLOG_LOW) this.sock.resume();
    } else if (backlog >= CLIENT_BACKLOG_HIGH) {
      this.sock.pause();
    }
  }

  /** "a.b.c.d:port" of a sender, built once per peer rather than per packet. */
  private peerName(addr: number, port: number): string {
    let ports = this.names.get(addr);
    if (ports === undefined) {
      if (this.names.size >= PEER_CACHE_MAX) this.names.clear();
      ports = new Map();
      this.names.set(addr, ports);
    }
    let name = ports.get(port);
    if (name === undefined) {
      if (ports.size >= PEER_PORTS_MAX) ports.clear();
      name = `${ipv4Format(addr)}:${port}`;
      ports.set(port, name);
    }
    return name;
  }

  /** The inverse, for transmissions (parsed once per destination). */
  private peerAddress(text: string): { addr: number; port: number } | undefined {
    let a = this.addresses.get(text);
    if (a === undefined) {
      const colon = text.lastIndexOf(":");
      const addr = ipv4Parse(text.slice(0, colon));
      if (addr === null) return undefined;
      if (this.addresses.size >= PEER_CACHE_MAX) this.addresses.clear();
      a = { addr, port: Number(text.slice(colon + 1)) };
      this.addresses.set(text, a);
    }
    return a;
  }

  private drive(): void {
    if (this.stopped) return;
    this.undriven = 0;
    this.inDrive = true;
    try {
      this.driver.drive();
    } finally {
      this.inDrive = false;
      this.backlogSeen = -1;
    }
  }

  /** Must the tunnels wait (the client back-pressure, applyBackPressure)? Asked per
   * datagram a tunnel sends: the backlog is counted (a walk of the core's queues)
   * after each drive and near the mark, and otherwise kept up by counting sends, an
   * upper bound, so the answer is the exact count's. */
  private tunnelsHeldBack(): boolean {
    if (this.sock.isPaused) return true;
    if (this.backlogSeen < 0 || this.backlogSeen >= CLIENT_BACKLOG_HIGH) this.backlogSeen = this.core.clientBacklog?.() ?? 0;
    return this.backlogSeen >= CLIENT_BACKLOG_HIGH;
  }

  /** In-process senders (tunnels) queued datagrams in the core: drive once the
   * current callback is done (one drive for all it sent). Inside a drive the
   * driver's next round sends them anyway. */
  private kick(): void {
    if (this.inDrive || this.kickQueued) return;
    this.kickQueued = true;
    void Promise.resolve().then(() => {
      this.kickQueued = false;
      guard("mesh drive", () => this.drive());
    });
  }

  /** Send one overlay packet from its interface's socket; 0 or -errno. (A bound
   * arrow, the driver's io.transmit itself: no wrapper call per packet.) */
  private readonly transmit = (tx: Transmit): number => {
    const to = this.peerAddress(tx.to);
    if (to === undefined) return -ENOENT;
    return this.ifaces.sendOn(tx.ifIndex, tx.bytes, to.addr, to.port);
  };
}

