// A deterministic in-process network of MeshNodes (quinn-proto's Pair/step/drive
// style, generalised to N nodes). One virtual clock, one seeded PRNG; links are
// broadcast domains with per-link loss and delay; each node's interface on a
// link has an address "<node>@<link>" and the link's broadcast address is
// "bcast@<link>". Nodes are driven only through pollTimeout / handleTimeout /
// pollTransmit / handlePacket, exactly as the daemon glue drives them.
import { MeshNode, type Delivery, type MeshNodeOptions } from "../../src/mdp/node";
import { identityFromSeed } from "../../src/crypto/identity";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import type { Identity } from "../../src/crypto/types";
import { prng } from "./prng";

export interface SimLink {
  name: string;
  members: { node: SimNode; ifIndex: number; address: string }[];
  /** Probability that a packet is lost, independently per receiver. */
  loss: number;
  delayMs: number;
  /** Uniform extra delay 0..jitterMs. */
  jitterMs: number;
  up: boolean;
  /** Optional rate cap in bit/s per sender (a serialising transmit queue, as tbf). */
  rateBps: number;
  /** With a rate cap: packets a sender may have waiting; more are tail-dropped. */
  queuePackets: number;
  /** Per sender address: when its transmit queue is empty again, and its queued departures. */
  busy: Map<string, number[]>;
}

/** How a packet was addressed: to the link's broadcast address or to one node. */
export type PacketKind = "broadcast" | "unicast";

/** Loss at a receiver, for one direction and/or kind of packet (as an nft rule
 * in the receiver's prerouting chain): packets to `to` (from `from`, on `link`,
 * of `kind`; unset = any) are lost with probability `loss`. */
export interface RxLossRule {
  to: SimNode;
  from?: SimNode;
  kind?: PacketKind;
  link?: SimLink;
  loss: number;
}

export interface SimNode {
  name: string;
  identity: Identity;
  node: MeshNode;
  running: boolean;
  /** Deliveries to the application, in arrival order. */
  inbox: Delivery[];
  /** Collected log lines (only when logging is enabled). */
  logs: string[];
  nextIf: number;
}

interface Arrival {
  at: number;
  seq: number;
  to: SimNode;
  ifIndex: number;
  from: string;
  bytes: Uint8Array;
}

/** Binary min-heap of arrivals ordered by (at, seq). */
class ArrivalHeap {
  private a: Arrival[] = [];
  get size(): number { return this.a.length; }
  peek(): Arrival | undefined { return this.a[0]; }
  private less(i: number, j: number): boolean {
    const x = this.a[i], y = this.a[j];
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
  push(v: Arrival): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): Arrival | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(l, m)) m = l;
        if (r < a.length && this.less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

export interface SimOptions {
  seed?: number;
  /** Keep node logs (debug) in SimNode.logs. */
  logs?: boolean;
  nodeOptions?: Partial<MeshNodeOptions>;
}

export class SimNet {
  time = 0;
  readonly rng: () => number;
  readonly nodes: SimNode[] = [];
  readonly links: SimLink[] = [];
  private readonly arrivals = new ArrivalHeap();
  private arrivalSeq = 0;
  private readonly byAddress = new Map<string, { link: SimLink; node: SimNode; ifIndex: number }>();
  /** Packets handed to the network / lost by it. */
  sent = 0;
  lost = 0;
  /** Packets tail-dropped by a rate-capped link's transmit queue. */
  queueDropped = 0;
  /** Packets lost to an RxLossRule (also counted in `lost`). */
  ruleDropped = 0;
  /** Per-receiver loss rules (dropAt); checked after the link's own loss. */
  readonly rxRules: RxLossRule[] = [];
  /** Called with every packet a running node transmits (before loss). */
  tap: ((from: SimNode, to: string, bytes: Uint8Array) => void) | undefined;
  private spins = 0;

  constructor(private readonly opts: SimOptions = {}) {
    this.rng = prng(opts.seed ?? 1);
  }

  randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.rng() * 256);
    return out;
  }

  /** A node with a fresh identity (from the seeded PRNG); not running until start(). */
  addNode(name: string, identity?: Identity, extraIdentities: Identity[] = []): SimNode {
    const id = identity ?? identityFromSeed(this.randomBytes(32));
    const crypto = createNaclCrypto((n) => this.randomBytes(n));
    const sn: SimNode = { name, identity: id, node: undefined as unknown as MeshNode, running: false, inbox: [], logs: [], nextIf: 1 };
    sn.node = new MeshNode({
      identities: [id, ...extraIdentities], crypto, now: this.time,
      random: (n) => this.randomBytes(n),
      log: this.opts.logs ? (lvl, msg) => { sn.logs.push(`${this.time} ${lvl} ${msg}`); } : undefined,
      ...this.opts.nodeOptions,
    });
    this.nodes.push(sn);
    return sn;
  }

  /** A broadcast domain joining `members`; each gets a new interface on it. */
  link(name: string, members: SimNode[], loss = 0, delayMs = 5, jitterMs = 1): SimLink {
    const l: SimLink = { name, members: [], loss, delayMs, jitterMs, up: true, rateBps: 0, queuePackets: 0, busy: new Map() };
    for (const node of members) {
      const ifIndex = node.nextIf++;
      const address = `${node.name}@${name}`;
      l.members.push({ node, ifIndex, address });
      this.byAddress.set(address, { link: l, node, ifIndex });
      node.node.addInterface({ index: ifIndex, name: `${name}`, broadcastAddress: `bcast@${name}` });
    }
    this.byAddress.set(`bcast@${name}`, { link: l, node: undefined as unknown as SimNode, ifIndex: -1 });
    this.links.push(l);
    return l;
  }

  /** A line n0 - n1 - ... with one link per adjacent pair. */
  line(names: string[], loss = 0, delayMs = 5): SimNode[] {
    const nodes = names.map((n) => this.addNode(n));
    for (let i = 0; i + 1 < nodes.length; i++) this.link(`${names[i]}${names[i + 1]}`, [nodes[i], nodes[i + 1]], loss, delayMs);
    return nodes;
  }

  start(n: SimNode): void {
    n.running = true;
    n.node.handleTimeout(this.time);
    this.drain(n);
  }

  /** Stop a node: it neither sends nor receives (a crash). */
  stop(n: SimNode): void {
    n.running = false;
  }

  private drain(n: SimNode): void {
    for (;;) {
      const t = n.node.pollTransmit();
      if (!t) break;
      if (!n.running) continue;
      this.sent++;
      this.tap?.(n, t.to, t.bytes);
      const dst = this.byAddress.get(t.to);
      if (!dst || !dst.link.up) { this.lost++; continue; }
      const link = dst.link;
      const me = link.members.find((m) => m.node === n);
      if (!me || me.ifIndex !== t.ifIndex) { this.lost++; continue; }
      let departAt = this.time;
      if (link.rateBps > 0) {
        // Serialise at the link rate behind this sender's earlier packets.
        const q = (link.busy.get(me.address) ?? []).filter((x) => x > this.time);
        link.busy.set(me.address, q);
        if (q.length >= link.queuePackets) { this.queueDropped++; this.lost++; continue; }
        departAt = (q.length > 0 ? q[q.length - 1] : this.time) + (t.bytes.length + 28) * 8 * 1000 / link.rateBps;
        q.push(departAt);
      }
      const receivers = dst.ifIndex < 0 ? link.members.filter((m) => m.node !== n) : [link.members.find((m) => m.node === dst.node)!];
      const kind: PacketKind = dst.ifIndex < 0 ? "broadcast" : "unicast";
      for (const r of receivers) {
        if (this.rng() < link.loss) { this.lost++; continue; }
        if (this.rxRules.length > 0 && this.ruleDrops(link, n, r.node, kind)) { this.ruleDropped++; this.lost++; continue; }
        const at = departAt + link.delayMs + (link.jitterMs > 0 ? this.rng() * link.jitterMs : 0);
        this.arrivals.push({ at, seq: this.arrivalSeq++, to: r.node, ifIndex: r.ifIndex, from: me.address, bytes: t.bytes });
      }
    }
    for (;;) {
      const d = n.node.pollDelivery();
      if (!d) break;
      n.inbox.push(d);
    }
  }

  /** Lose packets at a receiver: every packet (loss 1) or a fraction of those
   * reaching `to`, optionally only from one sender, on one link, of one kind.
   * Returns the rule (change its `loss` or pass it to undropAt later). */
  dropAt(to: SimNode, opts: { from?: SimNode; kind?: PacketKind; link?: SimLink; loss?: number } = {}): RxLossRule {
    const rule: RxLossRule = { to, from: opts.from, kind: opts.kind, link: opts.link, loss: opts.loss ?? 1 };
    this.rxRules.push(rule);
    return rule;
  }

  undropAt(rule: RxLossRule): void {
    const i = this.rxRules.indexOf(rule);
    if (i >= 0) this.rxRules.splice(i, 1);
  }

  private ruleDrops(link: SimLink, from: SimNode, to: SimNode, kind: PacketKind): boolean {
    for (const r of this.rxRules) {
      if (r.to !== to || (r.from && r.from !== from) || (r.kind && r.kind !== kind) || (r.link && r.link !== link)) continue;
      if (r.loss >= 1 || this.rng() < r.loss) return true;
    }
    return false;
  }

  /** Advance the clock to the next event and process everything due then.
   * Returns false when nothing is scheduled before `limit`. */
  step(limit: number): boolean {
    let next = Infinity;
    const a = this.arrivals.peek();
    if (a) next = a.at;
    for (const n of this.nodes) {
      if (!n.running) continue;
      const t = n.node.pollTimeout();
      if (t !== undefined && t < next) next = t;
    }
    if (next > limit) {
      this.time = Math.max(this.time, limit);
      return false;
    }
    if (next <= this.time) {
      // Nothing moves the clock: a node that keeps asking for "now" is spinning.
      if (++this.spins > 10_000) throw new Error(`simnet: a node's pollTimeout is stuck at ${this.time}`);
    } else this.spins = 0;
    this.time = Math.max(this.time, next);
    while (this.arrivals.size > 0 && this.arrivals.peek()!.at <= this.time) {
      const v = this.arrivals.pop()!;
      if (!v.to.running) continue;
      v.to.node.handlePacket(this.time, v.ifIndex, v.from, v.bytes);
      this.drain(v.to);
    }
    for (const n of this.nodes) {
      if (!n.running) continue;
      const t = n.node.pollTimeout();
      if (t !== undefined && t <= this.time) {
        n.node.handleTimeout(this.time);
        this.drain(n);
      }
    }
    return true;
  }

  /** Run until the clock reaches `t`. */
  runUntil(t: number): void {
    let guard = 0;
    while (this.step(t)) {
      if (++guard > 50_000_000) throw new Error("simnet: runaway");
    }
  }

  runFor(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Run until `cond()` holds (checked after each step) or `maxMs` pass; returns the time or undefined. */
  runUntilTrue(cond: () => boolean, maxMs: number): number | undefined {
    const end = this.time + maxMs;
    if (cond()) return this.time;
    while (this.time < end) {
      const more = this.step(end);
      if (cond()) return this.time;
      if (!more) break;
    }
    return undefined;
  }

  /** Send from one node's application and push the packets it produces. */
  send(from: SimNode, req: Parameters<MeshNode["send"]>[1]): ReturnType<MeshNode["send"]> {
    const r = from.node.send(this.time, req);
    this.drain(from);
    return r;
  }

  /** Does `a` have a usable route to `b`? */
  hasRoute(a: SimNode, b: SimNode): boolean {
    return a.node.peers().some((p) => sameBytes(p.sid, b.identity.sid));
  }

  hops(a: SimNode, b: SimNode): number | undefined {
    return a.node.peers().find((p) => sameBytes(p.sid, b.identity.sid))?.hops;
  }
}

export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Restart a node: a fresh MeshNode with the same identity and interfaces (all state lost). */
export function restartNode(net: SimNet, n: SimNode): void {
  const old = n.node;
  const fresh = net.addNode(`${n.name}'`, n.identity);
  net.nodes.pop(); // keep the original SimNode slot
  n.node = fresh.node;
  for (const l of net.links) {
    for (const m of l.members) {
      if (m.node === n) n.node.addInterface({ index: m.ifIndex, name: l.name, broadcastAddress: `bcast@${l.name}` });
    }
  }
  void old;
  n.running = true;
  n.node.handleTimeout(net.time);
}
