// What wakes the node, and why: the one place that lists every deadline
// pollTimeout() reports and what handleTimeout() (and every other input, which
// runs the same service pass) does about it, in this order:
//
//   deadline (owner)                 why                                        handled by
//   nextExpiryAt (routes.ts)         a link or neighbour times out              Routes.service: expire
//   silentCheckAt (routes.ts)        a direct neighbour may have fallen silent  Routes.service: mark dirty
//   lastRecomputeAt + ROUTE_RECOMPUTE_MIN_MS (routes.ts, only while dirty)
//                                    routes must be computed again              Routes.service: recompute
//   Iface.nextTickAt (adverts.ts: their earliest, tickDueAt)
//                                    interface tick: ACK records, keep-alives   Adverts.service
//   nextFullAdvertAt (adverts.ts)    periodic full advert, or owed to a new neighbour
//                                                                               Adverts.service
//   advertDueAt (adverts.ts)         a changed route's record owes a send       Adverts.service
//   Neighbour.ackDueAt (hop-acks.ts) an ACK owed: a gap, ACK_SOON, a full ACK
//                                    window, a link up, or our last ACK missed  HopAcks.sendDue
//   Transmitter.nextDue              a retransmission, a frame deadline, a
//                                    full window to lift, a fixed frame         Transmitter.flush
//   (packets in the outbox)          the driver has not drained pollTransmit    now
//
// Each room keeps its own deadlines (only it writes them); nextWake reads them
// all here, in one pass (pollTimeout runs after every input: no call per room).
// Nothing here holds state.
import type { Adverts } from "./adverts";
import type { NodeContext } from "./context";
import type { HopAcks } from "./hop-acks";
import type { Routes } from "./routes";
import type { Transmitter } from "./transmitter";
import { ROUTE_RECOMPUTE_MIN_MS } from "./constants";

export interface Timed {
  cx: NodeContext;
  routes: Routes;
  adverts: Adverts;
  acks: HopAcks;
  tx: Transmitter;
}

/** Run everything due at `now`, in the order of the table above. */
export function runDue(now: number, r: Timed): void {
  r.routes.service(now);
  r.adverts.service(now);
  r.acks.sendDue(now);
  r.tx.flush(now);
}

/** The earliest deadline of the table above (Infinity: none until the next input). */
export function nextWake(r: Timed): number {
  const routes = r.routes, adverts = r.adverts;
  let t = Math.min(routes.nextExpiryAt, routes.silentCheckAt, adverts.nextFullAdvertAt, adverts.advertDueAt, adverts.tickDueAt, r.tx.nextDue);
  if (routes.dirty) t = Math.min(t, routes.lastRecomputeAt + ROUTE_RECOMPUTE_MIN_MS);
  const ack = r.acks.nextAckDue();
  return ack < t ? ack : t;
}
