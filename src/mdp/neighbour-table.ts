// The neighbour table and the destinations we send to: creating out-links
// when a neighbour is first heard (PROTOCOL.md 6.2), expiring links and neighbours
// (6.6), and keeping both bounded (spoofed transmitters evict stale entries,
// unused unicast destinations are pruned).
import type { Destination, Iface, Neighbour } from "./neighbours";
import { isDirect, newDestination, reachableTimeout } from "./neighbours";
import { NEIGHBOURS_MAX, RESEND_DELAY_INITIAL_MS, TICK_MS } from "./constants";

export class NeighbourTable {
  /** Neighbours by SID hex. */
  readonly byHex = new Map<string, Neighbour>();
  /** The same neighbours in the same order, as an array: the walks per tick and
   * per wakeup index it (a Map's iterator allocates a result per step). */
  readonly list: Neighbour[] = [];
  private readonly unicastDests = new Map<string, Destination>();
  /** Bumped whenever a neighbour comes or goes or an out-link is added or
   * dropped (who receives a unicast destination's packets: Sender.abbreviateFor). */
  version = 0;

  constructor(
    private readonly random: (n: number) => Uint8Array,
    /** Destinations still referenced elsewhere (queued frames), kept when pruning. */
    private readonly destsInUse: () => Iterable<Destination>,
    private readonly log: (message: string) => void,
    private readonly maxNeighbours = NEIGHBOURS_MAX,
  ) {}

  get size(): number {
    return this.byHex.size;
  }

  /** Unicast destinations held (for memory reporting). */
  get destCount(): number {
    return this.unicastDests.size;
  }

  newDest(iface: Iface, address: string, unicast: boolean): Destination {
    const d = newDestination(iface, address, unicast, RESEND_DELAY_INITIAL_MS);
    d.seq = this.random(1)[0]; // random start: a restarted node is not taken for its old self
    return d;
  }

  /** The unicast destination for an address on an interface (one per address). */
  unicastDest(iface: Iface, address: string): Destination {
    const key = `${iface.index}/${address}`;
    let d = this.unicastDests.get(key);
    if (!d) {
      if (this.unicastDests.size >= this.maxNeighbours * 2) this.pruneDests();
      d = this.newDest(iface, address, true);
      this.unicastDests.set(key, d);
    }
    return d;
  }

  /** First packet from n on this interface: it can probably be reached by unicast
   * to its source address and by our broadcast (servald create_out_links). */
  createOutLinks(n: Neighbour, iface: Iface, from: string, now: number, timeout: number): void {
    // (per received packet: a loop, no closure)
    const outs = n.outLinks;
    for (let i = 0; i < outs.length; i++) if (outs[i].dest.iface === iface) return;
    n.outLinks.push({ dest: this.unicastDest(iface, from), timeout: now + timeout });
    n.outLinks.push({ dest: iface.broadcast, timeout: now + timeout });
    this.version++;
  }

  /** Destinations for frames to n: the link it ACKs, else every live out-link. */
  destsFor(n: Neighbour, now: number): Destination[] {
    if (isDirect(n, now)) return [n.chosen!.dest];
    const out: Destination[] = [];
    for (const o of n.outLinks) if (o.timeout >= now) out.push(o.dest);
    return out;
  }

  /** A new neighbour (ingress.ts). */
  add(n: Neighbour): void {
    const old = this.byHex.get(n.sub.hex);
    if (old !== undefined) this.unlist(old);
    this.byHex.set(n.sub.hex, n);
    // (a Map keeps a replaced key's place: so does the list)
    if (old !== undefined) this.list.splice(this.listAt, 0, n);
    else this.list.push(n);
    this.version++;
  }

  /** Make room: forget the least recently heard neighbour that is not directly
   * reachable (so spoofed transmitters cannot crowd out real ones). */
  evict(now: number): boolean {
    let victim: Neighbour | undefined;
    let victimAt = Infinity;
    for (const n of this.byHex.values()) {
      if (isDirect(n, now)) continue;
      let heard = -Infinity;
      for (const l of n.linksIn) heard = Math.max(heard, l.lastRxAt);
      if (heard < victimAt) { victim = n; victimAt = heard; }
    }
    if (!victim) return false;
    this.byHex.delete(victim.sub.hex);
    this.unlist(victim);
    this.version++;
    return true;
  }

  /** Drop silent links and neighbours with none left. Returns whether routing
   * may have changed and when to look again. */
  expire(now: number): { changed: boolean; next: number } {
    let next = Infinity;
    let changed = false;
    for (const [hex, n] of this.byHex) {
      const timeout = reachableTimeout(n, n.linksIn[0]?.iface.tickMs ?? TICK_MS);
      const before = n.linksIn.length;
      n.linksIn = n.linksIn.filter((l) => l.lastRxAt + timeout >= now);
      if (n.linksIn.length !== before) changed = true;
      if (n.linksIn.length === 0) {
        this.byHex.delete(hex);
        this.unlist(n);
        this.version++;
        changed = true;
        this.log(`neighbour ${hex} expired`);
        continue;
      }
      for (const l of n.linksIn) next = Math.min(next, l.lastRxAt + timeout + 1);
      const direct = isDirect(n, now);
      if (direct !== n.wasReachable) changed = true;
      if (direct) next = Math.min(next, n.linkInTimeout + 1, n.chosen!.timeout + 1);
    }
    return { changed, next };
  }

  /** The `next` of expire(now) while nothing has expired, without expiring anything:
   * the earliest link timeout, and a direct neighbour's ACKed-link timeouts. */
  nextExpiry(now: number): number {
    let next = Infinity;
    for (const n of this.byHex.values()) {
      const timeout = reachableTimeout(n, n.linksIn[0]?.iface.tickMs ?? TICK_MS);
      for (const l of n.linksIn) next = Math.min(next, l.lastRxAt + timeout + 1);
      if (isDirect(n, now)) next = Math.min(next, n.linkInTimeout + 1, n.chosen!.timeout + 1);
    }
    return next;
  }

  /** An interface went away: forget everything that used it. */
  dropInterface(iface: Iface): void {
    this.version++;
    for (const n of this.byHex.values()) {
      n.linksIn = n.linksIn.filter((l) => l.iface !== iface);
      n.outLinks = n.outLinks.filter((o) => o.dest.iface !== iface);
      if (n.chosen && n.chosen.dest.iface === iface) n.chosen = undefined;
    }
    for (const [k, d] of this.unicastDests) if (d.iface === iface) this.unicastDests.delete(k);
  }

  /** Where unlist last took a neighbour out. */
  private listAt = 0;

  private unlist(n: Neighbour): void {
    const i = this.list.indexOf(n);
    if (i >= 0) this.list.splice(i, 1);
    this.listAt = i < 0 ? this.list.length : i;
  }

  private pruneDests(): void {
    const used = new Set<Destination>(this.destsInUse());
    for (const n of this.byHex.values()) for (const o of n.outLinks) used.add(o.dest);
    for (const [k, d] of this.unicastDests) if (!used.has(d)) this.unicastDests.delete(k);
  }
}
