// MeshNode: the sans-I/O MDP overlay node (docs/PROTOCOL.md sections 2-6).
//
// Method classes (quinn-proto style), exact signatures:
//   A getters   peers(): PeerInfo[]            routes(): RouteInfo[] (SELF rows first)
//               signKeyOf(sid): Uint8Array|undefined   isBound(sid|undefined, port): boolean
//               stats: MeshStats   queuedFrames: number   tableSizes()   identities   primarySid
//   B inputs    handlePacket(now, ifIndex, from: string, bytes: Uint8Array): void
//               handleTimeout(now): void
//               notifySendFailed(ifIndex, to: string, errno: number): void   (counted, logged; nothing else)
//   C commands  addInterface({ index, name, mtu?=1200, broadcastAddress, tickMs?=500 }): void
//               removeInterface(index): void
//               bind(sid|undefined, port): number (port 0 = ephemeral; -1 = taken/unknown SID)
//               unbind(sid|undefined, port): void      learnSid(sid): void
//               send(now, SendRequest): { ok: true } | { ok: false, error: SendError }
//   D outputs   pollTransmit(): { ifIndex, to, bytes } | undefined
//               pollDelivery(): Delivery | undefined
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

import type { CryptoProvider, Identity } from "../crypto/types";
import {
  LS_UNICAST, PORT_ECHO, PORT_KEYMAPREQUEST, PORT_LINKSTATE,
  SID_BROADCAST, TYPE_DATA, TYPE_PLEASEEXPLAIN,
  type FrameRepr, type LinkRecordRepr, type Sid,
} from "../wire/types";
import { ByteWriter, bytesEqual, toHex } from "../wire/bytes";
import { decodePacket } from "../wire/packet";
import { decodeLinkState } from "../wire/linkstate";
import { decodeMdpMessage, encodePorts } from "../wire/mdp-ports";
import { openMdpPayload, sealMdpPayload, type PayloadMode } from "../crypto/mdp-payload";
import * as C from "./constants";
import { Subscribers } from "./subscribers";
import { BroadcastCache } from "./broadcast-cache";
import { SEQ_DUP, SEQ_LATE, SEQ_NEW, SeqWindow64, ackCovers, ackIsAfter, dropRateFromMask } from "./link-window";
import {
  acksByUnicast, bestLinkIn, findLinkIn, frameFingerprint, isDirect, newNeighbour, reachableTimeout, sampleRtt,
  type Destination, type Iface, type Neighbour,
} from "./neighbours";
import { computeRoutes, lastHeard, markChanged, silenceLimit, REACHABLE_NONE, REACHABLE_SELF, type Route } from "./routing";
import { TxQueue, type TxFrame } from "./tx-queue";
import { Transmitter } from "./transmitter";
import { NeighbourTable } from "./neighbour-table";
import { decodeExplain, encodeExplain, explainAnswers, ExplainLimiter } from "./please-explain";
import { handleEcho } from "./echo";
import { handleKeymap, requestSignKey } from "./keymap";
import type { ServiceHost } from "./service-host";
import { abbreviator, noteNamed } from "./abbreviation";
import type { Abbreviate } from "../wire/address";
import { ackMaskSinceStart, ackRecord, advertRecords, type AdvertRecords, applyLinkRecords, packLinkState } from "./link-state";
import { newStats, type MeshStats } from "./stats";

export type {
  LogLevel, MeshNodeOptions, InterfaceConfig, Transmit, SendRequest, SendError, SendResult, Delivery, PeerInfo, RouteInfo, MeshLimits,
} from "./api";
import type {
  LogLevel, MeshNodeOptions, InterfaceConfig, Transmit, SendRequest, SendResult, Delivery, PeerInfo, RouteInfo, MeshLimits,
} from "./api";

const WILDCARD = "*";
const NO_ADVERTS: AdvertRecords = { records: [], refreshOnly: [], nextDue: Infinity };

export class MeshNode {
  readonly stats: MeshStats = newStats();
  readonly identities: readonly Identity[];
  readonly primarySid: Sid;
  private readonly primaryHex: string;
  private readonly crypto: CryptoProvider;
  private readonly log: (level: LogLevel, message: string) => void;
  private readonly random: (n: number) => Uint8Array;
  private readonly frameDeadlineMs: number;
  private readonly maxTx: number;

  private readonly subs: Subscribers;
  readonly limits: MeshLimits;
  private readonly localByHex = new Map<string, Identity>();
  private readonly ifaces = new Map<number, Iface>();
  private readonly nt: NeighbourTable;
  private readonly routeTable = new Map<string, Route>();
  private readonly bpi = new BroadcastCache();
  private readonly queue = new TxQueue();
  private readonly tx: Transmitter;
  private readonly host: ServiceHost;
  private readonly explainLimiter = new ExplainLimiter(C.EXPLAIN_REPLY_INTERVAL_MS);
  private readonly deliveries: Delivery[] = [];
  /** Bound ports -> the SIDs (hex, or WILDCARD) bound on them: looked up per datagram. */
  private readonly bindings = new Map<number, Set<string>>();
  private nextEphemeral = 257;
  private routesDirty = false;
  /** Route recomputations are at least ROUTE_RECOMPUTE_MIN_MS apart (a burst of adverts costs one). */
  private lastRecomputeAt = -1e9;
  private advertDueAt = Infinity;
  private lastAdvertAt = -1e9;
  /** Inside handlePacket or service: nested service calls are deferred. */
  private busy = false;
  private nextFullAdvertAt = 0;
  private lastFullAdvertAt = -1e9;
  /** Full adverts still owed to a new neighbour (it must learn all our routes, under loss). */
  private fullAdvertsOwed = 0;
  private nextExpiryAt = Infinity;
  /** Direct neighbours routes avoid because they fell silent (routing.ts
   * silenceLimit); hearing one again recomputes routes. Per neighbour, the
   * longest recent gap between its packets (decaying), and when to look again. */
  private readonly silent = new Set<Neighbour>();
  private readonly gapMax = new Map<Neighbour, { at: number; gap: number }>();
  private silentCheckAt = Infinity;
  private lastNow: number;
  private readonly pw = new ByteWriter(2048);

  constructor(opts: MeshNodeOptions) {
    if (opts.identities.length === 0) throw new Error("MeshNode needs at least one identity");
    this.identities = opts.identities;
    this.crypto = opts.crypto;
    this.log = opts.log ?? (() => {});
    this.random = opts.random ?? ((n) => opts.crypto.randomBytes(n));
    this.frameDeadlineMs = opts.frameDeadlineMs ?? C.FRAME_DEADLINE_MS;
    this.maxTx = opts.maxTransmissions ?? C.FRAME_MAX_TX;
    this.lastNow = opts.now;
    this.primarySid = opts.identities[0].sid;
    this.primaryHex = toHex(this.primarySid);
    this.limits = {
      subscribers: opts.limits?.subscribers ?? C.SUBSCRIBERS_MAX, neighbours: opts.limits?.neighbours ?? C.NEIGHBOURS_MAX,
      routes: opts.limits?.routes ?? C.ROUTES_MAX,
    };
    this.subs = new Subscribers((k) => this.crypto.sidFromSignKey(k), this.limits.subscribers, this.stats);
    this.nt = new NeighbourTable(this.random, () => this.fixedDests(), (m) => this.log("debug", m), this.limits.neighbours);
    this.subs.canForget = (s) => !this.nt.byHex.has(s.hex) && !this.routeTable.has(s.hex);
    for (const id of opts.identities) {
      const s = this.subs.add(id.sid, true);
      s.signKey = id.signPublic;
      this.localByHex.set(s.hex, id);
    }
    const r = this.random(2);
    this.tx = new Transmitter(this.queue, this.stats, this.primarySid, this.maxTx, (h) => this.routeTable.get(h), (r[0] << 8) | r[1],
      { owedAck: (now, n, d) => this.owedAckFrame(now, n, d), ackRode: (n) => this.ackRode(n) });
    if (opts.abbreviateSids !== false) this.tx.abbreviateFor = (d, now) => this.abbreviateFor(d, now);
    this.queue.onDrop = () => { this.stats.queueDrops++; };
    this.host = {
      crypto: this.crypto, stats: this.stats,
      identityFor: (sid, broadcast) => (broadcast ? undefined : this.localByHex.get(toHex(sid))) ?? this.identities[0],
      subscriber: (sid) => this.subs.add(sid),
      send: (now, req) => this.send(now, req),
      log: (level, msg) => this.log(level, msg),
    };
  }

  // ------------------------------------------------------------------ C: commands

  addInterface(cfg: InterfaceConfig): void {
    if (this.ifaces.has(cfg.index)) this.removeInterface(cfg.index);
    const iface = {
      index: cfg.index, name: cfg.name, mtu: Math.min(cfg.mtu ?? C.DEFAULT_MTU, 1500),
      broadcastAddress: cfg.broadcastAddress, tickMs: cfg.tickMs ?? C.TICK_MS, nextTickAt: this.lastNow, fullSidsUntil: 0,
    } as Iface;
    iface.broadcast = this.nt.newDest(iface, cfg.broadcastAddress, false);
    this.ifaces.set(cfg.index, iface);
  }

  removeInterface(index: number): void {
    const iface = this.ifaces.get(index);
    if (!iface) return;
    this.ifaces.delete(index);
    this.nt.dropInterface(iface);
    for (const f of this.queue.fixed.slice()) if (f.fixed!.iface === iface) this.queue.remove(f);
    this.routesDirty = true;
  }

  /** Bind a port for delivery. sid undefined = any of our identities. Port 0 picks
   * an ephemeral port. Returns the port, or -1 if already bound or unknown SID. */
  bind(sid: Sid | undefined, port: number): number {
    const key = sid ? toHex(sid) : WILDCARD;
    if (sid && !this.localByHex.has(key)) return -1;
    if (port === 0) {
      for (let i = 0; i < 32768; i++) {
        const p = this.nextEphemeral;
        this.nextEphemeral = p >= 32768 ? 256 : p + 1;
        if (!this.hasBinding(key, p) && !this.hasBinding(WILDCARD, p)) { port = p; break; }
      }
      if (port === 0) return -1;
    }
    if (this.hasBinding(key, port)) return -1;
    const on = this.bindings.get(port);
    if (on) on.add(key);
    else this.bindings.set(port, new Set([key]));
    return port;
  }

  unbind(sid: Sid | undefined, port: number): void {
    const on = this.bindings.get(port);
    if (!on) return;
    on.delete(sid ? toHex(sid) : WILDCARD);
    if (on.size === 0) this.bindings.delete(port);
  }

  isBound(sid: Sid | undefined, port: number): boolean {
    return this.hasBinding(sid ? toHex(sid) : WILDCARD, port);
  }

  private hasBinding(key: string, port: number): boolean {
    const on = this.bindings.get(port);
    return on !== undefined && on.has(key);
  }

  /** Queue an MDP datagram. Unicast is authcrypted unless noCrypt (then signed
   * unless noSign); broadcasts must be noCrypt (signed or plain). */
  send(now: number, req: SendRequest): SendResult {
    this.lastNow = now;
    const src = req.srcSid ? this.localOf(req.srcSid) : this.identities[0];
    if (!src) return { ok: false, error: "no-identity" };
    const ttl = req.ttl ? req.ttl : C.TTL_DEFAULT;
    if (ttl < 0 || ttl > C.TTL_MAX) return { ok: false, error: "bad-ttl" };
    // Local delivery gets the TTL as asked, 0 included (servald defaults it only
    // for the network): `mdp ping` shows hops=64 for the node's own echo reply.
    const localTtl = req.ttl ?? 0;
    if (!(req.srcPort >= 0 && req.dstPort >= 0 && req.srcPort <= 0x7fffffff && req.dstPort <= 0x7fffffff)) return { ok: false, error: "bad-port" };
    if (req.payload.length > C.MDP_MAX_DATA) return { ok: false, error: "too-big" };
    const broadcast = !req.dstSid || bytesEqual(req.dstSid, SID_BROADCAST);
    const mode: PayloadMode = req.noCrypt ? (req.noSign ? "plain" : "signed") : "ciphered";
    if (broadcast && mode === "ciphered") return { ok: false, error: "crypt-broadcast" };
    if (this.ifaces.size === 0 && broadcast) return { ok: false, error: "no-interface" };
    const qos = req.qos ? req.qos & 3 : C.OQ_ORDINARY;
    this.stats.datagramsSent++;
    if (broadcast) {
      const plain = this.plaintext(req.dstPort, req.srcPort, req.payload);
      const payload = sealMdpPayload(this.crypto, mode === "plain" ? "plain" : "signed", plain, { source: src });
      // Deliver to our own bindings too (servald delivers broadcasts locally).
      this.deliverPlain(now, SID_BROADCAST, src.sid, plain, mode, localTtl, qos, true);
      this.enqueueBroadcast(now, src.sid, payload, mode, ttl, qos, TYPE_DATA);
    } else {
      const local = this.localOf(req.dstSid!);
      if (local) {
        const plain = this.plaintext(req.dstPort, req.srcPort, req.payload);
        this.deliverPlain(now, local.sid, src.sid, plain, mode, localTtl, qos, false);
      } else {
        // Sealing a ciphered payload copies it: the plaintext may stay in the scratch writer.
        const plain = mode === "ciphered" ? this.plaintextView(req.dstPort, req.srcPort, req.payload)
          : this.plaintext(req.dstPort, req.srcPort, req.payload);
        const payload = sealMdpPayload(this.crypto, mode, plain, { source: src, destinationSid: req.dstSid });
        // a small-order SID: no key to cipher for (crypto_box_beforenm refuses it)
        if (payload === undefined) return { ok: false, error: "bad-destination" };
        const dst = this.subs.add(req.dstSid!);
        this.enqueueRouted(now, src.sid, dst.sid, payload, mode, ttl, qos, TYPE_DATA, true);
      }
    }
    this.service(now);
    return { ok: true };
  }

  // ------------------------------------------------------------------ B: inputs

  handleTimeout(now: number): void {
    this.lastNow = now;
    this.service(now);
  }

  /** The platform's sendto() failed: count and log it. Never a reason to forget
   * a neighbour or reset the interface (per-hop retransmission covers the loss). */
  notifySendFailed(ifIndex: number, to: string, errno: number): void {
    this.stats.sendFailures++;
    this.log("debug", `sendto ${to} on interface ${ifIndex} failed, errno ${errno}`);
  }

  handlePacket(now: number, ifIndex: number, from: string, bytes: Uint8Array): void {
    this.busy = true;
    try {
      this.receivePacket(now, ifIndex, from, bytes);
    } finally {
      this.busy = false;
    }
    this.service(now);
  }

  private receivePacket(now: number, ifIndex: number, from: string, bytes: Uint8Array): void {
    this.lastNow = now;
    this.stats.packetsIn++;
    const iface = this.ifaces.get(ifIndex);
    if (!iface) { this.stats.packetsDropped++; return; }
    const pkt = decodePacket(bytes, this.subs);
    const env = pkt.envelope;
    if (env.version < 0) {
      this.stats.packetsDropped++;
      this.log("debug", `bad packet from ${from}: ${pkt.error ?? "?"}`);
      return;
    }
    const t = env.transmitter;
    if (!t) {
      // Unknown abbreviated transmitter: ask who it is, on broadcast and back to the sender.
      this.stats.unknownTransmitter++;
      if (env.transmitterPrefix) this.sendExplainRequest(now, iface, from, undefined, pkt.unresolved);
      return;
    }
    const tsub = this.subs.add(t);
    if (tsub.local) return; // our own packet echoed back
    let n = this.nt.byHex.get(tsub.hex);
    if (!n) {
      if (this.nt.size >= this.limits.neighbours) {
        if (!this.nt.evict(now)) { this.stats.packetsDropped++; this.stats.neighboursRefused++; return; }
        this.routesDirty = true;
      }
      n = newNeighbour(tsub, now);
      this.nt.byHex.set(tsub.hex, n);
      this.log("debug", `new neighbour ${tsub.hex} on ${iface.name} via ${from}`);
    }
    const timeout = reachableTimeout(n, iface.tickMs);
    let link = findLinkIn(n, iface, env.interfaceIndex, env.unicast);
    if (!link) {
      link = { iface, theirIf: env.interfaceIndex, unicast: env.unicast, address: from, window: new SeqWindow64(), lastRxAt: -1e9, unacked: 0, dupRun: 0 };
      n.linksIn.push(link);
    }
    link.address = from;
    this.nt.createOutLinks(n, iface, from, now, timeout);
    if (link.lastRxAt + timeout < now) {
      this.ackSoon(n, now + 10); // a link came (back) up: tell the neighbour soon
      this.routesDirty = true;
    }
    if (env.linkSeq >= 0) {
      const r = link.window.receive(env.linkSeq);
      if (r === SEQ_NEW) {
        link.dupRun = 0;
      } else if (++link.dupRun >= C.RESTART_DUP_PACKETS) {
        // Only late or repeated sequences, several in a row: the neighbour restarted with a
        // sequence inside our window (reordering gives one late packet, not a run). Start over,
        // or our ACKs would never cover its new packets. Its frame sequences started
        // over too: a new frame whose sequence we saw before it restarted would be
        // dropped as a retransmission (after its packet was ACKed: lost).
        this.stats.linkResets++;
        link.window.reset();
        link.window.receive(env.linkSeq);
        link.dupRun = 0;
        n.frameWindow.reset();
        n.frameDupPlain = 0;
        n.frameLate = 0;
      } else if (r === SEQ_DUP) {
        this.stats.duplicatePackets++;
        return;
      }
      const missed = link.window.missed;
      if (missed >= 64) n.frameWindow.reset(); // a jump past the window: maybe a restart too
      n.rxLoss = n.rxLoss * 0.95 + 0.05 * (missed / (missed + 1));
      link.lastRxAt = now;
      // Only the link we ACK matters (ACK records cover one link-in, PROTOCOL.md 6.3).
      if (link === bestLinkIn(n, now, timeout)) {
        link.unacked++;
        if (missed > 0) this.ackSoon(n, now + C.ACK_GAP_DELAY_MS); // a gap: NACK promptly
        if (link.unacked >= C.ACK_WINDOW) this.ackSoon(n, now);
      }
    }
    link.lastRxAt = now;
    this.noteHeard(n, now);

    for (const f of pkt.frames) this.receiveFrame(now, iface, n, from, f);
    if (pkt.unresolved.length > 0) this.sendExplainRequest(now, iface, from, n, pkt.unresolved);
  }

  /** Track n's packet gaps; a silent neighbour heard again is routed through again. */
  private noteHeard(n: Neighbour, now: number): void {
    const g = this.gapMax.get(n);
    if (!g) {
      if (this.gapMax.size >= this.limits.neighbours * 2) this.gapMax.clear();
      this.gapMax.set(n, { at: now, gap: 0 });
    } else {
      // Slow decay (half-life ~70 packets): a neighbour once seen stalled (a busy
      // CPU) keeps a longer silence limit for a while instead of flapping routes.
      g.gap = Math.max(now - g.at, g.gap * 0.99);
      g.at = now;
    }
    if (this.silent.has(n)) this.routesDirty = true;
  }

  // ------------------------------------------------------------------ D: outputs

  pollTransmit(): Transmit | undefined {
    return this.tx.outbox.shift();
  }

  pollDelivery(): Delivery | undefined {
    return this.deliveries.shift();
  }

  /** Next time handleTimeout should be called, or undefined if never. */
  pollTimeout(): number | undefined {
    if (this.tx.outbox.length > 0) return this.lastNow;
    let t = Math.min(this.advertDueAt, this.nextExpiryAt, this.nextFullAdvertAt, this.silentCheckAt);
    if (this.routesDirty) t = Math.min(t, this.lastRecomputeAt + C.ROUTE_RECOMPUTE_MIN_MS);
    for (const i of this.ifaces.values()) t = Math.min(t, i.nextTickAt);
    for (const n of this.nt.byHex.values()) t = Math.min(t, n.ackDueAt);
    t = Math.min(t, this.tx.nextDue);
    if (this.ifaces.size === 0) t = Math.min(t, this.nextExpiryAt);
    return t === Infinity ? undefined : Math.max(t, this.lastNow);
  }

  // ------------------------------------------------------------------ A: getters

  /** Neighbours and other reachable nodes, for `id peers`. */
  peers(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const r of this.routeTable.values()) {
      if (r.reachable === REACHABLE_NONE) continue;
      out.push({ sid: r.sid, reachable: r.reachable, hops: r.hops, nextHop: r.nextHop?.sub.sid });
    }
    return out;
  }

  /** Every known route including our own identities (SELF), for `route print`. */
  routes(): RouteInfo[] {
    const out: RouteInfo[] = [];
    for (const id of this.identities) {
      out.push({ sid: id.sid, reachable: REACHABLE_SELF, hops: 0, nextHop: undefined, priorHop: undefined, ifIndex: undefined, dropRate: 0 });
    }
    for (const r of this.routeTable.values()) {
      out.push({
        sid: r.sid, reachable: r.reachable, hops: r.hops,
        nextHop: r.nextHop?.sub.sid,
        priorHop: r.reachable === REACHABLE_NONE ? undefined : (r.priorHex === this.primaryHex ? this.primarySid : this.subs.getHex(r.priorHex)?.sid),
        ifIndex: r.nextHop?.chosen?.dest.iface.index,
        dropRate: r.dropRate,
      });
    }
    return out;
  }

  /** Remember a SID so abbreviations of it resolve (e.g. from config or a previous run). */
  learnSid(sid: Sid): void {
    this.subs.add(sid);
  }

  /** The signing key learnt for a SID (keymap or SIGNKEY address), if any. */
  signKeyOf(sid: Sid): Uint8Array | undefined {
    return this.subs.get(sid)?.signKey;
  }

  /** Sizes of every table and queue (all capped; for status and memory checks). */
  tableSizes(): { neighbours: number; destinations: number; routes: number; subscribers: number; queued: number; deliveries: number } {
    return {
      neighbours: this.nt.size, destinations: this.nt.destCount, routes: this.routeTable.size,
      subscribers: this.subs.size, queued: this.queue.length, deliveries: this.deliveries.length,
    };
  }

  /** Frames local clients sent that wait (routed, not yet on the wire). The
   * daemon stops reading its client socket while this is high, so a fast
   * sender (an MSP stream) waits in its own process instead of building a
   * queue here that would delay everything behind it by seconds. */
  get clientBacklog(): number {
    return this.queue.localBacklog;
  }

  /** Number of frames queued for transmission (for tests and status). */
  get queuedFrames(): number {
    return this.queue.length;
  }

  // ------------------------------------------------------------------ receive path

  /** One of our identities? (an index lookup: no hex string per frame) */
  private isLocal(sid: Sid): boolean {
    return this.subs.get(sid)?.local === true;
  }

  private localOf(sid: Sid): Identity | undefined {
    const s = this.subs.get(sid);
    return s?.local ? this.localByHex.get(s.hex) : undefined;
  }

  private receiveFrame(now: number, iface: Iface, n: Neighbour, from: string, f: FrameRepr): void {
    this.stats.framesIn++;
    if (f.invalid || !f.source) { this.stats.framesDropped++; return; }
    if (this.isLocal(f.source)) return; // our own frame, relayed back
    const toMe = f.destination !== undefined && this.isLocal(f.destination);
    const nextHopMe = f.destination !== undefined && (f.oneHop ? toMe : f.nextHop !== undefined && this.isLocal(f.nextHop));
    // ACK_SOON: the transmitter waits for our ACK before it retransmits.
    if (f.ackSoon && (nextHopMe || f.destination === undefined)) this.ackSoon(n, now + C.ACK_SOON_DELAY_MS);
    if (f.seq >= 0) {
      const fp = frameFingerprint(f.type, f.payload);
      let r = n.frameWindow.receive(f.seq);
      if (r === SEQ_DUP && n.frameFp[f.seq & 0xff] !== fp) {
        // A sequence we saw, with other content: not a retransmission. The neighbour
        // restarted and its new sequences landed inside our window (dropping this
        // frame as a duplicate would lose it: its packet is ACKed).
        this.stats.peerRestarts++;
        this.log("debug", `neighbour ${n.sub.hex} restarted (frame content)`);
        n.frameWindow.reset();
        n.frameWindow.receive(f.seq);
        r = SEQ_NEW;
      }
      n.frameFp[f.seq & 0xff] = fp;
      if (r === SEQ_NEW) {
        n.frameDupPlain = 0;
        n.frameLate = 0;
      } else if (r === SEQ_LATE) {
        n.frameLate++;
      } else {
        this.stats.duplicateFrames++;
        // Retransmissions (ACK_SOON) repeat legitimately; other duplicates with no newer
        // frame in between mean the neighbour restarted with a sequence inside our window.
        if (f.ackSoon) return;
        n.frameDupPlain++;
        if (n.frameDupPlain < C.RESTART_DUP_FRAMES && n.frameDupPlain + n.frameLate < C.RESTART_DUP_RUN) return;
        this.stats.peerRestarts++;
        this.log("debug", `neighbour ${n.sub.hex} restarted (frame sequences)`);
        n.frameWindow.reset();
        n.frameWindow.receive(f.seq);
        n.frameDupPlain = 0;
        n.frameLate = 0;
      }
    }
    let ttl = f.oneHop ? 1 : f.ttl;
    if (ttl > 0) ttl--;

    if (f.destination === undefined) {
      if (!f.oneHop && f.broadcastId && this.bpi.checkAndRemember(f.broadcastId)) { this.stats.duplicateFrames++; return; }
      if (f.type === TYPE_PLEASEEXPLAIN) { this.receiveExplain(now, iface, from, n, f.source, f.payload); return; }
      if (f.type !== TYPE_DATA) return;
      if (!f.oneHop && ttl > 0 && f.broadcastId) {
        this.stats.framesForwarded++;
        this.enqueueBroadcastForward(now, f, ttl);
      }
      this.deliverFrame(now, f, ttl, n);
      return;
    }
    if (toMe) {
      if (f.type === TYPE_PLEASEEXPLAIN) { this.receiveExplain(now, iface, from, n, f.source, f.payload); return; }
      if (f.type === TYPE_DATA) this.deliverFrame(now, f, ttl, n);
      return;
    }
    if (!f.oneHop && nextHopMe) {
      if (ttl === 0) { this.stats.ttlExpired++; return; }
      if (f.payload.length >= C.MDP_OVERLAY_MTU) { this.stats.framesDropped++; return; }
      this.stats.framesForwarded++;
      const fwd: FrameRepr = {
        source: this.subs.add(f.source).sid, destination: this.subs.add(f.destination).sid,
        nextHop: undefined, broadcastId: undefined, ttl, queue: f.queue, oneHop: false,
        ciphered: f.ciphered, signed: f.signed, ackSoon: false, type: f.type, seq: -1,
        payload: f.payload.slice(), invalid: false,
      };
      this.addRouted(now, fwd, true);
    }
  }

  /** Open, check and dispatch a DATA frame addressed to us (or broadcast). */
  private deliverFrame(now: number, f: FrameRepr, ttl: number, n: Neighbour): void {
    const source = f.source!;
    const ssub = this.subs.add(source);
    const dest = f.destination ? this.localOf(f.destination) : undefined;
    const flags = (f.ciphered ? 0x10 : 0) | (f.signed ? 0x20 : 0);
    if (f.ciphered && !f.destination) { this.stats.framesDropped++; return; } // never valid
    const opened = openMdpPayload(this.crypto, flags, f.payload, {
      sourceSid: ssub.sid, destination: dest, sourceSignPublic: ssub.signKey,
    });
    if (!opened.ok) {
      this.stats.cryptoFailures++;
      this.log("debug", `frame from ${ssub.hex} dropped: ${opened.reason}`);
      if (opened.reason === "need-sign-key") requestSignKey(this.host, now, ssub);
      return;
    }
    const mode: PayloadMode = f.ciphered ? "ciphered" : f.signed ? "signed" : "plain";
    this.deliverPlain(now, dest ? dest.sid : SID_BROADCAST, ssub.sid, opened.plain, mode, ttl, f.queue, !f.destination, n);
  }

  private deliverPlain(
    now: number, localSid: Sid, remoteSid: Sid, plain: Uint8Array, mode: PayloadMode,
    ttl: number, qos: number, broadcast: boolean, n?: Neighbour,
  ): void {
    let msg;
    try {
      msg = decodeMdpMessage(plain);
    } catch {
      this.stats.framesDropped++;
      return;
    }
    const { dstPort, srcPort, data } = msg;
    if (dstPort === PORT_LINKSTATE) {
      if (n && mode === "plain") this.receiveLinkState(now, n, remoteSid, data);
      return;
    }
    const on = this.bindings.get(dstPort);
    const bound = on !== undefined && (on.has(WILDCARD) ||
      (broadcast ? [...this.localByHex.keys()].some((h) => on.has(h)) : on.has(this.subs.get(localSid)?.hex ?? toHex(localSid))));
    if (bound) {
      if (this.deliveries.length >= C.DELIVERY_QUEUE_MAX) { this.deliveries.shift(); this.stats.deliveryDrops++; }
      this.deliveries.push({
        localSid: broadcast ? SID_BROADCAST : localSid, localPort: dstPort, remoteSid: remoteSid.slice(), remotePort: srcPort,
        payload: data.slice(), noCrypt: mode !== "ciphered", noSign: mode === "plain", ttl, qos,
      });
      this.stats.datagramsDelivered++;
      return;
    }
    if (dstPort === PORT_KEYMAPREQUEST) { handleKeymap(this.host, now, localSid, remoteSid, srcPort, data, broadcast); return; }
    if (dstPort === PORT_ECHO) { handleEcho(this.host, now, localSid, remoteSid, srcPort, data, broadcast, qos); return; }
    this.stats.unboundDrops++;
  }

  // ------------------------------------------------------------------ services

  /** Please-explain (legacy type 0x60): learn what we are told, answer what we know. */
  private receiveExplain(now: number, iface: Iface, from: string, n: Neighbour, source: Sid, payload: Uint8Array): void {
    const e = decodeExplain(payload);
    if (e.requests.length > 0 || e.explainYourself) iface.fullSidsUntil = now + C.EXPLAIN_FULL_SIDS_MS; // abbreviation.ts
    for (const s of e.sids) this.subs.add(s);
    for (const k of e.signKeys) {
      const sid = this.crypto.sidFromSignKey(k);
      if (sid) this.subs.learnSignKey(sid, k);
    }
    const answers = explainAnswers(e, this.subs, this.primarySid, now, C.EXPLAIN_REPLY_INTERVAL_MS, (hex) => {
      const r = this.routeTable.get(hex);
      if (r) { markChanged(r, now); this.scheduleAdvert(now); } // servald's link_explained
    });
    if (answers.length === 0) return;
    this.stats.explainsAnswered++;
    this.sendToNeighbourOrRoute(now, source, encodeExplain([], answers), TYPE_PLEASEEXPLAIN, iface, from, n);
  }

  /** Ask about prefixes we could not resolve (PROTOCOL.md 3.3). */
  private sendExplainRequest(now: number, iface: Iface, from: string, n: Neighbour | undefined, prefixes: Uint8Array[]): void {
    const asks = this.explainLimiter.filter(prefixes, now).slice(0, 16);
    // An empty marker stands for a P2P_ME we cannot resolve: "explain yourself" (0xFD).
    const yourself = prefixes.some((p) => p.length === 0);
    if (asks.length === 0 && !yourself) return;
    this.stats.explainsSent++;
    // With the SIDs we know that match (as servald): the sender learns its abbreviation was too short.
    const body = encodeExplain(asks, asks.flatMap((p) => this.subs.matching(p, 4).map((x) => x.sid)).slice(0, 8), yourself);
    const frame = this.controlFrame(undefined, body, TYPE_PLEASEEXPLAIN);
    if (n) {
      // The transmitter is known: ask it directly.
      this.sendToNeighbourOrRoute(now, n.sub.sid, body, TYPE_PLEASEEXPLAIN, iface, from, n);
      return;
    }
    this.addFixed(now, frame, iface.broadcast);
    this.addFixed(now, { ...frame }, this.nt.unicastDest(iface, from));
  }

  /** A one-hop frame to a neighbour over its chosen link, or all its live out-links,
   * or (not a neighbour) routed. */
  private sendToNeighbourOrRoute(now: number, to: Sid, body: Uint8Array, type: number, iface: Iface, from: string, n: Neighbour | undefined): void {
    const toHex_ = toHex(to);
    const nb = this.nt.byHex.get(toHex_);
    if (nb) {
      for (const d of this.nt.destsFor(nb, now)) this.addFixed(now, this.controlFrame(nb.sub.sid, body, type), d);
      return;
    }
    const r = this.routeTable.get(toHex_);
    if (r && r.reachable !== REACHABLE_NONE) {
      const f = this.controlFrame(this.subs.add(to).sid, body, type);
      f.ttl = C.TTL_DEFAULT;
      this.addRouted(now, f, false);
      return;
    }
    // Unknown sender: answer on the link it came from.
    void n;
    this.addFixed(now, this.controlFrame(undefined, body, type), iface.broadcast);
    this.addFixed(now, this.controlFrame(undefined, body, type), this.nt.unicastDest(iface, from));
  }

  // ------------------------------------------------------------------ link state

  private receiveLinkState(now: number, n: Neighbour, source: Sid, data: Uint8Array): void {
    if (!bytesEqual(source, n.sub.sid)) return; // link state describes its transmitter's links
    const ls = decodeLinkState(data, this.subs, n.sub.sid);
    noteNamed(n, ls.records, this.subs, this.limits.subscribers);
    // (hex from the address book: link state comes with every per-hop ACK)
    const fx = applyLinkRecords(n, ls.records, this.primaryHex, (h) => this.localByHex.has(h), now,
      (sid) => this.subs.get(sid)?.hex ?? toHex(sid), this.limits.routes);
    this.stats.routesRefused += fx.refused;
    for (const rec of fx.acks) this.receiveAckRecord(now, n, rec);
    if (ls.unresolved.length > 0) {
      const iface = n.chosen?.dest.iface ?? n.linksIn[0]?.iface;
      if (iface) this.sendExplainRequest(now, iface, n.linksIn[0]?.address ?? iface.broadcastAddress, n, ls.unresolved);
    }
    if (fx.changed) this.routesDirty = true;
  }

  /** "Neighbour n hears our interface i" (PROTOCOL.md 6.6), with an optional ACK. */
  private receiveAckRecord(now: number, n: Neighbour, rec: LinkRecordRepr): void {
    if (rec.interfaceIndex >= C.MAX_INTERFACES) return;
    const iface = this.ifaces.get(rec.interfaceIndex);
    if (!iface) return;
    const unicast = (rec.flags & LS_UNICAST) !== 0;
    let out = n.outLinks.find((o) => o.dest.iface === iface && o.dest.unicast === unicast);
    if (!out) {
      if (unicast) return;
      out = { dest: iface.broadcast, timeout: 0 };
      n.outLinks.push(out);
    }
    const timeout = reachableTimeout(n, iface.tickMs);
    const wasDirect = isDirect(n, now);
    out.timeout = now + timeout;
    n.linkInTimeout = now + timeout;
    if (n.chosen !== out) { n.chosen = out; this.routesDirty = true; }
    if (!wasDirect) this.routesDirty = true;
    if (rec.ackSeq >= 0) {
      const dest = out.dest;
      if (dest.ackSoon[rec.ackSeq & 0xff] && dest.sentAt[rec.ackSeq & 0xff] > 0) {
        sampleRtt(dest, now - dest.sentAt[rec.ackSeq & 0xff]);
        dest.ackSoon[rec.ackSeq & 0xff] = 0;
      }
      const res = this.queue.onAck(n, dest, rec.ackSeq, rec.ackMask, now, () => { this.stats.framesAcked++; });
      if (res.acked > 0) { dest.lastAckAt = now; dest.windowFullSince = -1; }
      this.stats.nacks += res.nacked;
      // Did it miss our last ACK to it? Then send another soon.
      if (n.lastAckDest === dest && n.lastAckSeq >= 0) {
        if (ackCovers(n.lastAckSeq, rec.ackSeq, rec.ackMask)) n.lastAckSeq = -1;
        else if (ackIsAfter(n.lastAckSeq, rec.ackSeq)) this.ackSoon(n, now + 10);
      }
      const drop = rec.dropRate >= 0 ? rec.dropRate : dropRateFromMask(ackMaskSinceStart(rec.ackSeq, rec.ackMask, dest));
      if (drop !== n.txDropRate) { n.txDropRate = drop; this.routesDirty = true; }
    } else if (rec.dropRate >= 0 && rec.dropRate !== n.txDropRate) {
      n.txDropRate = rec.dropRate;
      this.routesDirty = true;
    }
  }

  private ackSoon(n: Neighbour, at: number): void {
    if (at < n.ackDueAt) n.ackDueAt = at;
  }

  /** Link-state frames carrying `records` (one-hop, plain, from our primary SID) to `to`. */
  private linkStateFrames(records: LinkRecordRepr[], destination: Sid | undefined, to: Destination, now: number): FrameRepr[] {
    return packLinkState(this.pw, this.primarySid, records, this.tx.abbreviateFor?.(to, now)).map((p) => this.controlFrame(destination, p, TYPE_DATA));
  }

  /** SIDs in a packet to `dest` are abbreviated where all neighbours it reaches know them (abbreviation.ts). */
  private abbreviateFor(dest: Destination, now: number): Abbreviate {
    const knowers: Neighbour[] = [];
    if (now >= dest.iface.fullSidsUntil) {
      for (const n of this.nt.byHex.values()) {
        if (dest.unicast ? n.outLinks.some((o) => o.dest === dest) : n.linksIn.some((l) => l.iface === dest.iface && l.lastRxAt + reachableTimeout(n, l.iface.tickMs) >= now)) knowers.push(n);
      }
    }
    return abbreviator(this.subs, knowers);
  }

  private scheduleAdvert(now: number): void {
    const at = Math.max(now, this.lastAdvertAt + C.ADVERT_MIN_INTERVAL_MS);
    if (at < this.advertDueAt) this.advertDueAt = at;
  }

  // ------------------------------------------------------------------ the service loop

  /** Run everything due at `now`. Calls from inside a packet or another service
   * run (e.g. an echo reply sent while a frame is processed) are deferred to the
   * outer call, so state is never changed under an iteration. */
  private service(now: number): void {
    if (this.busy) return;
    this.busy = true;
    try {
      this.serviceNow(now);
    } finally {
      this.busy = false;
    }
  }

  private serviceNow(now: number): void {
    if (now >= this.nextExpiryAt) this.expire(now);
    if (now >= this.silentCheckAt) { this.routesDirty = true; this.silentCheckAt = Infinity; } // the recompute sets it again
    if (this.routesDirty && now >= this.lastRecomputeAt + C.ROUTE_RECOMPUTE_MIN_MS) this.recomputeRoutes(now);
    let tick = false;
    for (const iface of this.ifaces.values()) if (now >= iface.nextTickAt) tick = true;
    const full = now >= this.nextFullAdvertAt;
    // The advert records (the same on every interface): every route in a full
    // advert, else only the records a change still owes a send.
    let adverts: AdvertRecords = NO_ADVERTS;
    if (full || tick || now >= this.advertDueAt) {
      const a = advertRecords(now, full, this.primarySid, this.identities.slice(1), this.routeTable.values(), (h) => this.subs.getHex(h)?.sid);
      adverts = a;
      this.advertDueAt = a.nextDue;
      if (a.records.length > 0) this.lastAdvertAt = now;
      if (full) {
        this.lastFullAdvertAt = now;
        if (this.fullAdvertsOwed > 0) this.fullAdvertsOwed--;
        this.nextFullAdvertAt = now + (this.fullAdvertsOwed > 0 ? C.FULL_ADVERT_MIN_INTERVAL_MS : C.FULL_ADVERT_INTERVAL_MS);
      }
    }
    for (const iface of this.ifaces.values()) {
      const ifTick = now >= iface.nextTickAt;
      if (ifTick || adverts.records.length > 0) this.sendLinkStateOn(now, iface, adverts, ifTick);
    }
    for (const n of this.nt.byHex.values()) {
      if (n.ackDueAt <= now) this.sendAck(now, n);
    }
    this.tx.flush(now);
  }

  /** One link-state broadcast on an interface: on a tick, ACK records for its
   * neighbours; then the advert records due now. */
  private sendLinkStateOn(now: number, iface: Iface, adverts: AdvertRecords, tick: boolean): void {
    const records: LinkRecordRepr[] = [];
    let heard = 0;
    let only: Neighbour | undefined;
    for (const n of this.nt.byHex.values()) {
      const l = bestLinkIn(n, now, reachableTimeout(n, iface.tickMs));
      if (!l || l.iface !== iface) continue;
      heard++;
      only = n;
      if (acksByUnicast(n, now)) continue; // ACKed in the unicast tick below
      records.push(ackRecord(this.primarySid, n, l));
      l.unacked = 0;
    }
    const hasNeighbours = heard > 0;
    // Split horizon for refreshes on a link with one neighbour (see AdvertRecords).
    const horizon = heard === 1 ? only : undefined;
    for (let i = 0; i < adverts.records.length; i++) {
      if (horizon && adverts.refreshOnly[i] === horizon) continue;
      records.push(adverts.records[i]);
    }
    if (tick) iface.nextTickAt = now + (hasNeighbours || this.nt.byHex.size > 0 ? iface.tickMs : Math.max(iface.tickMs, C.IDLE_TICK_MS));
    const frames = this.linkStateFrames(records, undefined, iface.broadcast, now);
    if (frames.length === 0 && tick) {
      // Nothing to say: an envelope-only tick keeps us visible.
      this.tx.sendEmpty(now, iface.broadcast);
    }
    for (const f of frames) this.addFixed(now, f, iface.broadcast);
    if (!tick) return;
    // Unicast ticks keep each neighbour's unicast link-in to us alive. They carry
    // our ACK for a neighbour that hears our unicast (acksByUnicast), or that has
    // not heard us yet (the broadcast may not reach it): a neighbour that hears
    // only our unicast would otherwise lose our ACKs, and with them its link.
    for (const n of this.nt.byHex.values()) {
      const byUnicast = acksByUnicast(n, now);
      const direct = byUnicast || isDirect(n, now);
      for (const o of n.outLinks) {
        if (o.dest.iface !== iface || !o.dest.unicast) continue;
        // (An ACK that went to it within half a tick, e.g. riding with data, will do.)
        const ackHere = byUnicast ? o === n.chosen && now - n.lastAckSentAt >= iface.tickMs / 2 : !direct && o.timeout >= now;
        if (ackHere && this.sendAckTo(now, n, [o.dest], false)) continue;
        if (o.dest.lastTxAt + iface.tickMs <= now) this.tx.sendEmpty(now, o.dest);
      }
    }
  }

  /** An ACK to one neighbour now (a gap, ACK_SOON, or its link just came up). */
  private sendAck(now: number, n: Neighbour): void {
    n.ackDueAt = Infinity;
    this.sendAckTo(now, n, this.nt.destsFor(n, now), true);
  }

  /** Our ACK record for n to `dests`; false if we hear no live link from n.
   * `addressed`: the frame names n as its destination when n is direct (else,
   * like the broadcast tick, none: 33 bytes less on every unicast tick). */
  private sendAckTo(now: number, n: Neighbour, dests: readonly Destination[], addressed: boolean): boolean {
    const rec = this.ackRecordFor(now, n);
    if (!rec) return false;
    this.noteAckSent(n);
    const to = addressed && isDirect(n, now) ? n.sub.sid : undefined;
    for (const d of dests) {
      for (const f of this.linkStateFrames([rec], to, d, now)) {
        const tx = this.addFixed(now, f, d);
        tx.ackFor = n;
      }
    }
    return true;
  }

  /** The ACK owed to n (not yet due) as one frame, to ride in a packet already
   * going to n: the transmitter calls this, then ackRode if it fitted. */
  private owedAckFrame(now: number, n: Neighbour, dest: Destination): FrameRepr | undefined {
    if (n.ackDueAt === Infinity) return undefined;
    const rec = this.ackRecordFor(now, n);
    if (!rec) return undefined;
    const frames = this.linkStateFrames([rec], isDirect(n, now) ? n.sub.sid : undefined, dest, now);
    return frames.length === 1 ? frames[0] : undefined;
  }

  private ackRode(n: Neighbour): void {
    n.ackDueAt = Infinity;
    this.noteAckSent(n);
    this.stats.acksPiggybacked++;
  }

  /** The ACK record for n's best link in to us, if it has one. */
  private ackRecordFor(now: number, n: Neighbour): LinkRecordRepr | undefined {
    const link = bestLinkIn(n, now, reachableTimeout(n, n.linksIn[0]?.iface.tickMs ?? C.TICK_MS));
    return link ? ackRecord(this.primarySid, n, link) : undefined;
  }

  private noteAckSent(n: Neighbour): void {
    for (const l of n.linksIn) l.unacked = 0;
    n.lastAckSentAt = this.lastNow;
    this.stats.acksSent++;
  }

  private *fixedDests(): Iterable<Destination> {
    for (const f of this.queue.fixed) yield f.fixed!;
  }

  private expire(now: number): void {
    const r = this.nt.expire(now);
    if (r.changed) this.routesDirty = true;
    this.nextExpiryAt = r.next;
  }

  private recomputeRoutes(now: number): void {
    this.routesDirty = false;
    this.lastRecomputeAt = now;
    const wasDirect = new Set<Neighbour>();
    for (const n of this.nt.byHex.values()) if (n.wasReachable) wasDirect.add(n);
    this.silent.clear();
    let check = Infinity;
    const changed = computeRoutes(
      this.routeTable, this.nt.byHex.values(), this.primaryHex, now,
      (hex) => this.subs.getHex(hex)?.sid ?? this.nt.byHex.get(hex)?.sub.sid,
      (hex) => this.localByHex.has(hex),
      (n) => {
        const until = lastHeard(n) + silenceLimit(n.linksIn[0]?.iface.tickMs ?? C.TICK_MS, this.gapMax.get(n)?.gap ?? 0, n.rxLoss);
        if (until < now) { this.silent.add(n); return false; }
        check = Math.min(check, until + 1);
        return true;
      },
      this.limits.routes, () => { this.stats.routesRefused++; },
    );
    this.silentCheckAt = check;
    for (const n of this.gapMax.keys()) if (!this.nt.byHex.has(n.sub.hex)) this.gapMax.delete(n);
    // Expiry must re-run when a direct neighbour's link times out.
    this.nextExpiryAt = Math.min(this.nextExpiryAt, now + 1);
    for (const n of this.nt.byHex.values()) {
      if (n.wasReachable && !wasDirect.has(n)) {
        this.log("debug", `neighbour ${n.sub.hex} reachable`);
        // Tell it every route we have, now and twice more in case of loss (full
        // adverts stay FULL_ADVERT_MIN_INTERVAL_MS apart, however many neighbours come).
        this.fullAdvertsOwed = C.NEW_NEIGHBOUR_FULL_ADVERTS;
        this.nextFullAdvertAt = Math.min(this.nextFullAdvertAt, Math.max(now, this.lastFullAdvertAt + C.FULL_ADVERT_MIN_INTERVAL_MS));
        // A full advert went out moments ago (another neighbour came): the next is
        // up to FULL_ADVERT_MIN_INTERVAL_MS away, so send every route once now.
        if (this.nextFullAdvertAt > now) for (const r of this.routeTable.values()) if (r.advertOwed === 0) { r.advertOwed = 1; r.advertSentAt = -1e9; r.advertGap = 0; }
        this.scheduleAdvert(now);
        if (!n.sub.signKey) requestSignKey(this.host, now, n.sub);
      }
    }
    if (!changed) return;
    this.stats.routeChanges++;
    this.scheduleAdvert(now);
    // Frames waiting for a route are looked at again by the next flush.
  }

  // ------------------------------------------------------------------ transmit path

  private plaintext(dstPort: number, srcPort: number, data: Uint8Array): Uint8Array {
    return this.plaintextView(dstPort, srcPort, data).slice();
  }

  /** Ports + data in the reused writer: valid until the next plaintext. */
  private plaintextView(dstPort: number, srcPort: number, data: Uint8Array): Uint8Array {
    const w = this.pw;
    w.reset();
    encodePorts(w, dstPort, srcPort);
    w.bytes(data);
    return w.view();
  }

  private controlFrame(destination: Sid | undefined, payload: Uint8Array, type: number): FrameRepr {
    return {
      source: this.primarySid, destination, nextHop: undefined, broadcastId: undefined,
      ttl: 1, queue: C.OQ_MESH_MANAGEMENT, oneHop: true, ciphered: false, signed: false,
      ackSoon: false, type, seq: -1, payload, invalid: false,
    };
  }

  private newTx(now: number, frame: FrameRepr): TxFrame {
    return {
      frame, finalHex: undefined, fixed: undefined, reliable: false, enqueuedAt: now,
      deadline: now + this.frameDeadlineMs, txCount: 0, nextTxAt: now, seq16: -1,
      sentDest: undefined, sentTo: undefined, sentLinkSeq: -1, ackFor: undefined, local: false,
    };
  }

  private addFixed(now: number, frame: FrameRepr, dest: Destination): TxFrame {
    const tx = this.newTx(now, frame);
    tx.fixed = dest;
    tx.deadline = now + C.SERVAL_REACHABLE_TIMEOUT_MS;
    this.queue.add(tx);
    return tx;
  }

  private addRouted(now: number, frame: FrameRepr, reliable: boolean, local = false): void {
    const tx = this.newTx(now, frame);
    tx.finalHex = this.subs.add(frame.destination!).hex;
    tx.reliable = reliable;
    tx.local = local;
    this.queue.add(tx);
  }

  private enqueueRouted(now: number, src: Sid, dst: Sid, payload: Uint8Array, mode: PayloadMode, ttl: number, qos: number, type: number, reliable: boolean): void {
    this.addRouted(now, {
      source: src, destination: dst, nextHop: undefined, broadcastId: undefined, ttl, queue: qos,
      oneHop: false, ciphered: mode === "ciphered", signed: mode !== "plain", ackSoon: false,
      type, seq: -1, payload, invalid: false,
    }, reliable, true);
  }

  private newBroadcastId(): Uint8Array {
    for (;;) {
      const id = this.random(C.BROADCAST_ID_LEN).slice(0, C.BROADCAST_ID_LEN);
      if (id.some((b) => b !== 0)) return id; // all-zero ids are always dropped (PROTOCOL.md 9.4)
    }
  }

  private enqueueBroadcast(now: number, src: Sid, payload: Uint8Array, mode: PayloadMode, ttl: number, qos: number, type: number): void {
    const multiHop = ttl > 1;
    const id = multiHop ? this.newBroadcastId() : undefined;
    if (id) this.bpi.checkAndRemember(id);
    for (const iface of this.ifaces.values()) {
      this.addFixed(now, {
        source: src, destination: undefined, nextHop: undefined, broadcastId: id, ttl, queue: qos,
        oneHop: !multiHop, ciphered: false, signed: mode === "signed", ackSoon: false, type, seq: -1,
        payload, invalid: false,
      }, iface.broadcast);
    }
  }

  private enqueueBroadcastForward(now: number, f: FrameRepr, ttl: number): void {
    const payload = f.payload.slice();
    const src = this.subs.add(f.source!).sid;
    for (const iface of this.ifaces.values()) {
      this.addFixed(now, {
        source: src, destination: undefined, nextHop: undefined,
        broadcastId: ttl > 1 ? f.broadcastId!.slice() : undefined, ttl, queue: f.queue, oneHop: ttl <= 1,
        ciphered: false, signed: f.signed, ackSoon: false, type: f.type, seq: -1, payload, invalid: false,
      }, iface.broadcast);
    }
  }
}
