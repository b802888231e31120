// MdpSockets inside the daemon (daemon-hosted tunnels): a binding is made
// directly in the client server's port table (ClientServer.bindLocal), inbound
// datagrams reach the MSP driver as a call, and sends go straight into the
// mesh core. No local socket, no header encoding, no second process.
//
// Back-pressure as for socket clients: while the daemon holds back its socket
// clients (too many local datagrams wait for the link), send() refuses and the
// MSP driver retries shortly. Such a socket is never "gone": the daemon and
// its bindings live and die together.

import type { ClientServer, LocalSink } from "./client-server.js";
import type { MeshCore } from "./mesh-core.js";
import type { Delivery, SendRequest } from "../mdp/api.js";
import type { MspAddress } from "../msp/endpoint.js";
import { MDP_NO_CRYPT, MDP_NO_SIGN, type MdpInbound, type MdpSendOptions, type MdpSocket, type MdpSocketFactory } from "../msp/mdp-socket.js";
import { bytesEqual } from "../wire/bytes.js";
import { SID_BROADCAST, type Sid } from "../wire/types.js";

const TTL_DEFAULT = 31;
const QOS_ORDINARY = 3;

/** What the sockets need of the daemon. */
export interface InProcessHost {
  clients: ClientServer;
  core: MeshCore;
  now(): number;
  /** True while local senders must wait (the daemon's client back-pressure). */
  holdingBack(): boolean;
  /** Something was queued in the core outside a drive: run the core soon. */
  kick(): void;
}

export interface InProcessStats {
  sent: number;
  /** Sends refused while the link was backed up (the MSP driver retried them). */
  heldBack: number;
  /** Sends the core refused (e.g. an unusable destination SID): reported as a daemon error. */
  refused: number;
  received: number;
}

class InProcessSocket implements MdpSocket {
  private port = 0;
  private sid: Uint8Array | undefined;
  private packetCb: ((p: MdpInbound) => void) | undefined;
  private errorCb: (() => void) | undefined;
  private readonly inbound: MdpInbound = { local: { sid: SID_BROADCAST, port: 0 }, remote: { sid: SID_BROADCAST, port: 0 }, cryptFlags: 0, qos: 0, ttl: 0, payload: new Uint8Array(0) };
  private readonly sink: LocalSink = (d) => this.deliver(d);

  constructor(private readonly owner: InProcessSockets) {}

  bind(sid: Sid, port: number): Promise<MspAddress> {
    const h = this.owner.host;
    const got = h.clients.bindLocal(sid, port, this.sink);
    if (got < 0) return Promise.reject(new Error(`MDP port ${port} is taken`));
    this.port = got;
    const ids = h.core.identities();
    this.sid = ids.find((s) => bytesEqual(s, sid)) ?? ids[0]!;
    this.owner.bound++;
    return Promise.resolve({ sid: this.sid, port: got });
  }

  send(remote: MspAddress, payload: Uint8Array, opts: MdpSendOptions): boolean {
    const h = this.owner.host;
    const st = this.owner.stats;
    if (!this.sid) return false;
    if (h.holdingBack()) { st.heldBack++; return false; }
    const d = this.owner.out;
    d.srcSid = this.sid;
    d.srcPort = this.port;
    d.dstSid = remote.sid;
    d.dstPort = remote.port;
    d.payload = payload;
    d.noCrypt = (opts.cryptFlags & MDP_NO_CRYPT) !== 0;
    d.noSign = (opts.cryptFlags & MDP_NO_SIGN) !== 0;
    d.ttl = opts.ttl === 0 ? TTL_DEFAULT : opts.ttl;
    d.qos = opts.qos === 0 ? QOS_ORDINARY : opts.qos;
    if (!h.core.send(h.now(), d)) {
      st.refused++;
      this.errorCb?.();
      return true; // not to be retried
    }
    st.sent++;
    h.kick();
    return true;
  }

  alive(): boolean { return true; }
  onGone(): void {}
  onPacket(cb: ((p: MdpInbound) => void) | undefined): void { this.packetCb = cb; }
  onError(cb: (() => void) | undefined): void { this.errorCb = cb; }

  close(): void {
    if (!this.sid) return;
    this.owner.host.clients.unbindLocal(this.port, this.sink);
    this.sid = undefined;
    this.owner.bound--;
  }

  private deliver(d: Delivery): void {
    const cb = this.packetCb;
    if (!cb) return;
    this.owner.stats.received++;
    const p = this.inbound;
    p.local.sid = d.localSid;
    p.local.port = d.localPort;
    p.remote.sid = d.remoteSid;
    p.remote.port = d.remotePort;
    p.cryptFlags = (d.noCrypt ? MDP_NO_CRYPT : 0) | (d.noSign ? MDP_NO_SIGN : 0);
    p.qos = d.qos;
    p.ttl = d.ttl;
    p.payload = d.payload;
    cb(p);
  }
}

/** The MdpSocket factory for code running inside the daemon. */
export class InProcessSockets {
  readonly stats: InProcessStats = { sent: 0, heldBack: 0, refused: 0, received: 0 };
  /** Bindings held now. */
  bound = 0;
  /** Scratch for sends (the core copies what it keeps). */
  readonly out: SendRequest = {
    srcSid: SID_BROADCAST, srcPort: 0, dstSid: undefined, dstPort: 0, payload: new Uint8Array(0),
    noCrypt: false, noSign: false, ttl: TTL_DEFAULT, qos: QOS_ORDINARY,
  };

  constructor(readonly host: InProcessHost) {}

  readonly factory: MdpSocketFactory = () => new InProcessSocket(this);
}
