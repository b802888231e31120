// Per-hop reliable routing adverts. A changed route's record is broadcast once
// (link-state.ts advertRecords); it is then owed to every direct neighbour
// until that neighbour's ACK record covers a packet that carried it, and
// retransmitted to the ones that have not ACKed, on the destination each one
// ACKs (its chosen out-link: its unicast address, or the shared broadcast),
// with ACK_SOON so the ACK comes within milliseconds. A neighbour that becomes
// reachable is owed every route the same way. So a record lost on a link is
// repaired one retransmit delay later, not by the next full advert seconds
// later: on a 5-hop line at 33% loss per link, four blind sends lost a record
// now and then (0.33^4 per record per link) and left the far end without a
// route for ~10 s. Bounded: a cap on transmissions per neighbour per change
// (ADVERT_MAX_TX, backoff as unicast frames), on transmissions remembered, and
// every give-up counted; the periodic full advert stays the last resort.
import type { LinkRecordRepr } from "../wire/types";
import type { Destination, Neighbour } from "./neighbours";
import type { Route } from "./routing";
import { retransmitDelay, type TxFrame } from "./tx-queue";
import { ADVERT_MAX_TX, ADVERT_SENT_MAX } from "./constants";

/** One transmission of owed records to a neighbour: the frame, the routes (at
 * their versions then) whose records it carried, and when it counts as lost. */
interface Sent {
  /** The queued frame until it is sent; then its packet count on dest (Destination.sent). */
  tx: TxFrame | undefined;
  linkSeq: number;
  dest: Destination;
  routes: Route[];
  versions: number[];
  retryAt: number;
}

/** What one neighbour still has to ACK. */
interface Owed {
  /** Every route whose current record it has not ACKed... */
  routes: Set<Route>;
  /** ...of which these wait for a transmission (the rest are in flight in `sent`). */
  waiting: Set<Route>;
  sent: Sent[];
  /** Some waiting record was sent before and lost (the next send asks for a prompt ACK). */
  lost: boolean;
  /** Retransmission rounds since an ACK of any of them (backoff and cap). */
  tries: number;
}

export interface AdvertSender {
  /** Queue link-state frames carrying `records` to `dest` (ACK_SOON if
   * `ackSoon`): per frame, the index of the first record after it. */
  send(now: number, records: LinkRecordRepr[], dest: Destination, ackSoon: boolean): { tx: TxFrame; end: number }[];
  /** The record we advertise for a route now, or undefined (no longer advertised). */
  record(r: Route): LinkRecordRepr | undefined;
  /** Is n a direct neighbour that routes may use (not silent)? Else it is owed nothing. */
  live(n: Neighbour, now: number): boolean;
}

export interface AdvertDeliveryStats {
  /** Frames of owed records sent to neighbours (besides the blind broadcasts). */
  advertResends: number;
  /** Owed records a neighbour never ACKed within the cap (left to the full advert). */
  advertGiveUps: number;
}

export class AdvertDelivery {
  private readonly owed = new Map<Neighbour, Owed>();
  /** When service() has something to do (Infinity: nothing owed). */
  nextDue = Infinity;

  constructor(private readonly stats: AdvertDeliveryStats) {}

  /** The current records of `routes` are owed to each of `to`, sent at the next service. */
  owe(to: Iterable<Neighbour>, routes: readonly Route[], now: number): void {
    if (routes.length === 0) return;
    for (const n of to) {
      let o = this.owed.get(n);
      if (!o) this.owed.set(n, (o = { routes: new Set(), waiting: new Set(), sent: [], lost: false, tries: 0 }));
      for (const r of routes) { o.routes.add(r); o.waiting.add(r); }
      this.nextDue = Math.min(this.nextDue, now);
    }
  }

  /** Neighbour n's ACK record for our destination `dest` (same arithmetic as
   * TxQueue.onAck): owed records carried by a covered packet are delivered; a
   * newer ACK without the packet is a NACK: they are sent again at once. */
  onAck(n: Neighbour, dest: Destination, ackSeq: number, mask: number, now: number): void {
    const o = this.owed.get(n);
    if (!o || o.sent.length === 0) return;
    const acked8 = dest.sent - ((dest.seq - ackSeq) & 0xff);
    for (let i = o.sent.length - 1; i >= 0; i--) {
      const s = o.sent[i];
      if (s.dest !== dest || !sentYet(s)) continue;
      const d = acked8 - s.linkSeq;
      if (d < 0) continue;
      o.sent.splice(i, 1);
      const got = d === 0 || (d <= 32 && ((mask >>> (d - 1)) & 1) === 1);
      if (!got) {
        resend(o, s);
        this.nextDue = Math.min(this.nextDue, now);
        continue;
      }
      o.tries = 0;
      // (a record changed since is owed again, waiting or in flight)
      for (let k = 0; k < s.routes.length; k++) {
        const r = s.routes[k];
        if (r.version === s.versions[k] && !o.waiting.has(r)) o.routes.delete(r);
      }
    }
    if (o.routes.size === 0) this.owed.delete(n);
  }

  /** Send what is due: per destination, the waiting records of the neighbours
   * that ACK it (one broadcast serves every neighbour that ACKs the broadcast). */
  service(now: number, out: AdvertSender): void {
    if (now < this.nextDue) return;
    this.nextDue = Infinity;
    const groups = new Map<Destination, { ns: Neighbour[]; routes: Set<Route>; retry: boolean }>();
    for (const [n, o] of this.owed) {
      if (!out.live(n, now)) { this.owed.delete(n); continue; }
      // Transmissions unanswered by their retransmit time: lost, send again.
      for (let i = o.sent.length - 1; i >= 0; i--) {
        const s = o.sent[i];
        if (s.retryAt > now) { this.nextDue = Math.min(this.nextDue, s.retryAt); continue; }
        o.sent.splice(i, 1);
        resend(o, s);
      }
      if (o.waiting.size === 0) continue;
      if (o.tries >= ADVERT_MAX_TX) {
        // Unanswered ADVERT_MAX_TX times: leave it to the full advert.
        this.stats.advertGiveUps += o.routes.size;
        this.owed.delete(n);
        continue;
      }
      const dest = n.chosen!.dest;
      let g = groups.get(dest);
      if (!g) groups.set(dest, (g = { ns: [], routes: new Set(), retry: false }));
      g.ns.push(n);
      if (o.lost) g.retry = true;
      for (const r of o.waiting) g.routes.add(r);
    }
    for (const [dest, g] of groups) {
      const routes: Route[] = [];
      const records: LinkRecordRepr[] = [];
      for (const r of g.routes) {
        const rec = out.record(r);
        if (rec) { routes.push(r); records.push(rec); }
      }
      // A first send waits for the neighbour's next ACK (its tick, or at once
      // if a later packet shows a gap): no ACK packet of its own for every
      // change. A retransmission asks for a prompt ACK.
      const frames = records.length > 0 ? out.send(now, records, dest, g.retry) : [];
      const advertised = new Set(routes);
      this.stats.advertResends += frames.length;
      for (const n of g.ns) {
        const o = this.owed.get(n)!;
        if (o.lost) o.tries++;
        o.lost = false;
        const retryAt = now + retransmitDelay(dest, o.tries) + (g.retry ? 0 : dest.iface.tickMs * 1.5);
        let at = 0;
        for (const f of frames) {
          const rs: Route[] = [];
          for (let k = at; k < f.end; k++) if (o.waiting.has(routes[k])) rs.push(routes[k]);
          at = f.end;
          if (rs.length > 0) o.sent.push({ tx: f.tx, linkSeq: -1, dest, routes: rs, versions: rs.map((r) => r.version), retryAt });
        }
        // Routes no longer advertised (a forgotten NO_PATH) are owed nothing.
        for (const r of o.waiting) if (!advertised.has(r)) o.routes.delete(r);
        o.waiting.clear();
        if (o.sent.length > ADVERT_SENT_MAX) {
          // Too many in flight: the oldest count as lost now.
          for (const s of o.sent.splice(0, o.sent.length - ADVERT_SENT_MAX)) resend(o, s);
          this.nextDue = Math.min(this.nextDue, retryAt);
        }
        if (o.routes.size === 0) { this.owed.delete(n); continue; }
        this.nextDue = Math.min(this.nextDue, retryAt);
      }
    }
  }

  /** Neighbours with owed records (tests, status). */
  get size(): number {
    return this.owed.size;
  }
}

/** A transmission is lost: its records still current and owed wait to be sent again. */
function resend(o: Owed, s: Sent): void {
  for (let k = 0; k < s.routes.length; k++) {
    const r = s.routes[k];
    if (r.version === s.versions[k] && o.routes.has(r)) { o.waiting.add(r); o.lost = true; }
  }
}

/** Has the transmission gone out? (then keep only its packet count, not the frame) */
function sentYet(s: Sent): boolean {
  if (s.tx) {
    if (s.tx.txCount === 0) return false;
    s.linkSeq = s.tx.sentLinkSeq;
    s.tx = undefined;
  }
  return true;
}
