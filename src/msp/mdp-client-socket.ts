// MdpSockets over the local client library (src/client/mdp-client.ts): every
// MdpSocket of a process is one binding (port) on ONE shared client socket,
// as in Serval DNA's msp_client. A stream costs no file descriptor and no
// receive buffer of its own, and one lingering after its close holds only a
// daemon binding. Inbound datagrams go to the socket bound to their local port.
//
// The client socket is gone for good once the daemon refuses it (the platform
// client is connected to the daemon's socket, so a restarted daemon is a
// refusal too): every MdpSocket on it is gone then, and the next bind opens a
// new client. A keep-alive answered with ERROR means the daemon lost that one
// binding. The client is closed when its last binding is released.

import { MdpClient, MdpClientError, MdpDatagram } from "../client/mdp-client";
import { MDP_FLAG_NO_CRYPT, MDP_FLAG_NO_SIGN, MDP_LISTEN } from "../wire/client-header";
import { bytesEqual } from "../wire/bytes";
import { SID_ANY, Sid } from "../wire/types";
import { MspAddress } from "./endpoint";
import { MdpInbound, MdpSendOptions, MdpSocket, MdpSocketFactory } from "./mdp-socket";

/** One client socket and the bindings on it. */
class SharedClient {
  gone = false;
  /** A bind has succeeded on it (a refusal then means its daemon went away since). */
  used = false;
  /** Sockets binding or bound on it. */
  readonly users = new Set<PortSocket>();
  readonly byPort = new Map<number, PortSocket>();

  constructor(readonly client: MdpClient, private readonly owner: MdpClientSockets) {
    client.onDatagram = (d) => this.byPort.get(d.localPort)?.deliver(d);
    client.onError = (d) => {
      const s = this.byPort.get(d.localPort);
      // The answer to a keep-alive: the daemon does not know that binding.
      if (d.remotePort === MDP_LISTEN && bytesEqual(d.remoteSid, SID_ANY)) s?.markGone();
      else s?.daemonError();
    };
  }

  /** The daemon refused the socket: every binding on it is lost. */
  markGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.owner.forget(this);
    for (const s of [...this.users]) s.markGone();
  }

  release(s: PortSocket): void {
    this.users.delete(s);
    if (s.bound && this.byPort.get(s.bound.port) === s) this.byPort.delete(s.bound.port);
    if (this.users.size > 0) return;
    this.owner.forget(this);
    this.client.close();
  }
}

class PortSocket implements MdpSocket {
  bound: MspAddress | undefined;
  private shared: SharedClient | undefined;
  private gone = false;
  private closed = false;
  private packetCb: ((p: MdpInbound) => void) | undefined;
  private goneCb: (() => void) | undefined;
  private errorCb: (() => void) | undefined;
  private readonly inbound: MdpInbound = { local: { sid: new Uint8Array(32), port: 0 }, remote: { sid: new Uint8Array(32), port: 0 }, cryptFlags: 0, qos: 0, ttl: 0, payload: new Uint8Array(0) };

  constructor(private readonly owner: MdpClientSockets) {}

  async bind(sid: Sid, port: number): Promise<MspAddress> {
    for (;;) {
      const shared = this.owner.acquire();
      this.shared = shared;
      shared.users.add(this);
      try {
        const b = await shared.client.bind(sid, port);
        if (this.closed || this.gone) throw new MdpClientError("servald went away during bind", "not-running");
        shared.used = true;
        this.bound = { sid: b.sid.slice(), port: b.port };
        shared.byPort.set(b.port, this);
        return this.bound;
      } catch (e) {
        if (!(e instanceof MdpClientError) || e.code !== "not-running") throw e;
        // The daemon refused the socket itself: the next bind opens a new one. A
        // socket that worked before met a restart not yet noticed: try a new one now.
        const retry = shared.used && !this.closed;
        shared.users.delete(this);
        shared.markGone();
        if (shared.users.size === 0) shared.client.close();
        this.shared = undefined;
        if (!retry) throw e;
        this.gone = false;
      }
    }
  }

  /** false when the daemon's socket queue is full (the driver retries shortly) or it is gone. */
  send(remote: MspAddress, payload: Uint8Array, opts: MdpSendOptions): boolean {
    const b = this.bound;
    if (this.gone || !b || !this.shared) return false;
    try {
      return this.shared.client.trySendFrom(b.sid, b.port, remote.sid, remote.port, payload, opts.cryptFlags, opts.qos, opts.ttl) === 0;
    } catch (e) {
      if (!(e instanceof MdpClientError)) throw e;
      this.shared.markGone();
      return false;
    }
  }

  alive(): boolean {
    const b = this.bound;
    if (this.gone || !b || !this.shared) return !this.gone;
    try {
      this.shared.client.keepAlive(b.sid, b.port); // a full queue (EAGAIN) still means alive
    } catch (e) {
      if (!(e instanceof MdpClientError)) throw e;
      this.shared.markGone();
    }
    return !this.gone;
  }

  onGone(cb: (() => void) | undefined): void { this.goneCb = cb; }
  onPacket(cb: ((p: MdpInbound) => void) | undefined): void { this.packetCb = cb; }
  onError(cb: (() => void) | undefined): void { this.errorCb = cb; }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const shared = this.shared;
    if (!shared) return;
    if (this.bound && !this.gone && !shared.gone && shared.users.size > 1) shared.client.unbind(this.bound.sid, this.bound.port);
    shared.release(this);
  }

  deliver(d: MdpDatagram): void {
    const cb = this.packetCb;
    if (!cb) return;
    const p = this.inbound;
    p.local.sid = d.localSid;
    p.local.port = d.localPort;
    p.remote.sid = d.remoteSid;
    p.remote.port = d.remotePort;
    p.cryptFlags = d.flags & (MDP_FLAG_NO_CRYPT | MDP_FLAG_NO_SIGN);
    p.qos = d.qos;
    p.ttl = d.ttl;
    p.payload = d.payload;
    cb(p);
  }

  daemonError(): void { this.errorCb?.(); }

  markGone(): void {
    if (this.gone) return;
    this.gone = true;
    this.goneCb?.();
  }
}

/** The MdpSocket factory of one process: sockets share a client socket opened by `open`. */
export class MdpClientSockets {
  private current: SharedClient | undefined;

  constructor(private readonly open: () => MdpClient) {}

  readonly factory: MdpSocketFactory = () => new PortSocket(this);

  /** Client sockets open now (0 or 1). */
  get openClients(): number { return this.current ? 1 : 0; }

  acquire(): SharedClient {
    if (!this.current || this.current.gone) this.current = new SharedClient(this.open(), this);
    return this.current;
  }

  forget(s: SharedClient): void {
    if (this.current === s) this.current = undefined;
  }
}
