// Route selection (PROTOCOL.md 6.7). Each directly reachable neighbour N advertises a
// tree of links "transmitter -> receiver"; the path to X via N is found by
// walking from X up to N (hops = depth, path drop = sum of link drop rates
// above 2). Pick the lowest path drop rate, then the fewest hops; on a near
// tie keep the current next hop so routes do not flap under random loss.
import type { Sid } from "../wire/types";
import type { Neighbour } from "./neighbours";
import { isDirect } from "./neighbours";
import { ADVERT_SENDS_MAX, LONG_AGO, NO_PATH_ADVERT_MS, SILENT_TICKS } from "./constants";

/** Reachability flags, as servald's REACHABLE_* (shown by `route print`). */
export const REACHABLE_NONE = 0;
export const REACHABLE_SELF = 0x01;
export const REACHABLE_BROADCAST = 0x02;
export const REACHABLE_UNICAST = 0x04;
export const REACHABLE_INDIRECT = 0x08;
export const REACHABLE_DIRECT = REACHABLE_BROADCAST | REACHABLE_UNICAST;

/** Path drop rates within this margin count as equal when the current next hop is still valid. */
const HYSTERESIS_DROP = 3;
const MAX_DEPTH = 32;
/** Added to the drop rate of paths through a silent neighbour (more than any real path's). */
const SILENT_DROP = 10000;

export interface Route {
  hex: string;
  sid: Sid;
  reachable: number;
  nextHop: Neighbour | undefined;
  hops: number;
  dropRate: number;
  /** Hex of the node before the destination on the path (ours when direct). */
  priorHex: string;
  /** Version of the link record we advertise for it; bumped on every change. */
  version: number;
  changedAt: number;
  /** Change-driven sends of its record still owed at most (ADVERT_SENDS_MAX per
   * change; the sends stop after advertSends' count: ADVERT_SENDS on clean
   * links), the last one's time, and the gap before the next (doubling from
   * ADVERT_REPEAT_MS up to 4x). */
  advertOwed: number;
  advertSentAt: number;
  advertGap: number;
  /** When it became unreachable (NO_PATH adverts stop NO_PATH_ADVERT_MS later). */
  lostAt: number;
  /** A direct route to a neighbour that fell silent (silenceLimit), kept only
   * as the last resort: advertised with a high drop rate (link-state.ts), so a
   * neighbour that routes through us and has a way of its own takes it now,
   * not when the silent neighbour's links expire (~2.5 s later). */
  silent: boolean;
}

interface Candidate {
  hops: number;
  drop: number;
  prior: string;
}

const IN_PROGRESS: Candidate = { hops: -1, drop: 0, prior: "" };

function linkDrop(d: number): number {
  return d > 2 ? d : 0;
}

/** Path to `x` through neighbour `n`, or undefined. */
function walk(n: Neighbour, x: string, selfHex: string, memo: Map<string, Candidate | null>, depth: number): Candidate | undefined {
  if (x === n.sub.hex) return { hops: 1, drop: linkDrop(n.txDropRate), prior: selfHex };
  const m = memo.get(x);
  if (m === IN_PROGRESS || m === null || depth > MAX_DEPTH) return undefined;
  if (m) return m;
  const rec = n.adverts.get(x);
  if (!rec || rec.transmitter === selfHex) {
    memo.set(x, null);
    return undefined;
  }
  memo.set(x, IN_PROGRESS);
  const parent = walk(n, rec.transmitter, selfHex, memo, depth + 1);
  const c = parent ? { hops: parent.hops + 1, drop: parent.drop + linkDrop(rec.dropRate), prior: rec.transmitter } : undefined;
  memo.set(x, c ?? null);
  return c;
}

/** A route's record changed: owe change-driven sends of it (as many as its
 * links' loss asks for: advertRecords), the first at once. */
export function markChanged(r: Route, now: number): void {
  r.changedAt = now;
  r.advertOwed = ADVERT_SENDS_MAX;
  r.advertSentAt = LONG_AGO;
  r.advertGap = 0;
}

/**
 * How long a direct neighbour may stay silent before routes avoid it (it stays a
 * neighbour until its links time out, SERVAL_REACHABLE_TIMEOUT_MS or more):
 * SILENT_TICKS of our tick, or of the longest gap it has shown between packets
 * (`gapMs`: a peer with a slower tick is not taken for dead), stretched by its
 * loss (x (1 + 4 rxLoss), rxLoss = rxLossQ12 / 4096).
 * A relay that dies is routed around after ~1.5 s instead of ~4 s.
 * (Per received packet: int32 arithmetic, no float64 on an FPU-less router;
 * gapMs is at most GAP_MAX_MS and rxLossQ12 at most 4096, so the product
 * stays below 2^31.)
 */
export function silenceLimit(tickMs: number, gapMs: number, rxLossQ12: number): number {
  const t = (tickMs > gapMs ? tickMs : gapMs) * SILENT_TICKS;
  return t + ((t * rxLossQ12) >> 10);
}

/** Longest packet gap a silence limit is made from (routes.ts noteHeard): far
 * beyond any link's expiry (REACHABLE_TIMEOUT_MAX_MS), which takes a neighbour
 * that silent out of the routes anyway, and small enough for int32 products. */
export const GAP_MAX_MS = 60_000;

/** Newest packet heard from n on any link. */
export function lastHeard(n: Neighbour): number {
  let t = -Infinity;
  const links = n.linksIn;
  for (let i = 0; i < links.length; i++) if (links[i].lastRxAt > t) t = links[i].lastRxAt;
  return t;
}

function better(a: Candidate, b: Candidate): boolean {
  return a.drop < b.drop || (a.drop === b.drop && a.hops < b.hops);
}

/**
 * Recompute `routes` in place from the neighbours' trees. `sids` resolves a hex
 * to its SID; `isLocal` says whether a hex is one of our identities.
 * Returns true if any route changed (so adverts and queued frames need attention).
 */
export function computeRoutes(
  routes: Map<string, Route>, neighbours: Iterable<Neighbour>, selfHex: string, now: number,
  sids: (hex: string) => Sid | undefined, isLocal: (hex: string) => boolean,
  usable: (n: Neighbour) => boolean = () => true,
  maxRoutes = Infinity, onRefused: () => void = () => {},
): boolean {
  // A neighbour that is not `usable` (silent) is only a last resort: paths
  // through it count SILENT_DROP more (in a line there is no other way, and
  // dropping the route would stall traffic that retransmission would carry).
  const best = new Map<string, { n: Neighbour; c: Candidate }>();
  const current = new Map<string, { n: Neighbour; c: Candidate }>();
  for (const n of neighbours) {
    n.wasReachable = isDirect(n, now);
    if (!n.wasReachable) continue;
    const penalty = usable(n) ? 0 : SILENT_DROP;
    const memo = new Map<string, Candidate | null>();
    const consider = (x: string): void => {
      if (isLocal(x)) return;
      const w = walk(n, x, selfHex, memo, 0);
      if (!w) return;
      const c = penalty === 0 ? w : { hops: w.hops, drop: w.drop + penalty, prior: w.prior };
      const b = best.get(x);
      if (!b || better(c, b.c)) best.set(x, { n, c });
      if (routes.get(x)?.nextHop === n) current.set(x, { n, c });
    };
    consider(n.sub.hex);
    for (const x of n.adverts.keys()) consider(x);
  }
  let changed = false;
  for (const [x, b] of best) {
    const cur = current.get(x);
    const pick = cur && cur.c.drop <= b.c.drop + HYSTERESIS_DROP && cur.c.hops <= b.c.hops ? cur : b;
    const direct = pick.c.hops === 1;
    const silent = direct && pick.c.drop >= SILENT_DROP;
    const reachable = direct
      ? (pick.n.chosen?.dest.unicast ? REACHABLE_UNICAST : REACHABLE_BROADCAST)
      : REACHABLE_INDIRECT;
    let r = routes.get(x);
    if (!r) {
      const sid = sids(x);
      if (!sid) continue;
      if (routes.size >= maxRoutes) { onRefused(); continue; } // at the cap: no new route
      r = { hex: x, sid, reachable: REACHABLE_NONE, nextHop: undefined, hops: 0, dropRate: 0, priorHex: "", version: 0, changedAt: now, lostAt: 0, advertOwed: 0, advertSentAt: LONG_AGO, advertGap: 0, silent: false };
      routes.set(x, r);
    }
    // A new drop rate needs a new version too: Serval DNA keeps a record's drop
    // rate until its version (or transmitter) changes.
    if (r.reachable !== reachable || r.nextHop !== pick.n || r.priorHex !== pick.c.prior || r.hops !== pick.c.hops || r.silent !== silent) {
      r.version = (r.version + 1) & 0xff;
      markChanged(r, now);
      changed = true;
    }
    r.silent = silent;
    r.reachable = reachable;
    r.nextHop = pick.n;
    r.hops = pick.c.hops;
    r.priorHex = pick.c.prior;
    r.dropRate = pick.c.drop >= SILENT_DROP ? pick.c.drop - SILENT_DROP : pick.c.drop;
  }
  for (const [x, r] of routes) {
    if (best.has(x)) continue;
    if (r.reachable !== REACHABLE_NONE) {
      r.reachable = REACHABLE_NONE;
      r.silent = false;
      r.nextHop = undefined;
      r.hops = 0;
      r.version = (r.version + 1) & 0xff;
      markChanged(r, now);
      r.lostAt = now;
      changed = true;
    } else if (now - r.lostAt > NO_PATH_ADVERT_MS) {
      routes.delete(x);
    }
  }
  return changed;
}
