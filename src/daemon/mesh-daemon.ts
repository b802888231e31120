// The mesh service run by `servald start [foreground]`: keyring, overlay core,
// interfaces over UDP, and the local client socket, driven by one event loop
// with ONE re-armed timer for the core's next deadline.
import type { Identity } from "../crypto/types.js";
import { ClientServer } from "./client-server.js";
import { InterfaceManager, MeshInterface } from "./interfaces.js";
import { InterfaceRule, intToIpv4, rulesFromConfig } from "./interfaces-match.js";
import type { CoreTransmit, MeshCore } from "./mesh-core.js";
import { loadOrCreateKeyring } from "./mesh-keyring.js";
import { daemonSocketName } from "../client/open.js";
import { nowMs } from "../platform/clock.js";
import { errorText, log, logEnabled } from "../platform/log.js";
import { clearTimer, setRepeat, setTimer, Timer } from "../platform/loop.js";
import { onSignal } from "../platform/signals.js";
import { UnixDgram } from "../platform/unix.js";
import { ipv4Parse } from "../platform/ipv4.js";

const RESCAN_MS = 5000;
const DEFAULT_MTU = 1200;
const ENOENT = 2;
const ECONNREFUSED = 111;

export interface MeshDaemonOptions {
  keyringPath: string;
  runPath: string;
  /** Current config as flat key/value pairs (re-read on SIGHUP and SYNC_CONFIG). */
  config: () => Iterable<[string, string]>;
  /** Builds the overlay core for these identities (primary first). */
  createCore: (identities: Identity[], now: number) => MeshCore;
}

export interface MeshDaemonStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  sendFailed: number;
  clientSendFailed: number;
}

export class MeshDaemon {
  readonly stats: MeshDaemonStats = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, sendFailed: 0, clientSendFailed: 0 };
  readonly identities: Identity[];
  private readonly core: MeshCore;
  private readonly clients: ClientServer;
  private readonly ifaces: InterfaceManager;
  private readonly sock: UnixDgram;
  private rules: InterfaceRule[] = [];
  private timer: Timer | undefined;
  private timerAt = Infinity;
  private rescanTimer: Timer | undefined;
  private offSignal: (() => void) | undefined;
  private driving = false;
  private stopped = false;

  /** Throws (with a readable message) when the keyring is damaged or the socket cannot be bound. */
  constructor(private readonly opts: MeshDaemonOptions) {
    const { identities, created } = loadOrCreateKeyring(opts.keyringPath);
    this.identities = identities;
    if (created) log.info(`created keyring ${opts.keyringPath} with a new identity`);
    const now = nowMs();
    this.core = opts.createCore(identities, now);
    this.clients = new ClientServer(this.core);
    this.clients.onSyncConfig = () => this.reload();
    const sockName = daemonSocketName(opts.runPath);
    this.sock = UnixDgram.open(sockName); // filesystem socket, 0600: owner only
    this.sock.onMessage((data, from) => {
      this.clients.handleMessage(nowMs(), from, data);
      this.drive();
    });
    this.ifaces = new InterfaceManager(
      (itf, data, from) => this.onPacket(itf, data, from.addr, from.port),
      (itf) => this.core.interfaceUp(nowMs(), {
        index: itf.index, name: itf.name, mtu: DEFAULT_MTU, broadcastAddress: `${itf.broadcastText}:${itf.port}`,
      }),
      (itf) => this.core.interfaceDown(nowMs(), itf.index),
    );
    log.info(`primary SID ${hex(identities[0].sid)}; client socket ${sockName}`);
    this.reload();
    this.rescanTimer = setRepeat(RESCAN_MS, () => { this.ifaces.rescan(this.rules); this.drive(); }, "interface rescan");
    this.offSignal = onSignal((name) => {
      if (name === "SIGHUP") { log.info("SIGHUP: reloading config, rescanning interfaces"); this.reload(); }
    });
    this.drive();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimer(this.timer);
    clearTimer(this.rescanTimer);
    this.offSignal?.();
    this.ifaces.closeAll();
    this.sock.close();
    log.info(`mesh stopped (packets in ${this.stats.packetsIn}, out ${this.stats.packetsOut}, failed sends ${this.stats.sendFailed})`);
  }

  private reload(): void {
    try {
      this.rules = rulesFromConfig(this.opts.config());
    } catch (e) {
      log.warn(`cannot read config: ${errorText(e)}`);
    }
    this.ifaces.rescan(this.rules);
    this.drive();
  }

  private onPacket(itf: MeshInterface, data: Uint8Array, addr: number, port: number): void {
    this.stats.packetsIn++;
    this.stats.bytesIn += data.length;
    const now = nowMs();
    try {
      this.core.handlePacket(now, itf.index, `${intToIpv4(addr)}:${port}`, data);
    } catch (e) {
      // Malformed input must never stop the daemon.
      if (logEnabled("debug")) log.debug(`dropped packet from ${intToIpv4(addr)}:${port} on ${itf.name}: ${errorText(e)}`);
    }
    this.drive();
  }

  /** Run the core until it has nothing more to do now, then re-arm the one timer. */
  private drive(): void {
    if (this.driving || this.stopped) return;
    this.driving = true;
    try {
      let now = nowMs();
      for (let round = 0; round < 64; round++) {
        if (now >= this.timerAt) { this.timerAt = Infinity; this.core.handleTimeout(now); }
        let busy = this.flushTransmits(now);
        busy = this.flushDeliveries() || busy;
        busy = this.flushClients() || busy;
        now = nowMs();
        const next = this.core.pollTimeout();
        if (!busy && (next === undefined || next > now)) break;
        if (next !== undefined && next <= now) this.timerAt = next;
      }
      this.arm(this.core.pollTimeout());
    } finally {
      this.driving = false;
    }
  }

  private arm(at: number | undefined): void {
    const when = at ?? Infinity;
    if (when === this.timerAt && this.timer) return;
    clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = when;
    if (when === Infinity) return;
    this.timer = setTimer(Math.max(0, when - nowMs()), () => { this.timer = undefined; this.drive(); }, "mesh timer");
  }

  private flushTransmits(now: number): boolean {
    let any = false;
    for (let tx = this.core.pollTransmit(now); tx; tx = this.core.pollTransmit(now)) {
      any = true;
      this.transmit(now, tx);
    }
    return any;
  }

  private transmit(now: number, tx: CoreTransmit): void {
    const itf = this.ifaces.byIndex(tx.ifIndex);
    const colon = tx.address.lastIndexOf(":");
    const addr = ipv4Parse(tx.address.slice(0, colon));
    const port = Number(tx.address.slice(colon + 1));
    if (!itf || addr === null) {
      this.sendFailed(now, tx, ENOENT, "interface gone");
      return;
    }
    const rc = this.ifaces.send(itf, tx.data, addr, port);
    if (rc < 0) {
      this.sendFailed(now, tx, -rc, `sendto ${tx.address} on ${itf.name}`);
      return;
    }
    this.stats.packetsOut++;
    this.stats.bytesOut += tx.data.length;
  }

  /** EPERM/ENETUNREACH/ENOBUFS/EAGAIN: counted and logged, the interface is kept. */
  private sendFailed(now: number, tx: CoreTransmit, errno: number, what: string): void {
    this.stats.sendFailed++;
    if (logEnabled("debug")) log.debug(`${what} failed (errno ${errno}); ${this.stats.sendFailed} failed sends so far`);
    this.core.notifySendFailed(now, tx, errno);
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
    for (let m = this.clients.pollOutgoing(); m; m = this.clients.pollOutgoing()) {
      any = true;
      const rc = this.sock.send(m.data, m.to);
      if (rc === -ENOENT || rc === -ECONNREFUSED) {
        log.info(`closing dead MDP client ${printable(m.to)}`);
        this.clients.clientGone(m.to);
      } else if (rc < 0) {
        this.stats.clientSendFailed++;
        if (logEnabled("debug")) log.debug(`send to client ${printable(m.to)} failed (errno ${-rc})`);
      }
    }
    return any;
  }
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s.toUpperCase();
}

function printable(name: string): string {
  return name.startsWith("\0") ? "@" + name.slice(1) : name;
}
