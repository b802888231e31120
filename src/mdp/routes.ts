// Route recomputation and expiry: when the route table must be computed again
// (routing.ts computeRoutes, at most once per ROUTE_RECOMPUTE_MIN_MS), links
// and neighbours that time out (neighbour-table.ts expire), and direct
// neighbours that fell silent (routes avoid them before their links expire).
// A silence deadline that passes while the neighbour kept talking costs a look
// at the neighbours routed through, not a recomputation (in a steady mesh that
// was nearly every recomputation: one per neighbour per ~1.5 s, each walking
// every neighbour's advertised tree).
// This room is the only writer of the route table and of `dirty`; other rooms
// call markDirty().
import type { NodeContext } from "./context";
import type { Neighbour } from "./neighbours";
import { computeRoutes, GAP_MAX_MS, lastHeard, REACHABLE_NONE, silenceLimit } from "./routing";
import * as C from "./constants";

/** What the rooms that follow a route recomputation are told. */
export interface RouteEvents {
  /** n became directly reachable (it hears us and we hear it). */
  reachable(n: Neighbour, now: number): void;
  /** Some route changed (its record is owed a send). */
  changed(now: number): void;
}

export class Routes {
  // Deadlines (read by timers.ts; written only here):
  /** Something routes depend on changed: recompute when allowed. */
  dirty = false;
  /** Route recomputations are at least ROUTE_RECOMPUTE_MIN_MS apart (a burst of adverts costs one). */
  lastRecomputeAt = C.LONG_AGO;
  /** Next look at link and neighbour timeouts. */
  nextExpiryAt = Infinity;
  /** Direct neighbours routes avoid because they fell silent (routing.ts
   * silenceLimit); hearing one again recomputes routes. Per neighbour, the
   * longest recent gap between its packets (decaying), and when to look again. */
  private readonly silent = new Set<Neighbour>();
  private readonly gapMax = new Map<Neighbour, { at: number; gap: number }>();
  /** When a neighbour routes go through may have fallen silent, or a lost route
   * is due to be forgotten (timers.ts reads it). */
  silentCheckAt = Infinity;
  /** The direct neighbours the last recomputation found talking (their silence is watched). */
  private watched: Neighbour[] = [];
  /** Their silence deadlines (+1 ms), as of their last packets. */
  private readonly watchedAt: number[] = [];
  /** When the first lost route's NO_PATH adverts end and it is dropped from the table. */
  private purgeAt = Infinity;
  events: RouteEvents = { reachable: () => {}, changed: () => {} };

  constructor(private readonly cx: NodeContext) {}

  /** Routes may have changed: recompute them (at most every ROUTE_RECOMPUTE_MIN_MS). */
  markDirty(): void {
    this.dirty = true;
  }

  /** Call after every packet from n, once its link-in has it heard at `now`:
   * track its packet gaps; a silent neighbour heard again is routed through again. */
  noteHeard(n: Neighbour, now: number): void {
    let g = this.gapMax.get(n);
    if (!g) {
      if (this.gapMax.size >= this.cx.limits.neighbours * 2) this.gapMax.clear();
      g = { at: now, gap: 0 };
      this.gapMax.set(n, g);
    } else {
      // Slow decay (x 0.99 per packet, half-life ~70 packets): a neighbour once
      // seen stalled (a busy CPU) keeps a longer silence limit for a while
      // instead of flapping routes. (Per packet: int32 arithmetic, the decay
      // rounded up so it comes back to 0; a comparison, no Math.max call.)
      const d = now - g.at;
      const gap = d < GAP_MAX_MS ? d : GAP_MAX_MS, decayed = g.gap - ((g.gap * 41 + 4095) >> 12);
      g.gap = gap > decayed ? gap : decayed;
      g.at = now;
    }
    if (this.silent.size > 0 && this.silent.has(n)) this.dirty = true;
    // The silence deadline follows the watched neighbours as they talk: the
    // timer wakes the node when one has really fallen silent, not about once a
    // second to find them all talking (a wakeup that sent nothing).
    // (only n's deadline moves: the others' are kept from their last packets;
    // silentCheckAt, unless Infinity, is the least of them and purgeAt, so it
    // is looked for again only when n's was that least one and moved later)
    const i = n.watchIndex;
    if (i >= 0 && i < this.watched.length && this.watched[i] === n) {
      const at = this.watchedAt;
      const was = at[i];
      // (n was heard last now: the packet just in)
      const moved = (at[i] = this.silentAtGap(n, g.gap, now) + 1);
      const check = this.silentCheckAt;
      if (check !== Infinity && moved !== was) {
        if (moved < check) this.silentCheckAt = moved;
        else if (was === check) this.silentCheckAt = this.leastWatched();
      }
    }
    // Likewise the expiry deadline, once it is near (and not yet due: a due one
    // runs expire, which also notices a neighbour that stopped being direct).
    if (now < this.nextExpiryAt && this.nextExpiryAt - now <= C.EXPIRY_FOLLOW_MS) this.nextExpiryAt = this.cx.nt.nextExpiry(now);
  }

  /** Expire what timed out, then recompute routes if they are dirty and may be. */
  service(now: number): void {
    if (now >= this.nextExpiryAt) this.expire(now);
    if (now >= this.silentCheckAt) this.checkSilence(now);
    if (this.dirty && now >= this.lastRecomputeAt + C.ROUTE_RECOMPUTE_MIN_MS) this.recompute(now);
  }

  /** When routes should avoid n (it has been silent too long). */
  private silentAt(n: Neighbour): number {
    return this.silentAtGap(n, this.gapMax.get(n)?.gap ?? 0, lastHeard(n));
  }

  /** `heardAt`: when n was last heard (lastHeard). */
  private silentAtGap(n: Neighbour, gap: number, heardAt: number): number {
    return heardAt + silenceLimit(n.linksIn[0]?.iface.tickMs ?? C.TICK_MS, gap, n.rxLossQ12);
  }

  /** The least of the kept silence deadlines and the purge. */
  private leastWatched(): number {
    const at = this.watchedAt;
    let check = this.purgeAt;
    for (let j = 0; j < at.length; j++) if (at[j] < check) check = at[j];
    return check;
  }

  /** A silence deadline passed: recompute only if a watched neighbour did fall
   * silent (or a lost route is to be dropped); else look again at the next deadline. */
  private checkSilence(now: number): void {
    this.silentCheckAt = Infinity; // the recompute sets it again
    if (now >= this.purgeAt) { this.dirty = true; return; }
    for (const n of this.watched) {
      if (this.silentAt(n) < now) { this.dirty = true; return; }
    }
    this.silentCheckAt = this.nextSilenceCheck();
  }

  /** The next silence deadline of the watched neighbours (each kept in watchedAt), or the purge. */
  private nextSilenceCheck(): number {
    let check = this.purgeAt;
    const w = this.watched, at = this.watchedAt;
    at.length = w.length;
    for (let i = 0; i < w.length; i++) {
      at[i] = this.silentAt(w[i]) + 1;
      if (at[i] < check) check = at[i];
    }
    return check;
  }

  private expire(now: number): void {
    const r = this.cx.nt.expire(now);
    if (r.changed) this.dirty = true;
    this.nextExpiryAt = r.next;
  }

  private recompute(now: number): void {
    const cx = this.cx;
    this.dirty = false;
    this.lastRecomputeAt = now;
    cx.stats.routeRecomputes++;
    const wasDirect = new Set<Neighbour>();
    for (const n of cx.nt.byHex.values()) if (n.wasReachable) wasDirect.add(n);
    this.silent.clear();
    const watched: Neighbour[] = [];
    const changed = computeRoutes(
      cx.routeTable, cx.nt.byHex.values(), cx.primaryHex, now,
      (hex) => cx.subs.getHex(hex)?.sid ?? cx.nt.byHex.get(hex)?.sub.sid,
      (hex) => cx.localByHex.has(hex),
      (n) => {
        const until = this.silentAt(n);
        if (until < now) { this.silent.add(n); return false; }
        watched.push(n);
        return true;
      },
      cx.limits.routes, () => { cx.stats.routesRefused++; },
    );
    for (const n of this.watched) n.watchIndex = -1;
    for (let i = 0; i < watched.length; i++) watched[i].watchIndex = i;
    this.watched = watched;
    // (computeRoutes drops a lost route NO_PATH_ADVERT_MS after it was lost)
    let purge = Infinity;
    for (const r of cx.routeTable.values()) if (r.reachable === REACHABLE_NONE) purge = Math.min(purge, r.lostAt + C.NO_PATH_ADVERT_MS + 1);
    this.purgeAt = purge;
    this.silentCheckAt = this.nextSilenceCheck(); // (check, purge and whose deadline it is)
    for (const n of this.gapMax.keys()) if (!cx.nt.byHex.has(n.sub.hex)) this.gapMax.delete(n);
    // Expiry must re-run when a direct neighbour's link times out.
    this.nextExpiryAt = Math.min(this.nextExpiryAt, now + 1);
    for (const n of cx.nt.byHex.values()) {
      if (n.wasReachable && !wasDirect.has(n)) {
        cx.log("debug", `neighbour ${n.sub.hex} reachable`);
        this.events.reachable(n, now);
      }
    }
    if (!changed) return;
    cx.stats.routeChanges++;
    this.events.changed(now);
    // Frames waiting for a route are looked at again by the next flush.
  }
}
