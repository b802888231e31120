// The shared context of the MDP node (as smoltcp's InterfaceInner): what every
// room of the node reads. The rooms (ports.ts, send.ts, ingress.ts,
// hop-acks.ts, adverts.ts, link-state-in.ts, please-explain.ts, routes.ts)
// each own their own state and take this; node.ts composes them. See docs/ARCHITECTURE.md for
// which room writes what.
import type { CryptoProvider, Identity } from "../crypto/types";
import type { Sid } from "../wire/types";
import { ByteWriter, toHex } from "../wire/bytes";
import type { LogLevel, MeshLimits, MeshNodeOptions } from "./api";
import { Subscribers } from "./subscribers";
import { NeighbourTable } from "./neighbour-table";
import { TxQueue } from "./tx-queue";
import type { Destination, Iface } from "./neighbours";
import type { Route } from "./routing";
import { newStats, type MeshStats } from "./stats";
import * as C from "./constants";

export class NodeContext {
  readonly stats: MeshStats = newStats();
  readonly identities: readonly Identity[];
  readonly primarySid: Sid;
  readonly primaryHex: string;
  readonly crypto: CryptoProvider;
  readonly log: (level: LogLevel, message: string) => void;
  readonly random: (n: number) => Uint8Array;
  /** Table caps (settings, read at start). */
  readonly limits: MeshLimits;
  /** Every SID heard of (the address book the codecs resolve abbreviations with). */
  readonly subs: Subscribers;
  /** Our identities by SID hex. */
  readonly localByHex = new Map<string, Identity>();
  /** Interfaces by index (added and removed by node.ts). */
  readonly ifaces = new Map<number, Iface>();
  /** The same interfaces in a list, for ifaceAt (kept by node.ts with `ifaces`). */
  readonly ifaceList: Iface[] = [];
  /** Neighbours (their per-link state is written by ingress.ts and hop-acks.ts)
   * and the unicast destinations we send to. */
  readonly nt: NeighbourTable;
  /** Routes by destination hex: written only by routes.ts (computeRoutes); the
   * advert bookkeeping of each route by adverts.ts. */
  readonly routeTable = new Map<string, Route>();
  /** Frames waiting to go out (send.ts adds, the transmitter sends, hop-acks.ts
   * takes out what an ACK covers). */
  readonly queue = new TxQueue();
  /** Scratch writer for plaintexts and link-state payloads: valid until its next use. */
  readonly pw = new ByteWriter(2048);
  /** The latest `now` passed in by an input or command. */
  now: number;

  constructor(opts: MeshNodeOptions) {
    if (opts.identities.length === 0) throw new Error("MeshNode needs at least one identity");
    this.identities = opts.identities;
    this.crypto = opts.crypto;
    this.log = opts.log ?? (() => {});
    this.random = opts.random ?? ((n) => opts.crypto.randomBytes(n));
    this.now = opts.now;
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
    this.queue.onDrop = () => { this.stats.queueDrops++; };
  }

  /** One of our identities? (an index lookup: no hex string per frame) */
  /** The interface with this index, per packet: a search of the few there are
   * (int32 compares), not a Map look-up by number (quickjs-ng hashes and compares
   * number keys as float64s: soft-float calls on an FPU-less router). */
  ifaceAt(index: number): Iface | undefined {
    const l = this.ifaceList;
    // (the interface a packet came in on is mostly the one its ACK record names:
    // the place of the last one found is looked at first; indexes are unique)
    const last = l[this.ifaceAtLast];
    if (last !== undefined && last.index === index) return last;
    for (let i = 0; i < l.length; i++) {
      if (l[i].index === index) {
        this.ifaceAtLast = i;
        return l[i];
      }
    }
    return undefined;
  }

  /** Where in ifaceList ifaceAt last found an interface. */
  private ifaceAtLast = 0;

  isLocal(sid: Sid): boolean {
    return this.subs.get(sid)?.local === true;
  }

  /** Our identity with this SID, if it is one of ours. */
  localOf(sid: Sid): Identity | undefined {
    const s = this.subs.get(sid);
    return s?.local ? this.localByHex.get(s.hex) : undefined;
  }

  private *fixedDests(): Iterable<Destination> {
    for (const f of this.queue.fixed) yield f.fixed!;
  }
}
