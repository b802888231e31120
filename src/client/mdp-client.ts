// Client side of the v2 local MDP client protocol (PROTOCOL.md 7.2-7.3): bind a
// port, send and receive datagrams, run local commands. Only datagrams from
// the daemon's socket address are accepted (others are counted and dropped;
// the platform transport also connects its socket to the daemon's, so the
// kernel refuses them before they arrive).
import {
  decodeMdpHeader, writeMdpHeader, MdpHeader, MDP_FLAG_BIND, MDP_FLAG_CLOSE, MDP_FLAG_ERROR, MDP_FLAG_NO_CRYPT,
  MDP_FLAG_NO_SIGN, MDP_HEADER_LEN, MDP_LISTEN,
} from "../wire/client-header.js";
import type { DgramTransport } from "./transport.js";
import type { Clock } from "../platform/deadline-timer.js";
import { EACCES, ECONNREFUSED, ENOENT, ENOTCONN, EPERM } from "../platform/errno.js";
import { MTU } from "../wire/packet.js";
import { bytesEqual } from "../wire/bytes.js";
import { SID_ANY, SID_BROADCAST } from "../wire/types.js";

export { SID_ANY, SID_BROADCAST };

export class MdpClientError extends Error {
  constructor(message: string, readonly code: "not-running" | "permission" | "daemon-error" | "timeout" | "send-failed" | "closed") {
    super(message);
  }
}

/** A datagram received from the mesh (or a reply from the daemon). */
export interface MdpDatagram {
  localSid: Uint8Array;
  localPort: number;
  remoteSid: Uint8Array;
  remotePort: number;
  flags: number;
  qos: number;
  ttl: number;
  payload: Uint8Array;
  /** Convenience views of the crypt flags. */
  encrypted: boolean;
  signed: boolean;
}

export interface SendOptions {
  encrypt?: boolean; // default true (false for broadcasts)
  sign?: boolean; // default true
  ttl?: number; // 0 = daemon default (31)
  qos?: number;
}

type Waiter = (d: MdpDatagram) => boolean; // returns true when it consumed the datagram

export class MdpClient {
  private waiters: Waiter[] = [];
  private queue: MdpDatagram[] = [];
  private closed = false;
  /** The local (SID, port) once bound. */
  localSid: Uint8Array = SID_ANY;
  localPort = 0;
  /** Called for every inbound datagram when set (its byte arrays are views, valid
   * during the call: copy what you keep); otherwise datagrams queue for recv(). */
  onDatagram: ((d: MdpDatagram) => void) | undefined;
  /** Called when the daemon answers with ERROR outside of a pending request. */
  onError: ((d: MdpDatagram) => void) | undefined;
  /** Datagrams dropped because they did not come from the daemon's address. */
  foreignDropped = 0;
  /** Called for the first such datagram (one log line per client, not per datagram). */
  onForeign: ((from: string) => void) | undefined;
  /** Reused for every send (the transport copies the datagram into the kernel). */
  private out = new Uint8Array(MDP_HEADER_LEN + MTU);
  private readonly header: MdpHeader = {
    localSid: SID_ANY, localPort: 0, remoteSid: SID_ANY, remotePort: 0, flags: 0, qos: 0, ttl: 0,
  };

  constructor(
    private readonly transport: DgramTransport,
    private readonly daemonAddress: string,
    private readonly clock: Clock,
    /** Shown in "servald is not running" errors. */
    private readonly daemonPath: string = daemonAddress,
  ) {
    transport.setReceiver((data, from) => this.receive(data, from));
  }

  /** Send a raw message to the daemon. Throws MdpClientError when the daemon is absent,
   * and ("send-failed") when its socket queue is full. */
  sendRaw(h: MdpHeader, payload?: Uint8Array): void {
    const rc = this.trySendRaw(h, payload);
    if (rc < 0) throw new MdpClientError(`sending to servald failed (errno ${-rc})`, "send-failed");
  }

  /** sendRaw for the data path: a full daemon queue (EAGAIN, ENOBUFS) is not
   * exceptional there, so it returns the negative errno instead of building an
   * Error per refused packet; 0 when sent. Absence and permission still throw. */
  trySendRaw(h: MdpHeader, payload?: Uint8Array): number {
    if (this.closed) throw new MdpClientError("MDP client is closed", "closed");
    const n = MDP_HEADER_LEN + (payload ? payload.length : 0);
    if (this.out.length < n) this.out = new Uint8Array(n);
    writeMdpHeader(h, this.out);
    if (payload) this.out.set(payload, MDP_HEADER_LEN);
    const rc = this.transport.send(this.daemonAddress, this.out, n);
    // ENOTCONN: our socket was connected to a daemon socket that is gone (a restart).
    if (rc === -ENOENT || rc === -ECONNREFUSED || rc === -ENOTCONN) {
      throw new MdpClientError(`servald is not running (no socket at ${this.daemonPath})`, "not-running");
    }
    if (rc === -EACCES || rc === -EPERM) {
      throw new MdpClientError(`permission denied on ${this.daemonPath}: only the user running servald may use it`, "permission");
    }
    return rc < 0 ? rc : 0;
  }

  /** Bind (sid, port); port 0 asks for an ephemeral port. Resolves with the bound address. */
  async bind(sid: Uint8Array = SID_ANY, port = 0, timeoutMs = 5000): Promise<{ sid: Uint8Array; port: number }> {
    // Replies only arrive from the event loop, so sending before waiting is safe.
    // The daemon's socket queues only a few datagrams (net.unix.max_dgram_qlen, 10):
    // many binds at once (100 streams opening together) meet EAGAIN; wait and resend.
    for (let waited = 0; ; waited += 5) {
      try {
        this.sendRaw({ localSid: sid, localPort: port, remoteSid: SID_ANY, remotePort: 0, flags: MDP_FLAG_BIND, qos: 0, ttl: 0 });
        break;
      } catch (e) {
        if (!(e instanceof MdpClientError) || e.code !== "send-failed" || waited >= timeoutMs) throw e;
        await new Promise<void>((r) => { this.clock.setTimeout(r, 5); });
      }
    }
    // An ERROR is ours only if it names the port asked for (0 for an ephemeral one):
    // one client may hold several bindings, and a keep-alive refused for another
    // port is answered with ERROR on that port.
    const reply = this.expect((d) => d.remotePort === 0 && ((d.flags & MDP_FLAG_BIND) !== 0
      ? port === 0 || d.localPort === port : (d.flags & MDP_FLAG_ERROR) !== 0 && d.localPort === port), timeoutMs, "bind");
    const d = await reply;
    if (d.flags & MDP_FLAG_ERROR) throw new MdpClientError(`servald refused to bind port ${port}`, "daemon-error");
    this.localSid = d.localSid.slice();
    this.localPort = d.localPort;
    return { sid: this.localSid, port: this.localPort };
  }

  /** Send a datagram from the bound port. Broadcasts go unencrypted. */
  send(remoteSid: Uint8Array, remotePort: number, payload: Uint8Array, opt: SendOptions = {}): void {
    const broadcast = bytesEqual(remoteSid, SID_BROADCAST);
    const encrypt = opt.encrypt ?? !broadcast;
    const sign = opt.sign ?? true;
    const rc = this.trySend(remoteSid, remotePort, payload,
      (encrypt ? 0 : MDP_FLAG_NO_CRYPT) | (sign ? 0 : MDP_FLAG_NO_SIGN), opt.qos ?? 0, opt.ttl ?? 0);
    if (rc < 0) throw new MdpClientError(`sending to servald failed (errno ${-rc})`, "send-failed");
  }

  /** send() for the data path: the crypt flags given as MDP_FLAG_NO_CRYPT/NO_SIGN,
   * one reused header, and a full daemon queue returned (negative errno), not thrown. */
  trySend(remoteSid: Uint8Array, remotePort: number, payload: Uint8Array, cryptFlags: number, qos: number, ttl: number): number {
    return this.trySendFrom(this.localSid, this.localPort, remoteSid, remotePort, payload, cryptFlags, qos, ttl);
  }

  /** trySend from one of several ports this client has bound. */
  trySendFrom(localSid: Uint8Array, localPort: number, remoteSid: Uint8Array, remotePort: number, payload: Uint8Array,
    cryptFlags: number, qos: number, ttl: number): number {
    const h = this.header;
    h.localSid = localSid;
    h.localPort = localPort;
    h.remoteSid = remoteSid;
    h.remotePort = remotePort;
    h.flags = cryptFlags & (MDP_FLAG_NO_CRYPT | MDP_FLAG_NO_SIGN);
    h.qos = qos;
    h.ttl = ttl;
    return this.trySendRaw(h, payload);
  }

  /** Check that the daemon still holds our binding: MDP_LISTEN on the bound port
   * (what Serval DNA's clients send), answered only when it does not, with ERROR
   * (remote SID ANY, remote port MDP_LISTEN). 0 when sent, a negative errno when
   * the daemon's queue is full; throws (not-running) when the daemon is gone. */
  keepAlive(localSid: Uint8Array = this.localSid, localPort = this.localPort): number {
    return this.sendListen(localSid, localPort, 0);
  }

  /** Next inbound datagram, or undefined after timeoutMs. */
  recv(timeoutMs: number): Promise<MdpDatagram | undefined> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return this.expect((d) => (d.flags & (MDP_FLAG_BIND | MDP_FLAG_CLOSE | MDP_FLAG_ERROR)) === 0, timeoutMs, "recv")
      .then((d) => d, () => undefined);
  }

  /** Run a local command (remote SID ANY, remote port = command): collect the
   * data replies until CLOSE. Throws on ERROR or timeout. */
  async command(cmdPort: number, payload?: Uint8Array, localSid: Uint8Array = SID_ANY, localPort = 0, timeoutMs = 5000): Promise<Uint8Array[]> {
    const replies: Uint8Array[] = [];
    this.sendRaw({ localSid, localPort, remoteSid: SID_ANY, remotePort: cmdPort, flags: 0, qos: 0, ttl: 0 }, payload);
    const done = new Promise<void>((resolve, reject) => {
      let timer: unknown;
      const w: Waiter = (d) => {
        if (d.remotePort !== cmdPort || !bytesEqual(d.remoteSid, SID_ANY)) return false;
        if (d.flags & MDP_FLAG_ERROR) { finish(); reject(new MdpClientError(`servald rejected command ${cmdPort}`, "daemon-error")); return true; }
        if (d.flags & MDP_FLAG_CLOSE) { finish(); resolve(); return true; }
        replies.push(d.payload.slice());
        return true;
      };
      const finish = () => { this.clock.clearTimeout(timer); this.removeWaiter(w); };
      timer = this.clock.setTimeout(() => { finish(); reject(new MdpClientError(`no answer from servald (command ${cmdPort})`, "timeout")); }, timeoutMs);
      this.waiters.push(w);
    });
    await done;
    return replies;
  }

  /** Release one binding, keeping the others (Serval DNA's msp_release): 0 or a
   * negative errno; nothing is thrown (a daemon that is gone holds nothing). */
  unbind(localSid: Uint8Array, localPort: number): number {
    try {
      return this.sendListen(localSid, localPort, MDP_FLAG_CLOSE);
    } catch {
      return -1;
    }
  }

  /** MDP_LISTEN from (localSid, localPort) with `flags`, through the reused header. */
  private sendListen(localSid: Uint8Array, localPort: number, flags: number): number {
    const h = this.header;
    h.localSid = localSid;
    h.localPort = localPort;
    h.remoteSid = SID_ANY;
    h.remotePort = MDP_LISTEN;
    h.flags = flags;
    h.qos = 0;
    h.ttl = 0;
    return this.trySendRaw(h);
  }

  /** Say goodbye (drops all our bindings in the daemon) and close the socket. */
  close(): void {
    if (this.closed) return;
    try {
      this.sendRaw({ localSid: SID_ANY, localPort: 0, remoteSid: SID_ANY, remotePort: 0, flags: MDP_FLAG_CLOSE, qos: 0, ttl: 0 });
    } catch {
      // daemon gone: nothing to release
    }
    this.closed = true;
    this.transport.close();
  }

  private expect(match: (d: MdpDatagram) => boolean, timeoutMs: number, what: string): Promise<MdpDatagram> {
    return new Promise((resolve, reject) => {
      const w: Waiter = (d) => {
        if (!match(d)) return false;
        this.clock.clearTimeout(timer);
        this.removeWaiter(w);
        resolve(d);
        return true;
      };
      const timer = this.clock.setTimeout(() => {
        this.removeWaiter(w);
        reject(new MdpClientError(`no answer from servald (${what})`, "timeout"));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  private removeWaiter(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** `data` may be a view into the transport's reused receive buffer: onDatagram
   * sees views (valid during the call), anything kept for later gets a copy. */
  private receive(data: Uint8Array, from: string): void {
    if (from !== this.daemonAddress) { // PROTOCOL.md 7.1: only the daemon may talk to us
      if (this.foreignDropped++ === 0) this.onForeign?.(from);
      return;
    }
    const h = decodeMdpHeader(data);
    if (!h) return;
    const d: MdpDatagram = {
      localSid: h.localSid, localPort: h.localPort, remoteSid: h.remoteSid, remotePort: h.remotePort,
      flags: h.flags, qos: h.qos, ttl: h.ttl, payload: data.subarray(MDP_HEADER_LEN),
      encrypted: (h.flags & MDP_FLAG_NO_CRYPT) === 0, signed: (h.flags & MDP_FLAG_NO_SIGN) === 0,
    };
    // Waiters may resolve promises that read the datagram later.
    if (this.waiters.length > 0) {
      const kept = copyDatagram(d);
      for (const w of this.waiters.slice()) if (w(kept)) return;
    }
    if (d.flags & MDP_FLAG_ERROR) { this.onError?.(d); return; }
    if (d.flags & (MDP_FLAG_BIND | MDP_FLAG_CLOSE)) return;
    if (this.onDatagram) this.onDatagram(d);
    else if (this.queue.length < 256) this.queue.push(copyDatagram(d));
  }
}

function copyDatagram(d: MdpDatagram): MdpDatagram {
  return { ...d, payload: d.payload.slice(), localSid: d.localSid.slice(), remoteSid: d.remoteSid.slice() };
}

