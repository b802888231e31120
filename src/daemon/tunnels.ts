// Daemon-hosted MSP tunnels (config keys tunnels.N.*, tunnel-config.ts): the
// forwarding of `servald msp listen|connect --forward` run inside the daemon,
// over in-process MDP bindings (inproc-mdp-socket.ts) instead of a separate
// msp process per tunnel talking to the daemon through its local socket.
// One MSP driver (one timer, one 1 MiB send budget) serves every tunnel.
//
//   listen:  MSP streams accepted on MDP port mdp_port -> TCP 127.0.0.1:tcp_port
//   connect: TCP accepted on 127.0.0.1:tcp_port -> an MSP stream to sid:mdp_port
//
// Same behaviour as the commands: half-close both ways, "closed suddenly" /
// "closed gracefully" lines, no --once (a tunnel serves until it is removed
// from the config). Bounded: at most MAX_STREAMS open streams per tunnel;
// more are refused (TCP closed, or the MSP stream stopped) and counted. A TCP
// port that is taken is logged (error) and retried every LISTEN_RETRY_MS. A
// config reload (SIGHUP) keeps unchanged tunnels and their streams, stops
// removed or changed ones and starts new ones. Each tunnel is an entry of the
// daemon's tunnel table (`servald status --json`: open streams, bytes).

import { MspDriver } from "../msp/driver";
import type { MspAddress, MspStream } from "../msp/endpoint";
import type { MdpSocket } from "../msp/mdp-socket";
import type { PumpEnd, StreamPump } from "../msp/pump";
import { platformClock } from "../client/open";
import { PORT_SERVICE_DISCOVERY } from "../client/service-discovery";
import { afterCallback, clearTimer, setTimer, Timer } from "../platform/loop";
import { errorText, log } from "../platform/log";
import { utf8Encode } from "../platform/proc";
import { TcpListener, TcpStream } from "../platform/tcp";
import { endedText, forwardToTcp, startPump, who } from "../tunnel/forward";
import { fromHex } from "../wire/bytes";
import { InProcessSockets } from "./inproc-mdp-socket";
import type { TunnelStatus } from "./tunnel-table";
import { sameTunnel, TunnelDef, tunnelsFromConfig, tunnelText } from "./tunnel-config";

/** Open streams per tunnel; more are refused and counted. */
export const MAX_STREAMS = 128;
/** How often a tunnel whose TCP port (or MDP port) is taken tries again. */
export const LISTEN_RETRY_MS = 5000;

/** One hosted tunnel: the status table's fields (tunnel-table.ts, shown by
 * `servald status --json`) and what only a hosted tunnel knows. */
export interface HostedTunnelStatus extends TunnelStatus {
  name: string;
  /** "running", or "waiting" while its port is taken (retried every LISTEN_RETRY_MS). */
  state: "running" | "waiting";
  /** Streams refused at MAX_STREAMS, and failed (TCP connect or MSP connect), since the tunnel started. */
  refused: number;
  failed: number;
}

/** Key of a hosted tunnel in the status table: no client socket has a name with a NUL in a path. */
const tableKey = (name: string): string => `hosted\0${name}`;

class Tunnel {
  state: "running" | "waiting" = "waiting";
  readonly pumps = new Set<StreamPump>();
  /** Accepted or connecting, no pump yet. */
  pending = 0;
  /** Streams that got their TCP side. */
  opened = 0;
  refused = 0;
  failed = 0;
  bytesOut = 0;
  bytesIn = 0;
  listener: TcpListener | undefined;
  retry: Timer | undefined;
  stopped = false;
  private warnedFull = false;
  private remote: MspAddress | undefined;
  readonly prefix: string;

  constructor(readonly def: TunnelDef, private readonly host: TunnelHost) {
    this.prefix = `tunnel '${def.name}': `;
  }

  get streams(): number { return this.pumps.size + this.pending; }

  start(): void {
    if (this.stopped) return;
    const d = this.def;
    if (d.mode === "connect") {
      try {
        this.listener = TcpListener.listen("127.0.0.1", d.tcpPort, 128);
      } catch (e) {
        return this.retryLater(`cannot listen on 127.0.0.1:${d.tcpPort}: ${errorText(e)}`);
      }
      this.listener.onAccept((tcp) => this.acceptTcp(tcp));
      this.running();
      return;
    }
    this.host.driver.listen(d.mdpPort).then(() => {
      if (this.stopped) this.host.driver.unlisten(d.mdpPort);
      else this.running();
    }, (e: unknown) => this.retryLater(`cannot listen on MDP port ${d.mdpPort}: ${errorText(e)}`));
  }

  private running(): void {
    const again = this.state === "waiting" && this.retry !== undefined;
    this.retry = undefined;
    this.state = "running";
    log.info(`${this.prefix}${again ? "now " : ""}forwarding ${tunnelText(this.def)}`);
    this.host.servicesChanged();
  }

  private retryLater(why: string): void {
    if (this.stopped) return;
    // Logged once at error, then at debug on each retry.
    if (this.retry === undefined) log.error(`${this.prefix}${why}; retrying every ${LISTEN_RETRY_MS / 1000} s`);
    else log.debug(`${this.prefix}${why}`);
    this.state = "waiting";
    this.retry = setTimer(LISTEN_RETRY_MS, () => this.start(), "tunnel retry");
  }

  /** Room for one more stream? Counts (and logs once) a refusal. */
  admit(): boolean {
    if (this.streams < MAX_STREAMS) return true;
    this.refused++;
    if (!this.warnedFull) {
      this.warnedFull = true;
      log.warn(`${this.prefix}${MAX_STREAMS} streams open: refusing more (counted; logged once)`);
    }
    return false;
  }

  /** connect mode: a TCP client -> a new MSP stream to sid:mdp_port. */
  private acceptTcp(tcp: TcpStream): void {
    if (this.stopped || !this.admit()) { tcp.close(); return; }
    log.debug(`${this.prefix}- Incoming TCP connection from AF_INET:127.0.0.1`);
    tcp.pause();
    this.pending++;
    const remote = this.remote ??= { sid: fromHex(this.def.sid!), port: this.def.mdpPort };
    this.host.driver.connect(remote, () => undefined).then((s) => {
      this.pending--;
      if (this.stopped) { s.conn.stop(this.host.driver.now()); tcp.close(); this.host.driver.service(); return; }
      this.attach(s, tcp);
    }, (e: unknown) => {
      this.pending--;
      this.failed++;
      log.error(`${this.prefix}MSP connect failed: ${errorText(e)}`);
      tcp.close();
    });
  }

  /** listen mode: an MSP stream accepted on mdp_port -> TCP to 127.0.0.1:tcp_port. */
  acceptStream(s: MspStream): void {
    const driver = this.host.driver;
    if (this.stopped || !this.admit()) { s.conn.stop(driver.now()); driver.service(); return; }
    log.debug(`${this.prefix} - New connection from ${who(s)}`);
    this.pending++;
    forwardToTcp(driver, s, this.def.tcpPort, (tcp) => {
      this.pending--;
      return this.attach(s, tcp);
    }, () => {
      this.pending--;
      this.failed++;
    }, this.prefix);
  }

  private attach(s: MspStream, tcp: TcpStream): StreamPump {
    this.opened++;
    const pump = startPump(this.host.driver, s, tcp, (how, p) => this.ended(how, p), this.prefix);
    this.pumps.add(pump);
    if (this.stopped) s.conn.stop(this.host.driver.now()); // removed while its TCP side connected
    return pump;
  }

  private ended(how: PumpEnd, p: StreamPump): void {
    if (!this.pumps.delete(p)) return;
    this.bytesOut += p.toRemote;
    this.bytesIn += p.toLocal;
    if (how === "timeout") log.error(`${this.prefix}MSP socket timed out`);
    log.info(`${this.prefix}${endedText(how, p.stream)}`);
    const st = p.stream.conn.stats;
    log.info(`${this.prefix}msp stats: sent ${st.dataSent}, retransmits ${st.retransmits} (timeouts ${st.timeouts}, fast ${st.fastRetransmits}, spurious ${st.spurious}), received ${st.received}, duplicates ${st.duplicates}`);
  }

  /** Stop listening and end every stream (removed from the config, or the daemon stops). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimer(this.retry);
    this.listener?.close();
    this.listener = undefined;
    const driver = this.host.driver;
    if (this.def.mode === "listen" && this.state === "running") driver.unlisten(this.def.mdpPort);
    const now = driver.now();
    for (const p of this.pumps) p.stream.conn.stop(now);
    driver.service();
  }

  status(): HostedTunnelStatus {
    const d = this.def;
    let bytesOut = this.bytesOut, bytesIn = this.bytesIn;
    for (const p of this.pumps) { bytesOut += p.toRemote; bytesIn += p.toLocal; }
    return {
      name: d.name, mode: d.mode, mdpPort: d.mdpPort, tcpPort: d.tcpPort,
      ...(d.sid !== undefined ? { sid: d.sid } : {}), ...(d.service !== undefined ? { service: d.service } : {}),
      state: this.state, streams: this.streams, streamsTotal: this.opened, refused: this.refused, failed: this.failed, bytesOut, bytesIn,
    };
  }
}

/** Every daemon-hosted tunnel, over one MSP driver on in-process MDP bindings. */
export class TunnelHost {
  readonly driver: MspDriver;
  private tunnels: Tunnel[] = [];
  /** Service discovery (MDP port 11) while a listen tunnel names a service. */
  private discovery: MdpSocket | undefined;
  private discoveryReply: Uint8Array | undefined;

  constructor(private readonly sockets: InProcessSockets) {
    // Inbound datagrams are serviced once after the daemon's current callback
    // (a whole burst read from the interface socket), not once per datagram.
    this.driver = new MspDriver(platformClock, sockets.factory, undefined, {
      probe: false,
      deferInput: (run) => afterCallback("tunnel service", run),
    });
    this.driver.onAccept = (s) => {
      const t = this.tunnels.find((x) => x.def.mode === "listen" && x.def.mdpPort === s.local.port && !x.stopped);
      if (t) t.acceptStream(s);
      else { s.conn.stop(this.driver.now()); this.driver.service(); }
    };
    this.driver.onDaemonError = () => log.error("tunnels: the mesh refused a datagram (unusable destination SID?)");
  }

  /** Runs the tunnels of this config: keeps unchanged ones, stops removed or changed ones, starts new ones. */
  apply(config: Iterable<[string, string]>): void {
    const { tunnels: defs, problems } = tunnelsFromConfig(config);
    for (const p of problems) log.warn(`config: ${p.text} (tunnel ignored)`);
    const keep: Tunnel[] = [];
    for (const t of this.tunnels) {
      if (defs.some((d) => sameTunnel(d, t.def))) keep.push(t);
      else {
        log.info(`${t.prefix}stopped (${t.streams} streams ended)`);
        t.stop();
        this.table.remove(tableKey(t.def.name));
      }
    }
    const started: Tunnel[] = [];
    for (const d of defs) {
      if (keep.some((t) => sameTunnel(d, t.def))) continue;
      started.push(new Tunnel(d, this));
    }
    this.tunnels = [...keep, ...started];
    for (const t of started) {
      this.table.host(tableKey(t.def.name), () => t.status());
      t.start();
    }
    this.servicesChanged();
  }

  /** The daemon's tunnel table (`servald status --json`): hosted tunnels register there. */
  private get table() { return this.sockets.host.clients.tunnels; }

  /** Streams and counters of every tunnel. */
  status(): HostedTunnelStatus[] {
    return this.tunnels.map((t) => t.status());
  }

  /** Stop every tunnel (the daemon stops). */
  stop(): void {
    for (const t of this.tunnels) {
      t.stop();
      this.table.remove(tableKey(t.def.name));
    }
    this.tunnels = [];
    this.discovery?.close();
    this.discovery = undefined;
    this.driver.close();
  }

  /** Answer service discovery for the running listen tunnels that name a service (one reply lists them all). */
  servicesChanged(): void {
    const lines = this.tunnels.filter((t) => t.def.service !== undefined && t.state === "running")
      .map((t) => `${t.def.service}.mdp.port=${t.def.mdpPort}\n`);
    this.discoveryReply = lines.length > 0 ? utf8Encode(lines.join("")) : undefined;
    if (!this.discoveryReply) {
      this.discovery?.close();
      this.discovery = undefined;
      return;
    }
    if (this.discovery) return;
    const sock = this.sockets.factory();
    this.discovery = sock;
    sock.onPacket((p) => {
      if (this.discoveryReply) sock.send(p.remote, this.discoveryReply, { cryptFlags: p.cryptFlags, qos: p.qos, ttl: 0 });
    });
    sock.bind(new Uint8Array(32), PORT_SERVICE_DISCOVERY).catch((e: unknown) => {
      if (this.discovery === sock) this.discovery = undefined;
      log.warn(`tunnels: cannot answer service discovery (MDP port ${PORT_SERVICE_DISCOVERY}): ${errorText(e)}`);
    });
  }
}

let current: TunnelHost | undefined;

/** The running daemon's tunnel host (set by mesh-daemon.ts), for status commands. */
export function setTunnelHost(h: TunnelHost | undefined): void {
  current = h;
}

/** Daemon-hosted tunnels with their open streams and counters; [] outside a daemon.
 * (`servald status --json` lists them through the daemon's tunnel table.) */
export function tunnelStatus(): HostedTunnelStatus[] {
  return current?.status() ?? [];
}
