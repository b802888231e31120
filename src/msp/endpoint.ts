// Demultiplexes MSP datagrams to connections by (local sid, local port,
// remote sid, remote port), accepts FIRST packets on listening ports, answers
// a non-FIRST packet for no connection with STOP and ignores a STOP for none
// (Serval DNA msp_client.c process_packet). Sans-I/O like the connections.

import { SID_ANY, Sid } from "../wire/types";
import { bytesEqual } from "../wire/bytes";
import { MSP_FLAG_FIRST, MSP_FLAG_STOP, encodeMspStop } from "../wire/msp-packet";
import { MspConfig } from "./config";
import { MspConnection } from "./connection";

export interface MspAddress {
  sid: Sid;
  port: number;
}

/** A connection with its addresses. */
export interface MspStream {
  readonly local: MspAddress;
  readonly remote: MspAddress;
  readonly conn: MspConnection;
}

/** One MSP payload for MDP to carry from local to remote. */
export interface MspTransmit {
  local: MspAddress;
  remote: MspAddress;
  payload: Uint8Array;
  /** The stream it belongs to; undefined for a STOP reply to an unknown connection. */
  stream?: MspStream;
}

export interface MspEndpointOptions {
  connection?: Partial<MspConfig>;
  /** How long a gracefully closed connection still re-acks retransmissions (lost final ACK). */
  lingerMs?: number;
  /** A connection we stopped lingers until the peer has been silent this long (so it
   * heard the STOP), at most lingerMs after the stop. */
  stopQuietMs?: number;
  /** Pending STOP replies kept at most (a flood of strays must not grow memory). */
  maxStopReplies?: number;
  /** A gracefully closed connection is forgotten once the peer has been silent this
   * long, at most lingerMs after the close. (Should all three copies of our final
   * ack be lost, the peer's retransmission after that gets a STOP, which it counts
   * as a graceful close: every byte was delivered.) */
  gracefulQuietMs?: number;
}

const isAny = (sid: Sid): boolean => bytesEqual(sid, SID_ANY);

/** SID_ANY in our own address matches any local SID (the primary, before the daemon names it). */
function localMatches(mine: Sid, got: Sid): boolean {
  return isAny(mine) || bytesEqual(mine, got);
}

function copyAddr(a: MspAddress): MspAddress {
  return { sid: a.sid.slice(), port: a.port };
}

export class MspEndpoint {
  private readonly byPorts = new Map<number, MspStream[]>();
  private readonly all: MspStream[] = [];
  private readonly listeners: MspAddress[] = [];
  private readonly accepted: MspStream[] = [];
  private readonly stops: MspTransmit[] = [];
  private rr = 0;
  private changes = 0;
  private readonly lingerMs: number;
  private readonly maxStops: number;
  private readonly stopQuietMs: number;
  private readonly gracefulQuietMs: number;

  constructor(private readonly options: MspEndpointOptions = {}) {
    this.lingerMs = options.lingerMs ?? 3000;
    this.stopQuietMs = options.stopQuietMs ?? 1000;
    this.maxStops = options.maxStopReplies ?? 64;
    this.gracefulQuietMs = options.gracefulQuietMs ?? 500;
  }

  /** Open connections and lingering closed ones. */
  get streams(): readonly MspStream[] { return this.all; }

  /** Changes whenever a stream is added or forgotten (the driver's cue to release sockets). */
  get generation(): number { return this.changes; }

  listen(local: MspAddress): void {
    if (!this.listeners.some((l) => l.port === local.port && bytesEqual(l.sid, local.sid))) this.listeners.push(copyAddr(local));
  }

  unlisten(local: MspAddress): void {
    const i = this.listeners.findIndex((l) => l.port === local.port && bytesEqual(l.sid, local.sid));
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** Stop listening on a port for every SID. */
  unlistenPort(port: number): void {
    for (let i = this.listeners.length - 1; i >= 0; i--) if (this.listeners[i].port === port) this.listeners.splice(i, 1);
  }

  get listening(): boolean { return this.listeners.length > 0; }

  connect(now: number, local: MspAddress, remote: MspAddress): MspStream {
    if (this.find(local, remote)) throw new Error("MSP connection already exists");
    return this.add(local, remote, new MspConnection(now, "connect", this.options.connection));
  }

  /** Connections accepted on a listening port, in arrival order. */
  pollAccept(): MspStream | undefined {
    return this.accepted.shift();
  }

  /** One MSP payload that MDP delivered from remote to local. Returns the stream it went to. */
  handleDatagram(now: number, local: MspAddress, remote: MspAddress, payload: Uint8Array): MspStream | undefined {
    if (payload.length < 1) return undefined;
    const flags = payload[0];
    let s = this.find(local, remote);
    const first = (flags & MSP_FLAG_FIRST) !== 0 && (flags & MSP_FLAG_STOP) === 0;
    if (s && s.conn.closed && first && this.listenerFor(local)) {
      // A new connection reusing a lingering pair.
      this.remove(s);
      s = undefined;
    }
    if (!s) {
      if (flags & MSP_FLAG_STOP) return undefined;
      if (first && this.listenerFor(local)) {
        s = this.add(local, remote, new MspConnection(now, "accept", this.options.connection));
        this.accepted.push(s);
      } else {
        if (this.stops.length < this.maxStops) this.stops.push({ local: copyAddr(local), remote: copyAddr(remote), payload: encodeMspStop() });
        return undefined;
      }
    }
    s.conn.handlePacket(now, payload);
    return s;
  }

  handleTimeout(now: number): void {
    for (let i = this.all.length - 1; i >= 0; i--) {
      const s = this.all[i];
      s.conn.handleTimeout(now);
    }
  }

  /** Next payload to send from any connection (round robin), or undefined. */
  pollTransmit(now: number): MspTransmit | undefined {
    const stop = this.stops.shift();
    if (stop) return stop;
    const n = this.all.length;
    for (let k = 0; k < n; k++) {
      const i = (this.rr + k) % n;
      const s = this.all[i];
      const payload = s.conn.pollTransmit(now);
      if (payload) {
        this.rr = (i + 1) % n;
        return { local: s.local, remote: s.remote, payload, stream: s };
      }
    }
    this.sweep(now);
    return undefined;
  }

  pollTimeout(): number | undefined {
    let t = Number.POSITIVE_INFINITY;
    for (const s of this.all) {
      const c = s.conn;
      let d = c.pollTimeout();
      if (c.closed) {
        const end = this.lingerEnd(c);
        d = d === undefined ? end : Math.min(d, end);
      }
      if (d !== undefined && d < t) t = d;
    }
    return t === Number.POSITIVE_INFINITY ? undefined : t;
  }

  /** Forget closed connections once their lingering is over. */
  sweep(now: number): void {
    for (let i = this.all.length - 1; i >= 0; i--) {
      const c = this.all[i].conn;
      if (c.closed && now >= this.lingerEnd(c)) this.remove(this.all[i]);
    }
  }

  /** A connection we stopped lingers (repeating its STOP) while the peer still talks. */
  lingeringStop(now: number): boolean {
    return this.all.some((s) => s.conn.closed === "stopped" && s.conn.stoppedLocally && now < this.lingerEnd(s.conn));
  }

  /** When a closed connection may be forgotten: graceful ones re-ack a retransmission
   * (our final ack lost) until the peer is quiet for gracefulQuietMs, ones we stopped until
   * the peer is quiet, both bounded by lingerMs; the rest at once. A lingering stream
   * holds a daemon binding, and the last one the process's client socket: after a
   * burst of short connections the fixed 3 s kept `msp connect` above its idle fds. */
  private lingerEnd(c: MspConnection): number {
    if (c.closed === "graceful") {
      return Math.min(c.closedAt + this.lingerMs, Math.max(c.closedAt, c.lastHeardAt) + this.gracefulQuietMs);
    }
    if (c.closed === "stopped" && c.stoppedLocally) {
      return Math.min(c.closedAt + this.lingerMs, Math.max(c.closedAt, c.lastHeardAt) + this.stopQuietMs);
    }
    return c.closedAt;
  }

  find(local: MspAddress, remote: MspAddress): MspStream | undefined {
    const list = this.byPorts.get(this.key(local.port, remote.port));
    if (!list) return undefined;
    for (const s of list) {
      if (s.local.port === local.port && s.remote.port === remote.port
        && bytesEqual(s.remote.sid, remote.sid) && localMatches(s.local.sid, local.sid)) return s;
    }
    return undefined;
  }

  private listenerFor(local: MspAddress): MspAddress | undefined {
    return this.listeners.find((l) => l.port === local.port && localMatches(l.sid, local.sid));
  }

  /** Hash of the port pair (ports are u32; find() compares them exactly). An
   * int32: a uint32 key above 2^31 is a float64, hashed in soft-float per
   * datagram on an FPU-less router. */
  private key(localPort: number, remotePort: number): number {
    return Math.imul(localPort, 0x9e3779b1) ^ remotePort;
  }

  private add(local: MspAddress, remote: MspAddress, conn: MspConnection): MspStream {
    const s: MspStream = { local: copyAddr(local), remote: copyAddr(remote), conn };
    const k = this.key(local.port, remote.port);
    const list = this.byPorts.get(k);
    if (list) list.push(s);
    else this.byPorts.set(k, [s]);
    this.all.push(s);
    this.changes++;
    return s;
  }

  private remove(s: MspStream): void {
    const k = this.key(s.local.port, s.remote.port);
    const list = this.byPorts.get(k);
    if (list) {
      const i = list.indexOf(s);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byPorts.delete(k);
    }
    const j = this.all.indexOf(s);
    if (j >= 0) this.all.splice(j, 1);
    this.changes++;
  }
}
