// One `servald msp listen|connect` run (src/cli/msp-commands.ts): the process's
// client socket, MSP driver, streams and listeners, what happens when the
// daemon restarts under them (reconnect, rebind, exit 255), and when the
// process exits. The commands' argument handling and forwarding set-up stay in
// msp-commands.ts.

import { openMdpClient, platformClock } from "../client/open";
import { runPath } from "../client/run-path";
import { MdpClient, SID_ANY } from "../client/mdp-client";
import { MspDriver } from "../msp/driver";
import { DEFAULT_MSP_CONFIG, MspConfig } from "../msp/config";
import { MDP_MAX_DATA } from "../mdp/constants";
import { MSP_PREAMBLE_SIZE } from "../wire/msp-packet";
import { MdpClientSockets } from "../msp/mdp-client-socket";
import { MspStream } from "../msp/endpoint";
import { ByteStream, PumpEnd, StreamPump } from "../msp/pump";
import { endedText, startPump, who } from "../tunnel/forward";
import { TcpListener, TcpStream } from "../platform/tcp";
import { errorText, log } from "../platform/log";
import { onSignal } from "../platform/signals";
import { afterCallback, clearTimer, setRepeat, setTimer, Timer } from "../platform/loop";
import { getenv } from "../platform/proc";
import { TunnelIdentity, TunnelReporter } from "../client/tunnel-report";
import { readText } from "../platform/files";
import * as native from "serval:native";

/** SERVAL_MSP_STATS=1: log per-stream counters when a stream ends (benchmarks). */
const showStats = !!getenv("SERVAL_MSP_STATS");

/** SERVAL_MSP_MEMLOG=MS: every MS ms one line with the process's RSS, the
 * engine's allocation counters and the stream count (memory budget work). */
function memLog(driver: MspDriver): void {
  const ms = Number(getenv("SERVAL_MSP_MEMLOG") ?? "0");
  if (!(ms > 0)) return;
  setRepeat(ms, () => {
    const rss = /VmRSS:\s+(\d+)/.exec(readText("/proc/self/status") ?? "")?.[1] ?? "?";
    const m = native.memoryUsage();
    log.info(`msp memory: rss ${rss} kB, js malloc ${m.malloc >> 10} kB used ${m.used >> 10} kB in ${m.count} blocks, ` +
      `objs ${m.objs}; streams ${driver.streamCount} (open ${driver.openStreams}), queued ${driver.queuedBytes >> 10} kB`);
  }, "msp memlog");
}

/** Largest MSP body the local daemon carries (an MSP data packet is preamble + body). */
const MAX_TUNED_BODY = MDP_MAX_DATA - MSP_PREAMBLE_SIZE;

/** SERVAL_MSP_TUNE="maxWindow=32,maxBody=1024": connection tunables for experiments and benchmarks. */
function tuning(): Partial<MspConfig> {
  // Default maxBody (1024, Serval DNA's size): relays send a frame too big for the
  // 1200-byte MTU alone in a larger packet (mdp transmitter, PACKET_HARD_MAX).
  const out: Partial<MspConfig> = {};
  const spec = getenv("SERVAL_MSP_TUNE");
  if (!spec) return out;
  for (const kv of spec.split(",")) {
    const [k, v] = kv.split("=");
    if (k === "maxBody" && Number(v) > MAX_TUNED_BODY) {
      // the daemon refuses client payloads over MDP_MAX_DATA: the stream would stall
      log.warn(`SERVAL_MSP_TUNE: maxBody above ${MAX_TUNED_BODY} cannot cross the daemon: ignoring '${kv}'`);
      continue;
    }
    if (k in DEFAULT_MSP_CONFIG && v !== undefined && /^\d+(\.\d+)?$/.test(v)) (out as Record<string, number>)[k] = Number(v);
    else log.warn(`SERVAL_MSP_TUNE: ignoring '${kv}'`);
  }
  return out;
}

/** stdin as the readable side, stdout as the writable side. */
export class StdioStream implements ByteStream {
  private readonly input = new TcpStream(0);
  private readonly output = new TcpStream(1);
  setHandlers(h: { data?(chunk: Uint8Array): void; end?(): void; error?(err: Error): void; room?(): number }): void { this.input.setHandlers(h); }
  pause(): void { this.input.pause(); }
  resume(): void { this.input.resume(); }
  write(data: Uint8Array): number { return this.output.write(data); }
  onWritable(fn: (() => void) | null): void { this.output.onWritable(fn); }
  // stdout is not a socket: its EOF comes when we exit.
  shutdownWrite(): void {}
  close(): void { this.input.close(); }
}

/** Longest an exiting process waits to deliver its last STOP or refused datagrams. */
const EXIT_LINGER_MAX_MS = 3500;
/** How often a process that lost its daemon tries the new one. */
const RECONNECT_RETRY_MS = 250;
/** How long it tries before exiting 255 (procd's respawn restarts it then). */
const RECONNECT_MAX_S = 30;

function reconnectMaxMs(): number {
  const v = getenv("SERVAL_MSP_RECONNECT_S");
  if (v !== undefined && /^\d+$/.test(v)) return Number(v) * 1000;
  if (v !== undefined) log.warn(`SERVAL_MSP_RECONNECT_S: not a whole number of seconds: '${v}' (using ${RECONNECT_MAX_S})`);
  return RECONNECT_MAX_S * 1000;
}

/** One line for the first datagram a client socket drops because another socket sent it. */
export function openClient(): MdpClient {
  const c = openMdpClient(runPath());
  c.onForeign = (from) => log.warn(`ignored a datagram not sent by servald (from '${from.replace(/\0/g, "@")}'); further ones are counted`);
  return c;
}

/** One msp listen/connect run: streams, listeners, and when to exit. */
export class Session {
  /** One client socket for every stream and listener of the process. */
  private readonly sockets = new MdpClientSockets(openClient);
  // Inbound datagrams read in one go from the client socket are serviced once.
  readonly driver = new MspDriver(platformClock, this.sockets.factory, { connection: tuning() },
    { deferInput: (run) => afterCallback("msp service", run) });
  private sawError = false;
  private listening = false;
  private tcpListener: TcpListener | undefined;
  private pendingTcp = 0;
  private services: MdpClient[] = [];
  private done: ((code: number) => void) | undefined;
  private finished = false;
  private offSignal: (() => void) | undefined;
  /** Set while the daemon is gone and we wait for a new one. */
  private reconnecting: { since: number; timer: Timer | undefined } | undefined;
  /** Streams were lost with the daemon: if the session ends, it ends with 255. */
  private lostDaemon = false;
  /** Ports to bind again on the new daemon. */
  private pendingPorts: number[] = [];
  /** Binds our ports and services again on a new daemon (listen); resolves when done. */
  rebind: ((ports: number[]) => Promise<void>) | undefined;
  readonly result: Promise<number>;
  /** --forward: open streams and bytes reported to the daemon (`servald status --json`). */
  private reporter: TunnelReporter | undefined;
  private readonly pumps = new Set<StreamPump>();
  private streamsTotal = 0;
  private closedIn = 0;
  private closedOut = 0;

  constructor() {
    this.result = new Promise<number>((resolve) => { this.done = resolve; });
    this.offSignal = onSignal((name) => {
      if (name === "SIGINT" || name === "SIGTERM") this.interrupt();
    });
    this.driver.onDaemonError = () => log.error("Error returned from daemon!");
    this.driver.onDaemonLost = (ports, streams) => this.daemonLost(ports, streams);
    memLog(this.driver);
  }

  /** The daemon went away (a restart, or it stopped): try the new one until RECONNECT_MAX_S. */
  daemonLost(ports: number[], streams: number): void {
    if (this.finished) return;
    if (streams > 0) this.lostDaemon = true;
    for (const c of this.services) c.close();
    this.services = [];
    this.pendingPorts.push(...ports);
    if (this.reconnecting) return;
    this.checkDone(); // nothing left to serve (a stdio stream, --once): exit 255 now
    if (this.finished) {
      log.error("servald went away");
      return;
    }
    const maxMs = reconnectMaxMs();
    log.warn(`servald went away${streams > 0 ? ` (${streams} streams lost)` : ""}: reconnecting for up to ${Math.round(maxMs / 1000)} s`);
    const r = { since: platformClock.now(), timer: undefined as Timer | undefined };
    this.reconnecting = r;
    r.timer = setTimer(RECONNECT_RETRY_MS, () => this.tryReconnect(maxMs), "msp reconnect");
  }

  private tryReconnect(maxMs: number): void {
    const r = this.reconnecting;
    if (!r || this.finished) return;
    const attempt = this.pendingPorts.length > 0 && this.rebind ? this.rebind(this.pendingPorts.slice()) : probeDaemon();
    attempt.then(() => {
      if (this.reconnecting !== r) return;
      const ms = platformClock.now() - r.since;
      this.reconnecting = undefined;
      const what = this.pendingPorts.length > 0 ? `: listening on port ${this.pendingPorts.join(", ")} again` : "";
      this.pendingPorts = [];
      log.info(`servald is back after ${(ms / 1000).toFixed(1)} s${what}`);
      this.checkDone();
    }, (e: unknown) => {
      if (this.reconnecting !== r || this.finished) return;
      if (platformClock.now() - r.since >= maxMs) {
        log.error(`servald did not come back within ${Math.round(maxMs / 1000)} s (${errorText(e)}): exiting`);
        this.reconnecting = undefined;
        this.driver.stopAll();
        this.finish(255);
        return;
      }
      r.timer = setTimer(RECONNECT_RETRY_MS, () => this.tryReconnect(maxMs), "msp reconnect");
    });
  }

  /** Report this tunnel's streams to the daemon until the session ends. */
  reportAs(id: TunnelIdentity): void {
    this.reporter = new TunnelReporter(openClient, platformClock, id, () => {
      let bytesIn = this.closedIn, bytesOut = this.closedOut;
      for (const p of this.pumps) { bytesIn += p.toLocal; bytesOut += p.toRemote; }
      return { streams: this.pumps.size, streamsTotal: this.streamsTotal, bytesIn, bytesOut };
    });
    this.reporter.onRefused = () => log.warn("servald refused this tunnel's status report (its tunnel table is full?)");
    this.reporter.start();
  }

  setListening(on: boolean): void {
    this.listening = on;
    this.checkDone();
  }

  setTcpListener(l: TcpListener | undefined): void {
    if (this.tcpListener && !l) this.tcpListener.close();
    this.tcpListener = l;
    this.checkDone();
  }

  addService(c: MdpClient): void { this.services.push(c); }

  tcpPending(delta: number): void {
    this.pendingTcp += delta;
    this.checkDone();
  }

  /** Pump events of `s` through a pump created later (e.g. after a TCP connect). */
  attach(s: MspStream, local: ByteStream): StreamPump {
    if (getenv("SERVAL_MSP_STATS") === "2") {
      const t = setRepeat(2000, () => {
        if (!s.conn.isOpen) { clearTimer(t); return; }
        const c = s.conn;
        log.info(`msp progress ${who(s)}: out ${pump.toRemote} in ${pump.toLocal} buffered ${c.bufferedBytes} ` +
          `srtt ${c.smoothedRtt.toFixed(0)} cwnd ${c.congestionWindow} ${JSON.stringify(c.stats)}`);
      }, "msp progress");
    }
    const pump = startPump(this.driver, s, local, (how, p) => this.ended(how, p));
    this.pumps.add(pump);
    this.streamsTotal++;
    this.reporter?.changed();
    return pump;
  }

  ended(how: PumpEnd, p: StreamPump): void {
    if (this.pumps.delete(p)) {
      this.closedIn += p.toLocal;
      this.closedOut += p.toRemote;
      this.reporter?.changed();
    }
    if (how === "timeout") {
      this.sawError = true;
      log.error("MSP socket timed out");
    }
    if (showStats) {
      const c = p.stream.conn;
      log.info(`msp stats ${who(p.stream)}: out ${p.toRemote} in ${p.toLocal} bytes, srtt ${c.smoothedRtt.toFixed(0)} ms, ` +
        `cwnd ${c.congestionWindow}, ${JSON.stringify(c.stats)}`);
    }
    log.info(endedText(how, p.stream));
    this.checkDone();
  }

  fail(code: number): void {
    this.finish(code);
  }

  private interrupt(): void {
    if (this.reconnecting) clearTimer(this.reconnecting.timer);
    this.reconnecting = undefined;
    this.driver.stopAll();
    this.setTcpListener(undefined);
    this.listening = false;
    this.finish(this.sawError ? 1 : 0);
  }

  private checkDone(): void {
    if (this.finished || this.listening || this.tcpListener || this.pendingTcp > 0) return;
    if (this.driver.openStreams > 0) return;
    this.finish(this.lostDaemon ? 255 : this.sawError ? 1 : 0);
  }

  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    // Called from inside the driver's event dispatch: let it send what the
    // last events produced (a STOP, a final ack) before the sockets close,
    // resend what the daemon refused, and repeat a STOP the peer missed
    // (its packets still arrive); bounded so an exit is never held long.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.release(code);
    };
    platformClock.setTimeout(() => {
      platformClock.setTimeout(release, EXIT_LINGER_MAX_MS);
      this.driver.whenSettled(release);
    }, 0);
  }

  private release(code: number): void {
    this.reporter?.stop();
    if (this.reconnecting) clearTimer(this.reconnecting.timer);
    this.reconnecting = undefined;
    this.offSignal?.();
    this.tcpListener?.close();
    for (const c of this.services) c.close();
    this.driver.close();
    this.done?.(code);
  }
}

/** Resolves once a daemon answers a bind on this run path (the socket is closed again). */

export async function probeDaemon(): Promise<void> {
  const c = openMdpClient(runPath());
  try {
    await c.bind(SID_ANY, 0, 2000);
  } finally {
    c.close();
  }
}

/** Answer service discovery on MDP port 11 with NAME.mdp.port=PORT (Cooee, PROTOCOL.md 8.8). */
