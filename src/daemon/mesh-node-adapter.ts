// Adapts src/mdp's MeshNode to the daemon's MeshCore: ports bound by local
// clients become node bindings, route info is translated to the client
// protocol's shape; datagrams and packets pass through as they are (the seam
// speaks the node's vocabulary, mesh-core.ts).
import type { CryptoProvider, Identity } from "../crypto/types.js";
import { MeshNode, type LogLevel, type MeshLimits } from "../mdp/node.js";
import type { CoreInterface, CoreStatus, Delivery, MeshCore, SendRequest, Transmit } from "./mesh-core.js";
import { DELIVERY_QUEUE_MAX, QUEUE_TOTAL_MAX } from "../mdp/constants.js";
import { INTERFACE_STATE_UP, REACHABLE_NONE, REACHABLE_SELF, RouteRecord } from "../wire/client-header.js";
import { bytesEqual } from "../wire/bytes.js";


export class MeshNodeCore implements MeshCore {
  readonly node: MeshNode;
  private readonly ifNames = new Map<number, string>();
  /** Stable array: the client server caches per identity list. */
  private readonly sids: Uint8Array[];

  // The calls of every wakeup go to the node's own methods, bound: a method of
  // this class calling the node's costs the engine ~500 instructions more per call
  // (a bound function ~80). The node ignores the `now` pollTransmit is passed.
  readonly handlePacket: (now: number, ifIndex: number, from: string, data: Uint8Array) => void;
  readonly handleTimeout: (now: number) => void;
  readonly pollTransmit: (now: number) => Transmit | undefined;
  readonly pollTimeout: () => number | undefined;
  readonly pollDelivery: () => Delivery | undefined;
  readonly recycleDelivery: (d: Delivery) => void;

  constructor(
    identities: Identity[], crypto: CryptoProvider, now: number, log: (level: LogLevel, msg: string) => void,
    limits?: Partial<MeshLimits>,
  ) {
    // (the daemon drives once per burst of packets: mesh-daemon.ts onPacket)
    const node = this.node = new MeshNode({ identities, crypto, now, log, limits, serviceOncePerBurst: true });
    this.sids = identities.map((i) => i.sid);
    this.handlePacket = node.handlePacket.bind(node);
    this.handleTimeout = node.handleTimeout.bind(node);
    this.pollTransmit = node.pollTransmit.bind(node);
    this.pollTimeout = node.pollTimeout.bind(node);
    this.pollDelivery = node.pollDelivery.bind(node);
    this.recycleDelivery = node.recycleDelivery.bind(node);
  }

  // --- ClientMesh ---------------------------------------------------------

  identities(): Uint8Array[] {
    return this.sids;
  }

  primarySignKey(): Uint8Array | undefined {
    return this.node.identities[0]?.signPublic;
  }

  send(now: number, d: SendRequest): boolean {
    return this.node.send(now, d).ok;
  }

  interfaces(): { index: number; name: string }[] {
    return [...this.ifNames].sort((a, b) => a[0] - b[0]).map(([index, name]) => ({ index, name }));
  }

  routes(): RouteRecord[] {
    const primary = this.node.primarySid;
    const out: RouteRecord[] = [];
    for (const r of this.node.routes()) {
      if (r.reachable === REACHABLE_NONE) continue;
      const self = (r.reachable & REACHABLE_SELF) !== 0;
      if (self && bytesEqual(r.sid, primary)) continue; // reported once per interface instead
      const direct = !self && r.hops <= 1;
      const name = r.ifIndex !== undefined ? this.ifNames.get(r.ifIndex) : undefined;
      out.push({
        sid: r.sid,
        signKey: this.node.signKeyOf(r.sid),
        combined: this.node.signKeyOf(r.sid) !== undefined,
        reachable: r.reachable,
        hopCount: self ? -1 : r.hops,
        nextHop: !self && r.hops > 1 ? r.nextHop : undefined,
        priorHop: !self && r.hops > 2 ? r.priorHop : undefined,
        interfaceIndex: direct ? (r.ifIndex ?? 0) : -1,
        interfaceState: INTERFACE_STATE_UP,
        interfaceName: direct ? (name ?? "") : undefined,
      });
    }
    return out;
  }

  portBound(port: number): void {
    if (!this.node.isBound(undefined, port)) this.node.bind(undefined, port);
  }

  portReleased(port: number): void {
    this.node.unbind(undefined, port);
  }

  // --- MeshCore -----------------------------------------------------------

  interfaceUp(_now: number, itf: CoreInterface): void {
    this.ifNames.set(itf.index, itf.name);
    this.node.addInterface({ index: itf.index, name: itf.name, mtu: itf.mtu, broadcastAddress: itf.broadcastAddress });
  }

  interfaceDown(_now: number, index: number): void {
    this.ifNames.delete(index);
    this.node.removeInterface(index);
  }

  clientBacklog(): number {
    return this.node.clientBacklog;
  }

  statsLine(): string {
    return Object.entries(this.node.stats).filter(([, v]) => v !== 0).map(([k, v]) => `${k}=${v}`).join(" ");
  }

  status(): CoreStatus {
    const t = this.node.tableSizes();
    return {
      counters: this.node.stats as unknown as Record<string, number>,
      tables: {
        neighbours: { size: t.neighbours, max: this.node.limits.neighbours },
        subscribers: { size: t.subscribers, max: this.node.limits.subscribers },
        routes: { size: t.routes, max: this.node.limits.routes },
        tx_queue: { size: t.queued, max: QUEUE_TOTAL_MAX },
        deliveries: { size: t.deliveries, max: DELIVERY_QUEUE_MAX },
      },
    };
  }

  notifySendFailed(_now: number, tx: Transmit, errno: number): void {
    this.node.notifySendFailed(tx.ifIndex, tx.to, errno);
  }
}
