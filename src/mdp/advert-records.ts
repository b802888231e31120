// Which routing advertisement records go out when (PROTOCOL.md 6.3): each
// changed route's record a few times (more while a direct neighbour's link is
// lossy), spaced by a doubling gap, repeats batched into packets that go out
// anyway, and every route in a full advert. Packing them is link-state.ts;
// the schedule that calls this is adverts.ts.
import { newLinkRecord } from "../wire/linkstate";
import type { LinkRecordRepr, Sid } from "../wire/types";
import type { Identity } from "../crypto/types";
import type { Neighbour } from "./neighbours";
import { popcount, type SeqWindow64 } from "./link-window";
import { REACHABLE_NONE, type Route } from "./routing";
import { ADVERT_LOSS_INVERSE, ADVERT_LOSSY_MIN, ADVERT_REPEAT_MS, ADVERT_SENDS, ADVERT_SENDS_MAX, DROP_RATE_NONE } from "./constants";

/**
 * How many times a change is sent (advertRecords' `sends`): ADVERT_SENDS, or
 * more while a direct neighbour's link loses ADVERT_LOSSY_MIN or more, until
 * loss^sends <= 1/ADVERT_LOSS_INVERSE (at most ADVERT_SENDS_MAX). Loss: the
 * worst of its links to us over their sequence windows (windowLoss). Not
 * rxLoss (it counts a reordered packet as lost: 10-14% in the clean 200-node
 * SimNet grid's start, with 0.2 ms jitter) nor txDropRate (its ACK masks read
 * 60-70% for a second after a clean link comes up). Clean links keep
 * ADVERT_SENDS: no extra sends.
 */
export function advertSends(neighbours: Iterable<Neighbour>): number {
  let worst = 0;
  for (const n of neighbours) {
    if (!n.wasReachable) continue;
    for (const l of n.linksIn) {
      const p = windowLoss(l.window);
      if (p >= ADVERT_LOSSY_MIN && p > worst) worst = p;
    }
  }
  if (worst === 0) return ADVERT_SENDS;
  let sends = 0;
  for (let left = ADVERT_LOSS_INVERSE; left > 1 && sends < ADVERT_SENDS_MAX; left *= worst) sends++;
  return Math.max(ADVERT_SENDS, sends);
}

/** Share of the link sequences missing in a window, from the oldest one heard
 * there to the newest (a late packet, once in, counts as heard; sequences from
 * before we first heard the link do not count); 0 over fewer than
 * LOSS_MIN_SPAN sequences. */
export function windowLoss(w: SeqWindow64): number {
  if (w.last < 0) return 0;
  const oldest = w.hi !== 0 ? 63 - Math.clz32(w.hi) : 31 - Math.clz32(w.lo); // highest set bit, -1 if none
  const span = oldest + 2; // bits 0..oldest and the newest
  if (span < LOSS_MIN_SPAN) return 0;
  return (span - 1 - popcount(w.lo) - popcount(w.hi)) / span;
}

const LOSS_MIN_SPAN = 8;

/**
 * Routing advertisement records: one per route (transmitter = the prior hop, or
 * us for direct neighbours; NO_PATH once lost) and one per secondary identity.
 * `all` = the periodic full refresh; otherwise only the records a change still
 * owes a send (`sends` per change, or a function giving it, e.g. advertSends:
 * ADVERT_SENDS on clean links; spaced by a doubling gap), which this call
 * counts as sent. With `batch` (a packet goes out anyway) a repeat goes along
 * once half its gap has passed, unless a direct neighbour's link is lossy
 * (`sends` above ADVERT_SENDS): while a mesh forms, routes change every few
 * ms, and each change's repeats took a packet of their own (half the control
 * packets of a 10-node grid in the seconds after its last node started); the
 * repeats of changes made moments apart now share one. Also returns when the
 * next owed send falls due (at its full gap: a record alone keeps its times).
 */
export function advertRecords(
  now: number, all: boolean, primary: Sid, secondaries: readonly Identity[], routes: Iterable<Route>,
  sidOf: (hex: string) => Sid | undefined, sends: number | (() => number) = ADVERT_SENDS, batch = false,
): AdvertRecords {
  // (a function is called once, and only if some change is due: a steady tick owes nothing)
  let sendCount = typeof sends === "number" ? sends : -1;
  const out: LinkRecordRepr[] = [];
  const refreshOnly: (Neighbour | undefined)[] = [];
  let nextDue = Infinity;
  if (all) {
    for (const id of secondaries) {
      const rec = newLinkRecord();
      rec.receiver = id.sid;
      rec.version = 1;
      rec.transmitter = primary;
      rec.dropRate = 0;
      out.push(rec);
      refreshOnly.push(undefined);
    }
  }
  for (const r of routes) {
    let due = r.advertOwed > 0 && r.advertSentAt + r.advertGap <= now;
    if (!due && batch && r.advertOwed > 0 && r.advertSentAt + (r.advertGap >> 1) <= now) {
      if (sendCount < 0) sendCount = (sends as () => number)();
      due = sendCount <= ADVERT_SENDS; // (not over a lossy link: its extra sends keep their spacing)
    }
    if (due) {
      r.advertOwed--;
      // (markChanged owes ADVERT_SENDS_MAX: stop once `sends` went out)
      if (sendCount < 0) sendCount = (sends as () => number)();
      if (ADVERT_SENDS_MAX - r.advertOwed >= sendCount) r.advertOwed = 0;
      r.advertSentAt = now;
      r.advertGap = r.advertGap === 0 ? ADVERT_REPEAT_MS : Math.min(r.advertGap * 2, ADVERT_REPEAT_MS * 4);
    }
    if (r.advertOwed > 0) nextDue = Math.min(nextDue, r.advertSentAt + r.advertGap);
    if (!all && !due) continue;
    const rec = newLinkRecord();
    rec.receiver = r.sid;
    rec.version = r.version;
    if (r.reachable === REACHABLE_NONE || !r.nextHop) {
      rec.transmitter = undefined; // NO_PATH
      rec.dropRate = DROP_RATE_NONE;
    } else if (r.hops === 1) {
      rec.transmitter = primary;
      // A silent neighbour: servald's "high cost" rate (still below its 99 = no path).
      rec.dropRate = r.silent ? Math.max(DROP_RATE_NONE, r.nextHop.txDropRate) : r.nextHop.txDropRate;
    } else {
      const prior = sidOf(r.priorHex);
      if (!prior) continue;
      rec.transmitter = prior;
      rec.dropRate = r.nextHop.adverts.get(r.hex)?.dropRate ?? 0;
    }
    out.push(rec);
    refreshOnly.push(!due && r.reachable !== REACHABLE_NONE ? r.nextHop : undefined);
  }
  return { records: out, refreshOnly, nextDue, all };
}

export interface AdvertRecords {
  records: LinkRecordRepr[];
  /** Per record: the next hop of its route when the record is only a refresh
   * (not owed by a change). A refresh need not go back over a point-to-point
   * link to that next hop (split horizon): it never routes through us to a
   * node it is closer to, and its copy is already current. */
  refreshOnly: (Neighbour | undefined)[];
  /** When the next owed send falls due. */
  nextDue: number;
  /** A full advert (every route). */
  all: boolean;
}
