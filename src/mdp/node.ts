// MeshNode: the sans-I/O MDP overlay node (docs/PROTOCOL.md sections 2-6).
//
// Method classes (quinn-proto style), exact signatures:
//   A getters   peers(): PeerInfo[]            routes(): RouteInfo[] (SELF rows first)
//               signKeyOf(sid): Uint8Array|undefined   isBound(sid|undefined, port): boolean
//               stats: MeshStats   queuedFrames: number   tableSizes()   identities   primarySid
//   B inputs    handlePacket(now, ifIndex, from: string, bytes: Uint8Array): void
//               handleTimeout(now): void
//               notifySendFailed(ifIndex, to: string, errno: number): void   (counted and logged here, once; nothing else)
//   C commands  addInterface({ index, name, mtu?=1200, broadcastAddress, tickMs?=500 }): void
//               removeInterface(index): void
//               bind(sid|undefined, port): number (port 0 = ephemeral; -1 = taken/unknown SID)
//               unbind(sid|undefined, port): void      learnSid(sid): void
//               send(now, SendRequest): { ok: true } | { ok: false, error: SendError }
//   D outputs   pollTransmit(): { ifIndex, to, bytes } | undefined
//               pollDelivery(): Delivery | undefined
//               recycleDelivery(d): void  (optional: d is done with, reuse its object)
//               pollTimeout(): number | undefined
// After every B or C call the driver drains pollTransmit() (each result is one
// UDP datagram from our port 4110 on that interface to `to`, an opaque
// "ip:port"), drains pollDelivery(), then sleeps until pollTimeout() and calls
// handleTimeout(now). `now` is monotonic milliseconds; spurious timeouts are
// harmless. The node never reads a clock or does I/O. Types: api.ts.
//
// Beyond Serval DNA: unicast frames are retransmitted per hop until ACKed (up
// to a deadline of several seconds, with an RTT-based delay), ACKs are sent
// within milliseconds of ACK_SOON or a gap, routing changes are advertised at
// once and repeated, neighbours survive heavy loss, restarted neighbours are
// recognised, and every table and queue is capped. Everything on the wire
// stays what a servald peer accepts.
//
// The node is a set of rooms around a shared context (context.ts), each owning
// its own state: ports.ts (bindings, deliveries), send.ts (sealing, queueing
// frames, broadcast ids), ingress.ts (packets, frames, forwarding, flooding),
// hop-acks.ts (per-hop ACKs both ways), adverts.ts (ticks, adverts),
// link-state-in.ts (the link state neighbours send us), please-explain.ts, routes.ts (recomputation, expiry), the transmitter
// (transmitter.ts, tx-queue.ts); timers.ts says what wakes the node and why.
// This file composes them and keeps the public API.

import type { Identity } from "../crypto/types";
import type { Sid } from "../wire/types";
import { NodeContext } from "./context";
import { Ports } from "./ports";
import { Sender } from "./send";
import { Ingress } from "./ingress";
import { HopAcks } from "./hop-acks";
import { Adverts } from "./adverts";
import { LinkStateIn } from "./link-state-in";
import { PleaseExplain } from "./please-explain";
import { Routes } from "./routes";
import { Transmitter } from "./transmitter";
import { nextWake, runDue, type Timed } from "./timers";
import { requestSignKey } from "./keymap";
import { markChanged, REACHABLE_NONE, REACHABLE_SELF } from "./routing";
import type { Iface } from "./neighbours";
import type { ServiceHost } from "./service-host";
import type { MeshStats } from "./stats";
import { toHex } from "../wire/bytes";
import * as C from "./constants";

export type {
  LogLevel, MeshNodeOptions, InterfaceConfig, Transmit, SendRequest, SendError, SendResult, Delivery, PeerInfo, RouteInfo, MeshLimits,
} from "./api";
import type {
  MeshNodeOptions, InterfaceConfig, Transmit, SendRequest, SendResult, Delivery, PeerInfo, RouteInfo, MeshLimits,
} from "./api";

export class MeshNode {
  readonly stats: MeshStats;
  readonly identities: readonly Identity[];
  readonly primarySid: Sid;
  /** The table caps in force (MeshNodeOptions.limits over constants.ts). */
  readonly limits: MeshLimits;
  private readonly cx: NodeContext;
  private readonly ports: Ports;
  private readonly sender: Sender;
  private readonly ingress: Ingress;
  private readonly acks: HopAcks;
  private readonly adverts: Adverts;
  private readonly linkStateIn: LinkStateIn;
  private readonly explain: PleaseExplain;
  private readonly routeKeeper: Routes;
  private readonly tx: Transmitter;
  private readonly timed: Timed;
  /** Inside handlePacket or service: nested service calls are deferred. */
  private busy = false;
  /** MeshNodeOptions.serviceOncePerBurst */
  private readonly oncePerBurst: boolean;
  /** Packets taken in since the last service pass (serviceOncePerBurst): pollTimeout says now. */
  private servicePending = false;

  constructor(opts: MeshNodeOptions) {
    const cx = (this.cx = new NodeContext(opts));
    this.oncePerBurst = opts.serviceOncePerBurst === true;
    this.stats = cx.stats;
    this.identities = cx.identities;
    this.primarySid = cx.primarySid;
    this.limits = cx.limits;
    const host: ServiceHost = {
      crypto: cx.crypto, stats: cx.stats,
      identityFor: (sid, broadcast) => (broadcast ? undefined : cx.localByHex.get(toHex(sid))) ?? cx.identities[0],
      subscriber: (sid) => cx.subs.add(sid),
      send: (now, req) => this.send(now, req),
      log: (level, msg) => cx.log(level, msg),
    };
    this.routeKeeper = new Routes(cx);
    this.ports = new Ports(cx, host, (now, n, source, data) => this.linkStateIn.receiveLinkState(now, n, source, data));
    this.sender = new Sender(cx, this.ports, opts.frameDeadlineMs ?? C.FRAME_DEADLINE_MS, opts.abbreviateSids !== false);
    this.acks = new HopAcks(cx, this.sender, this.routeKeeper);
    this.adverts = new Adverts(cx, this.sender, this.acks);
    this.linkStateIn = new LinkStateIn(cx, this.acks, this.routeKeeper);
    this.explain = new PleaseExplain(cx, this.sender, (r, now) => { markChanged(r, now); this.adverts.scheduleAdvert(now); });
    this.ingress = new Ingress(cx, this.ports, this.sender, this.acks, this.routeKeeper, this.explain, host, this.linkStateIn);
    const r = cx.random(2);
    this.tx = new Transmitter(cx.queue, cx.stats, cx.primarySid, opts.maxTransmissions ?? C.FRAME_MAX_TX,
      (h) => cx.routeTable.get(h), (r[0] << 8) | r[1], this.acks);
    if (this.sender.abbreviates) this.tx.abbreviateFor = (d, now) => this.sender.abbreviateFor(d, now);
    this.tx.book = cx.subs;
    this.tx.releaseHeld = (now, k) => this.sender.releaseHeld(now, k);
    this.acks.tx = this.tx;
    this.adverts.tx = this.tx;
    this.linkStateIn.explain = this.explain;
    this.routeKeeper.events = {
      reachable: (n, now) => {
        this.adverts.neighbourReachable(now);
        if (!n.sub.signKey) requestSignKey(host, now, n.sub);
      },
      changed: (now) => this.adverts.scheduleAdvert(now),
    };
    this.timed = { cx, routes: this.routeKeeper, adverts: this.adverts, acks: this.acks, tx: this.tx };
  }

  // ------------------------------------------------------------------ C: commands

  addInterface(cfg: InterfaceConfig): void {
    const cx = this.cx;
    if (cx.ifaces.has(cfg.index)) this.removeInterface(cfg.index);
    const iface = {
      index: cfg.index, name: cfg.name, mtu: Math.min(cfg.mtu ?? C.DEFAULT_MTU, C.INTERFACE_MTU_MAX),
      broadcastAddress: cfg.broadcastAddress, tickMs: cfg.tickMs ?? C.TICK_MS, nextTickAt: cx.now, fullSidsUntil: 0,
    } as Iface;
    iface.broadcast = cx.nt.newDest(iface, cfg.broadcastAddress, false);
    cx.ifaces.set(cfg.index, iface);
    cx.ifaceList.push(iface);
    this.adverts.ifacesChanged();
  }

  removeInterface(index: number): void {
    const cx = this.cx;
    const iface = cx.ifaces.get(index);
    if (!iface) return;
    // (none outside a service pass, unless one threw: queued, to be dropped below like any other)
    if (cx.queue.held.dests.length > 0) this.sender.releaseHeld(cx.now, 0);
    cx.ifaces.delete(index);
    cx.ifaceList.splice(cx.ifaceList.indexOf(iface), 1);
    this.adverts.ifacesChanged();
    cx.nt.dropInterface(iface);
    for (const f of cx.queue.fixed.slice()) if (f.fixed!.iface === iface) cx.queue.remove(f);
    this.routeKeeper.markDirty();
  }

  /** Bind a port for delivery. sid undefined = any of our identities. Port 0 picks
   * an ephemeral port. Returns the port, or -1 if already bound or unknown SID. */
  bind(sid: Sid | undefined, port: number): number {
    return this.ports.bind(sid, port);
  }

  unbind(sid: Sid | undefined, port: number): void {
    this.ports.unbind(sid, port);
  }

  isBound(sid: Sid | undefined, port: number): boolean {
    return this.ports.isBound(sid, port);
  }

  /** Queue an MDP datagram. Unicast is authcrypted unless noCrypt (then signed
   * unless noSign); broadcasts must be noCrypt (signed or plain). */
  send(now: number, req: SendRequest): SendResult {
    this.cx.now = now;
    const r = this.sender.send(now, req);
    if (!r.ok) return r;
    // (serviceOncePerBurst: the caller drives after its burst of sends too)
    if (this.oncePerBurst) this.servicePending = true;
    else this.service(now);
    return r;
  }

  /** Remember a SID so abbreviations of it resolve (e.g. from config or a previous run). */
  learnSid(sid: Sid): void {
    this.cx.subs.add(sid);
  }

  // ------------------------------------------------------------------ B: inputs

  handleTimeout(now: number): void {
    this.cx.now = now;
    this.service(now);
  }

  /** The platform's sendto() failed: count and log it. Never a reason to forget
   * a neighbour or reset the interface (per-hop retransmission covers the loss). */
  notifySendFailed(ifIndex: number, to: string, errno: number): void {
    this.stats.sendFailures++;
    this.cx.log("debug", `sendto ${to} on interface ${ifIndex} failed (errno ${errno}); ${this.stats.sendFailures} failed sends so far`);
  }

  handlePacket(now: number, ifIndex: number, from: string, bytes: Uint8Array): void {
    this.busy = true;
    try {
      this.cx.now = now;
      this.ingress.receivePacket(now, ifIndex, from, bytes);
    } finally {
      this.busy = false;
    }
    if (this.oncePerBurst) this.servicePending = true;
    else this.service(now);
  }

  /** Run everything due at `now` (timers.ts). Calls from inside a packet or
   * another service run (e.g. an echo reply sent while a frame is processed)
   * are deferred to the outer call, so state is never changed under an iteration. */
  private service(now: number): void {
    if (this.busy) return;
    this.busy = true;
    this.servicePending = false;
    this.stats.servicePasses++;
    try {
      runDue(now, this.timed);
    } finally {
      this.busy = false;
    }
  }

  // ------------------------------------------------------------------ D: outputs

  pollTransmit(): Transmit | undefined {
    return this.tx.outbox.shift();
  }

  pollDelivery(): Delivery | undefined {
    return this.ports.pollDelivery();
  }

  /** A delivery the caller is done with and keeps no reference to: its object is
   * refilled for a later one (a daemon hands each on at once). */
  recycleDelivery(d: Delivery): void {
    this.ports.recycleDelivery(d);
  }

  /** Next time handleTimeout should be called, or undefined if never (timers.ts). */
  pollTimeout(): number | undefined {
    const now = this.cx.now;
    if (this.tx.outbox.length > 0 || this.servicePending) return now;
    const t = nextWake(this.timed);
    return t === Infinity ? undefined : Math.max(t, now);
  }

  // ------------------------------------------------------------------ A: getters

  /** Neighbours and other reachable nodes, for `id peers`. */
  peers(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const r of this.cx.routeTable.values()) {
      if (r.reachable === REACHABLE_NONE) continue;
      out.push({ sid: r.sid, reachable: r.reachable, hops: r.hops, nextHop: r.nextHop?.sub.sid });
    }
    return out;
  }

  /** Every known route including our own identities (SELF), for `route print`. */
  routes(): RouteInfo[] {
    const cx = this.cx;
    const out: RouteInfo[] = [];
    for (const id of cx.identities) {
      out.push({ sid: id.sid, reachable: REACHABLE_SELF, hops: 0, nextHop: undefined, priorHop: undefined, ifIndex: undefined, dropRate: 0 });
    }
    for (const r of cx.routeTable.values()) {
      out.push({
        sid: r.sid, reachable: r.reachable, hops: r.hops,
        nextHop: r.nextHop?.sub.sid,
        priorHop: r.reachable === REACHABLE_NONE ? undefined : (r.priorHex === cx.primaryHex ? cx.primarySid : cx.subs.getHex(r.priorHex)?.sid),
        ifIndex: r.nextHop?.chosen?.dest.iface.index,
        dropRate: r.dropRate,
      });
    }
    return out;
  }

  /** The signing key learnt for a SID (keymap or SIGNKEY address), if any. */
  signKeyOf(sid: Sid): Uint8Array | undefined {
    return this.cx.subs.get(sid)?.signKey;
  }

  /** Sizes of every table and queue (all capped; for status and memory checks). */
  tableSizes(): { neighbours: number; destinations: number; routes: number; subscribers: number; queued: number; deliveries: number } {
    const cx = this.cx;
    return {
      neighbours: cx.nt.size, destinations: cx.nt.destCount, routes: cx.routeTable.size,
      subscribers: cx.subs.size, queued: cx.queue.length, deliveries: this.ports.waiting,
    };
  }

  /** Frames local clients sent that wait (routed, not yet on the wire). The
   * daemon stops reading its client socket while this is high, so a fast
   * sender (an MSP stream) waits in its own process instead of building a
   * queue here that would delay everything behind it by seconds. */
  get clientBacklog(): number {
    return this.cx.queue.localBacklog;
  }

  /** Number of frames queued for transmission (for tests and status). */
  get queuedFrames(): number {
    return this.cx.queue.length;
  }
}
