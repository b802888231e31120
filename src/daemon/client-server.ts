// Sans-I/O server side of Serval DNA's v2 local MDP client protocol (PROTOCOL.md 7.2,
// 7.3): bindings (kept in client-bindings.ts), sends, local commands and delivery
// of inbound datagrams.
// Client addresses are opaque strings (the socket address of the client).
// Messages to clients are queued; the daemon drains them with pollOutgoing()
// and reports a vanished client with clientGone().
import {
  decodeMdpHeader, encodeMdpMessage, MdpHeader, MDP_FLAG_BIND, MDP_FLAG_CLOSE, MDP_FLAG_ERROR,
  MDP_FLAG_NO_CRYPT, MDP_FLAG_NO_SIGN, MDP_FLAG_REUSE, MDP_HEADER_LEN, MDP_IDENTITY, MDP_INTERFACE, MDP_LISTEN,
  MDP_ROUTE_TABLE, MDP_SEARCH_IDS, MDP_SYNC_CONFIG, MDP_SYNC_RHIZOME, MDP_DAEMON_STATUS, MDP_TUNNEL_REPORT,
} from "../wire/client-header.js";
import { encodeRouteRecord, INTERFACE_STATE_UP, REACHABLE_SELF, RouteRecord } from "../wire/client-header.js";
import type { ClientMesh, Delivery } from "./mesh-core.js";
import { bytesEqual, toHex } from "../wire/bytes.js";
import { SID_ANY, SID_BROADCAST as SID_ALL } from "../wire/types.js";
import { TunnelTable } from "./tunnel-table.js";
import { BindingTable, type Binding, type LocalSink, type Subject } from "./client-bindings.js";

export type { LocalSink } from "./client-bindings.js";

const TTL_DEFAULT = 31;
const QOS_ORDINARY = 3;
/** Payload bytes per DAEMON_STATUS reply datagram. */
const STATUS_CHUNK = 1024;

/** The client name of in-process bindings: no socket can have it (a path with a NUL byte). */
const IN_PROCESS = "in-process\0";

export interface ClientMessage {
  to: string;
  data: Uint8Array;
}

export interface ClientServerStats {
  received: number;
  errors: number;
  delivered: number;
  undeliverable: number;
  deadClients: number;
  /** datagrams from an unnamed (unbound) socket: no reply address, ignored */
  anonymous: number;
}

const SID_INTERNAL = new Uint8Array(32);
SID_INTERNAL[31] = 1;

export class ClientServer {
  private readonly bindings = new BindingTable();
  /** Messages for clients, polled from outHead on; empty when none is waiting (the
   * driver looks at its length before calling pollOutgoing; read-only outside). */
  readonly outbox: ClientMessage[] = [];
  private outHead = 0;
  private idsSeen: Uint8Array[] | undefined;
  private idsHex: string[] = [];
  readonly stats: ClientServerStats = { received: 0, errors: 0, delivered: 0, undeliverable: 0, deadClients: 0, anonymous: 0 };
  /** Called when a client's bindings and queued messages are dropped (goodbye or gone). */
  onClientGone: ((client: string) => void) | undefined;
  /** Called for the SYNC_CONFIG command (reload configuration). */
  onSyncConfig: (() => void) | undefined;
  /** Answers the DAEMON_STATUS command (UTF-8 JSON); unset: the command is refused. */
  onStatus: ((now: number) => Uint8Array) | undefined;
  /** Tunnels and their open streams: reported by tunnel processes, or hosted by the daemon. */
  readonly tunnels = new TunnelTable();

  constructor(private readonly mesh: ClientMesh) {}

  // --- inputs -------------------------------------------------------------

  /** One datagram from a client socket address. Everything it causes is sent to
   * `from` (replies) or, later, to the address it bound from (deliveries): never
   * to an address taken from the message. */
  handleMessage(now: number, from: string, msg: Uint8Array): void {
    if (from.length === 0) {
      // An unbound socket has no address to answer, and all of them would share
      // one name (and so each other's bindings): ignored, counted.
      this.stats.anonymous++;
      return;
    }
    const h = decodeMdpHeader(msg);
    if (!h) return; // too short: Serval logs and ignores it
    this.stats.received++;
    const payload = msg.subarray(MDP_HEADER_LEN);
    // Copy the SIDs: replies outlive the receive buffer.
    const header: MdpHeader = { ...h, localSid: h.localSid.slice(), remoteSid: h.remoteSid.slice() };

    if ((header.flags & MDP_FLAG_CLOSE) && header.localPort === 0) {
      this.clientGone(from);
      return;
    }

    // Resolve the local SID.
    let subject: Subject;
    const ids = this.mesh.identities();
    if (bytesEqual(header.localSid, SID_ANY)) {
      if (ids.length === 0) return this.replyError(from, header);
      header.localSid = ids[0].slice();
      subject = this.localHex(ids[0]) as string;
    } else if (bytesEqual(header.localSid, SID_INTERNAL)) {
      subject = "internal";
      header.flags |= MDP_FLAG_REUSE;
    } else if (bytesEqual(header.localSid, SID_ALL)) {
      subject = "all";
    } else {
      const h = this.localHex(header.localSid);
      if (h === undefined) return this.replyError(from, header);
      subject = h;
    }

    let mine: Binding | undefined;
    let conflict: Binding | undefined;
    if (header.localPort === 0 && (header.flags & MDP_FLAG_BIND)) {
      header.localPort = this.bindings.allocatePort();
    } else {
      const onPort = this.bindings.onPort(header.localPort);
      if (onPort) {
        for (let i = 0; i < onPort.length; i++) {
          const b = onPort[i];
          if (b.subject !== subject) continue;
          if (b.client === from) { mine = b; break; }
          conflict = b;
        }
      }
    }

    if (header.flags & MDP_FLAG_BIND) {
      if (conflict && (header.flags & MDP_FLAG_REUSE) && conflict.reuse) conflict = undefined;
      if (conflict) return this.replyError(from, header);
      if (!mine) {
        mine = { client: from, subject, port: header.localPort, reuse: (header.flags & MDP_FLAG_REUSE) !== 0 };
        this.addBinding(mine);
      }
      this.reply(from, header, MDP_FLAG_BIND);
    }

    if (bytesEqual(header.remoteSid, SID_ANY)) {
      this.localCommand(now, from, header, payload, mine !== undefined);
    } else {
      if (subject === "internal" || subject === "all") return this.replyError(from, header);
      if (!mine) return this.replyError(from, header);
      const broadcast = bytesEqual(header.remoteSid, SID_ALL);
      const encrypt = (header.flags & MDP_FLAG_NO_CRYPT) === 0;
      if (broadcast && encrypt) return this.replyError(from, header);
      if (header.ttl > 31) return this.replyError(from, header);
      const ok = this.mesh.send(now, {
        srcSid: header.localSid,
        srcPort: header.localPort,
        dstSid: broadcast ? undefined : header.remoteSid,
        dstPort: header.remotePort,
        payload, // a view of the receive buffer: the mesh copies it before returning
        noCrypt: !encrypt,
        noSign: (header.flags & MDP_FLAG_NO_SIGN) !== 0,
        ttl: header.ttl === 0 ? TTL_DEFAULT : header.ttl,
        qos: header.qos === 0 ? QOS_ORDINARY : header.qos,
      });
      if (!ok) return this.replyError(from, header);
    }

    if (mine && (header.flags & MDP_FLAG_CLOSE)) this.removeBinding(mine);
  }

  /** Offer a datagram the mesh received to the bound clients.
   * Returns true when some client took it (the mesh should not answer it itself). */
  deliver(d: Delivery): boolean {
    // (one of our SIDs, the common case, first: none of them is the broadcast SID)
    const dst = this.localHex(d.localSid) ?? (bytesEqual(d.localSid, SID_ALL) ? undefined : toHex(d.localSid));
    let taken = false;
    // (encoded once, and only for socket clients: an in-process sink takes `d` itself)
    let data: Uint8Array | undefined;
    const onPort = this.bindings.onPort(d.localPort);
    if (!onPort) {
      this.stats.undeliverable++;
      return false;
    }
    // Exact SID bindings first; a unicast stops at the first non-REUSE binding.
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < onPort.length; i++) {
        const b = onPort[i];
        if (b.subject === "internal") continue;
        if (pass === 0 ? (b.subject === "all" || (dst !== undefined && b.subject !== dst)) : b.subject !== "all") continue;
        if (b.sink) b.sink(d);
        else {
          data ??= encodeMdpMessage(deliveryHeader(d), d.payload);
          this.outbox.push({ to: b.client, data });
        }
        this.stats.delivered++;
        taken = true;
        if (dst !== undefined && !b.reuse) return true;
      }
    }
    if (!taken) this.stats.undeliverable++;
    return taken;
  }

  /** Bind (sid, port) for code inside the daemon (daemon-hosted tunnels): the same
   * port space and conflicts as clients' binds, but deliveries call `sink`
   * synchronously instead of being encoded and sent. SID_ANY = the primary
   * identity; port 0 = an ephemeral port. Returns the bound port, or -1 when
   * the port is taken or the SID is not ours. */
  bindLocal(sid: Uint8Array, port: number, sink: LocalSink): number {
    const ids = this.mesh.identities();
    const any = bytesEqual(sid, SID_ANY);
    const subject = any ? (ids.length > 0 ? this.localHex(ids[0]) : undefined) : this.localHex(sid);
    if (subject === undefined) return -1;
    if (port === 0) port = this.bindings.allocatePort();
    else if (this.bindings.onPort(port)?.some((b) => b.subject === subject)) return -1;
    this.addBinding({ client: IN_PROCESS, subject, port, reuse: false, sink });
    return port;
  }

  /** Release an in-process binding made with this sink. */
  unbindLocal(port: number, sink: LocalSink): void {
    const b = this.bindings.onPort(port)?.find((x) => x.sink === sink);
    if (b) this.removeBinding(b);
  }

  /** Is some client bound to this port (on any local SID)? */
  isPortBound(port: number): boolean {
    return this.bindings.isPortBound(port);
  }

  /** Push a route change to clients bound to SID_INTERNAL:ROUTE_TABLE (`route print --monitor`). */
  notifyRouteChange(r: RouteRecord): void {
    const header: MdpHeader = {
      localSid: SID_INTERNAL,
      localPort: MDP_ROUTE_TABLE, remoteSid: SID_ANY, remotePort: MDP_ROUTE_TABLE, flags: 0, qos: 0, ttl: 0,
    };
    let data: Uint8Array | undefined;
    for (const b of this.bindings.onPort(MDP_ROUTE_TABLE) ?? []) {
      if (b.subject !== "internal") continue;
      data ??= encodeMdpMessage(header, encodeRouteRecord(r));
      this.outbox.push({ to: b.client, data });
    }
  }

  /** The client's socket is gone (goodbye, ENOENT, ECONNREFUSED): drop all its bindings. */
  clientGone(client: string): void {
    const gone = this.bindings.all().filter((x) => x.client === client);
    for (const b of gone) this.removeBinding(b);
    // Queued replies to it are useless now.
    if (gone.length > 0) this.stats.deadClients++;
    this.tunnels.remove(client);
    for (let i = this.outHead; i < this.outbox.length; i++) {
      if (this.outbox[i].to === client) this.outbox[i].data = new Uint8Array(0);
    }
    this.onClientGone?.(client);
  }

  // --- outputs ------------------------------------------------------------

  pollOutgoing(): ClientMessage | undefined {
    while (this.outHead < this.outbox.length) {
      const m = this.outbox[this.outHead++];
      if (this.outHead === this.outbox.length) { this.outbox.length = 0; this.outHead = 0; }
      if (m.data.length > 0) return m;
    }
    return undefined;
  }

  bindingCount(): number {
    return this.bindings.size;
  }

  /** Clients holding a binding (for status; not on the data path). */
  clientCount(): number {
    return new Set(this.bindings.all().map((b) => b.client)).size;
  }

  // --- internals ----------------------------------------------------------

  /** Hex of a local identity's SID (cached: this runs per datagram), undefined if not ours. */
  private localHex(sid: Uint8Array): string | undefined {
    const ids = this.mesh.identities();
    if (ids !== this.idsSeen) {
      this.idsSeen = ids;
      this.idsHex = ids.map((s) => toHex(s));
    }
    // (per delivery: the core passes our identity's own SID object)
    for (let i = 0; i < ids.length; i++) if (ids[i] === sid) return this.idsHex[i];
    for (let i = 0; i < ids.length; i++) if (bytesEqual(ids[i], sid)) return this.idsHex[i];
    return undefined;
  }

  private localCommand(now: number, from: string, header: MdpHeader, payload: Uint8Array, bound: boolean): void {
    switch (header.remotePort) {
      case MDP_LISTEN:
        if (!bound) this.replyError(from, header);
        return;
      case MDP_IDENTITY: // PIN lock/unlock: we keep no PIN-protected identities
        this.reply(from, header, MDP_FLAG_CLOSE);
        return;
      case MDP_SEARCH_IDS:
        if (payload.length > 0) return this.replyError(from, header); // no tags stored
        for (const sid of this.mesh.identities()) this.reply(from, header, 0, sid);
        this.reply(from, header, MDP_FLAG_CLOSE);
        return;
      case MDP_SYNC_CONFIG:
        this.onSyncConfig?.();
        this.reply(from, header, MDP_FLAG_CLOSE);
        return;
      case MDP_SYNC_RHIZOME:
        this.reply(from, header, MDP_FLAG_CLOSE);
        return;
      case MDP_ROUTE_TABLE:
        this.sendRouteTable(from, header);
        return;
      case MDP_DAEMON_STATUS: {
        if (!this.onStatus) return this.replyError(from, header);
        const json = this.onStatus(now);
        for (let o = 0; o < json.length; o += STATUS_CHUNK) this.reply(from, header, 0, json.subarray(o, o + STATUS_CHUNK));
        this.reply(from, header, MDP_FLAG_CLOSE);
        return;
      }
      case MDP_TUNNEL_REPORT:
        if (!this.tunnels.report(now, from, payload)) this.replyError(from, header);
        return;
      case MDP_INTERFACE: // external interfaces are not supported
      default:
        this.replyError(from, header);
    }
  }

  private sendRouteTable(from: string, header: MdpHeader): void {
    const ids = this.mesh.identities();
    if (ids.length > 0) {
      const signKey = this.mesh.primarySignKey();
      for (const itf of this.mesh.interfaces()) {
        this.reply(from, header, 0, encodeRouteRecord({
          sid: ids[0], signKey, combined: signKey !== undefined, reachable: REACHABLE_SELF, hopCount: 0,
          nextHop: undefined, priorHop: undefined, interfaceIndex: itf.index, interfaceState: INTERFACE_STATE_UP,
          interfaceName: itf.name,
        }));
      }
    }
    for (const r of this.mesh.routes()) this.reply(from, header, 0, encodeRouteRecord(r));
    this.reply(from, header, MDP_FLAG_CLOSE);
  }

  private addBinding(b: Binding): void {
    this.bindings.add(b);
    if (b.subject !== "internal") this.mesh.portBound?.(b.port);
  }

  private removeBinding(b: Binding): void {
    if (!this.bindings.remove(b)) return;
    if (b.subject !== "internal" && !this.bindings.isPortBound(b.port)) this.mesh.portReleased?.(b.port);
  }

  private reply(to: string, header: MdpHeader, flags: number, payload?: Uint8Array): void {
    this.outbox.push({ to, data: encodeMdpMessage({ ...header, flags }, payload) });
  }

  private replyError(to: string, header: MdpHeader): void {
    this.stats.errors++;
    this.reply(to, header, MDP_FLAG_ERROR);
  }
}

/** The client header of a datagram the mesh delivers. */
function deliveryHeader(d: Delivery): MdpHeader {
  return {
    localSid: d.localSid,
    localPort: d.localPort,
    remoteSid: d.remoteSid,
    remotePort: d.remotePort,
    flags: (d.noCrypt ? MDP_FLAG_NO_CRYPT : 0) | (d.noSign ? MDP_FLAG_NO_SIGN : 0),
    qos: d.qos,
    ttl: d.ttl,
  };
}
