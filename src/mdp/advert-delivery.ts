// Per-hop reliable routing adverts. A changed route's record is owed to every
// direct neighbour until that neighbour's ACK record covers a packet that
// carried it, and retransmitted to the ones that have not ACKed, on the
// destination each one ACKs (its chosen out-link: its unicast address, or the
// shared broadcast). A neighbour that becomes reachable is owed every route the
// same way. So a record lost on a link is repaired one retransmit delay later,
// not by the next full advert seconds later: on a 5-hop line at 33% loss per
// link, four blind sends lost a record now and then (0.33^4 per record per
// link) and left the far end without a route for ~10 s.
//
// Cheap, as a router needs it: each neighbour owed something holds one of 64
// slots, and a route keeps the slots still owed its record as two 32-bit words
// (Route.owedLo/Hi, and waitLo/Hi for those waiting for a (re)send). One
// transmission (a frame, which may serve every neighbour on a broadcast)
// remembers its routes, their versions and the slots it awaits; an ACK clears
// one bit per record. A newer version supersedes the older one in flight.
// A change is owed again at each of its ADVERT_SENDS advert times (0, 150,
// 450, 1050 ms), even to neighbours that ACKed it: owing it once only left
// routes flapping in the steady 200-node grid (a neighbour's tree takes any
// record as it comes, so an older copy arriving late, e.g. from another
// destination's queue, stays until the next full advert; not diagnosed further).
// Bounded: ADVERT_MAX_TX transmissions per neighbour without an ACK, then the
// periodic full advert repairs; a window of ADVERT_SENT_MAX frames in flight
// per destination; give-ups and neighbours without a slot counted (advertGiveUps).
import type { LinkRecordRepr } from "../wire/types";
import type { Destination, Neighbour } from "./neighbours";
import type { Route } from "./routing";
import { retransmitDelay, type TxFrame } from "./tx-queue";
import { ADVERT_MAX_TX, ADVERT_SENT_MAX } from "./constants";
import { popcount } from "./link-window";

/** Neighbour slots (the neighbour table's default cap). */
const SLOTS = 64;

/** One transmission of owed records: the frame, the routes (at their versions
 * then) whose records it carried, the slots yet to ACK it, when it counts as lost. */
interface Sent {
  /** The queued frame until it is sent; then its packet count on dest (Destination.sent). */
  tx: TxFrame | undefined;
  linkSeq: number;
  dest: Destination;
  lo: number;
  hi: number;
  routes: Route[];
  versions: number[];
  retryAt: number;
}

/** The neighbours (slots) that ACK one destination and wait for records, their
 * most transmissions since an ACK (the retransmit backoff), and whether some
 * of the records are retransmissions. */
interface Group {
  dest: Destination;
  lo: number;
  hi: number;
  tries: number;
  retry: boolean;
}

export interface AdvertSender {
  /** Queue link-state frames carrying `records` to `dest` (ACK_SOON if
   * `ackSoon`), at most `maxFrames` of them: per frame, the index of the first
   * record after it. */
  send(now: number, records: LinkRecordRepr[], dest: Destination, ackSoon: boolean, maxFrames: number): { tx: TxFrame; end: number }[];
  /** The record we advertise for a route now, or undefined (no longer advertised). */
  record(r: Route): LinkRecordRepr | undefined;
  /** Is n a direct neighbour that routes may use (not silent)? Else it is owed nothing. */
  live(n: Neighbour, now: number): boolean;
}

export interface AdvertDeliveryStats {
  /** Frames of owed records sent to neighbours (besides the blind broadcasts). */
  advertResends: number;
  /** Owed records a neighbour never ACKed within the cap, or not owed for want
   * of a slot (left to the full advert). */
  advertGiveUps: number;
}

export class AdvertDelivery {
  private readonly slotOf = new Map<Neighbour, number>();
  private readonly bySlot: (Neighbour | undefined)[] = new Array<Neighbour | undefined>(SLOTS).fill(undefined);
  /** Per slot: transmissions since its last ACK of one (backoff and cap). */
  private readonly tries = new Uint8Array(SLOTS);
  /** Slots with a record sent before and lost (the next send asks for a prompt ACK). */
  private lostLo = 0;
  private lostHi = 0;
  /** Routes with owed bits (Route.owedListed), each once. */
  private owed: Route[] = [];
  private readonly sent: Sent[] = [];
  /** Some records wait for room in a destination's window (ADVERT_SENT_MAX). */
  private blocked = false;
  /** Records wait to be sent now (owed, NACKed, or room in a window). */
  private pending = false;
  /** When service() has something to do (Infinity: nothing owed): now if
   * pending, else the earliest retransmit time in flight (kept exact as ACKs
   * retire transmissions: a stale deadline would wake the node for nothing). */
  nextDue = Infinity;

  constructor(private readonly stats: AdvertDeliveryStats) {}

  /** The current records of `routes` are owed to each of `to`, sent at the next
   * service; `again` (a new neighbour's table): only versions already owed to
   * others, the rest are owed at their next advert. */
  owe(to: Iterable<Neighbour>, routes: Iterable<Route>, now: number, again = false): void {
    let lo = 0, hi = 0;
    for (const n of to) {
      const b = this.slot(n);
      if (b < 0) continue;
      if (b < 32) lo |= 1 << b;
      else hi |= 1 << (b - 32);
    }
    if ((lo | hi) === 0 && again) return;
    for (const r of routes) {
      if (r.owedVersion !== r.version) {
        // A version not owed yet: its first advert owes it to every direct neighbour.
        if (again) continue;
        // Whoever awaited the old version is owed this one instead.
        r.owedVersion = r.version;
        r.waitLo = r.owedLo;
        r.waitHi = r.owedHi;
      }
      r.owedLo |= lo; r.owedHi |= hi;
      r.waitLo |= lo; r.waitHi |= hi;
      if (!r.owedListed && (r.owedLo | r.owedHi) !== 0) { r.owedListed = true; this.owed.push(r); }
    }
    this.pending = true;
    this.nextDue = Math.min(this.nextDue, now);
  }

  /** Neighbour n's ACK record for our destination `dest` (same arithmetic as
   * TxQueue.onAck): owed records carried by a covered packet are delivered; a
   * newer ACK without the packet is a NACK: they are sent again at once. */
  onAck(n: Neighbour, dest: Destination, ackSeq: number, mask: number, now: number): void {
    if (this.sent.length === 0) return;
    const b = this.slotOf.get(n);
    if (b === undefined) return;
    const lo = b < 32 ? 1 << b : 0, hi = b < 32 ? 0 : 1 << (b - 32);
    const acked8 = dest.sent - ((dest.seq - ackSeq) & 0xff);
    let retired = false;
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const s = this.sent[i];
      if (s.dest !== dest || ((s.lo & lo) | (s.hi & hi)) === 0 || !sentYet(s)) continue;
      const d = acked8 - s.linkSeq;
      if (d < 0) continue;
      s.lo &= ~lo; s.hi &= ~hi;
      if ((s.lo | s.hi) === 0) {
        this.sent.splice(i, 1);
        retired = true;
        // Room in the window for records that waited for it.
        if (this.blocked) { this.blocked = false; this.pending = true; }
      }
      if (d === 0 || (d <= 32 && ((mask >>> (d - 1)) & 1) === 1)) {
        this.tries[b] = 0;
        for (let k = 0; k < s.routes.length; k++) {
          const r = s.routes[k];
          if (r.owedVersion !== s.versions[k]) continue; // a newer version is owed
          r.owedLo &= ~lo; r.owedHi &= ~hi;
          r.waitLo &= ~lo; r.waitHi &= ~hi;
        }
      } else if (lost(s, lo, hi)) {
        this.lostLo |= lo; this.lostHi |= hi;
        this.pending = true;
      }
    }
    if (this.pending) this.nextDue = Math.min(this.nextDue, now);
    else if (retired) this.nextDue = this.earliestRetry();
  }

  private earliestRetry(): number {
    let t = Infinity;
    for (const s of this.sent) if (s.retryAt < t) t = s.retryAt;
    return t;
  }

  /** Send what is due: per destination, the waiting records of the neighbours
   * that ACK it (one broadcast serves every neighbour that ACKs the broadcast). */
  service(now: number, out: AdvertSender): void {
    if (now < this.nextDue) return;
    this.blocked = false;
    this.pending = false;
    // Transmissions unanswered by their retransmit time: lost, send again.
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const s = this.sent[i];
      if (s.retryAt > now) continue;
      this.sent.splice(i, 1);
      if (lost(s, s.lo, s.hi)) { this.lostLo |= s.lo; this.lostHi |= s.hi; }
    }
    // Per slot: gone (not live), or over the cap (give up); the rest grouped by destination.
    let dropLo = 0, dropHi = 0, capLo = 0, capHi = 0;
    for (let b = 0; b < SLOTS; b++) {
      const n = this.bySlot[b];
      if (!n) continue;
      const lo = b < 32 ? 1 << b : 0, hi = b < 32 ? 0 : 1 << (b - 32);
      if (!out.live(n, now)) { dropLo |= lo; dropHi |= hi; }
      else if (this.tries[b] >= ADVERT_MAX_TX) { capLo |= lo; capHi |= hi; }
    }
    const groups: Group[] = [];
    let waitLo = 0, waitHi = 0, left = 0;
    const keepLo = ~(dropLo | capLo), keepHi = ~(dropHi | capHi);
    for (let i = 0; i < this.owed.length; i++) {
      const r = this.owed[i];
      this.stats.advertGiveUps += popcount(r.owedLo & capLo) + popcount(r.owedHi & capHi);
      r.owedLo &= keepLo; r.owedHi &= keepHi;
      r.waitLo &= r.owedLo; r.waitHi &= r.owedHi;
      if ((r.owedLo | r.owedHi) === 0) { r.owedListed = false; continue; }
      this.owed[left++] = r;
      waitLo |= r.waitLo; waitHi |= r.waitHi;
    }
    this.owed.length = left;
    // Slots owed nothing any more are freed (and forgotten by transmissions in flight).
    let usedLo = 0, usedHi = 0;
    for (const r of this.owed) { usedLo |= r.owedLo; usedHi |= r.owedHi; }
    for (let b = 0; b < SLOTS; b++) {
      if (!this.bySlot[b]) continue;
      const lo = b < 32 ? 1 << b : 0, hi = b < 32 ? 0 : 1 << (b - 32);
      if ((usedLo & lo) | (usedHi & hi)) {
        if ((waitLo & lo) | (waitHi & hi)) {
          const dest = this.bySlot[b]!.chosen!.dest;
          let g = groups.find((x) => x.dest === dest);
          if (!g) groups.push((g = { dest, lo: 0, hi: 0, tries: 0, retry: false }));
          g.lo |= lo; g.hi |= hi;
          if ((this.lostLo & lo) | (this.lostHi & hi)) { this.tries[b]++; g.retry = true; }
          g.tries = Math.max(g.tries, this.tries[b]);
        }
        continue;
      }
      this.slotOf.delete(this.bySlot[b]!);
      this.bySlot[b] = undefined;
      this.tries[b] = 0;
      for (const s of this.sent) { s.lo &= ~lo; s.hi &= ~hi; }
    }
    this.lostLo = 0; this.lostHi = 0;
    for (const g of groups) this.sendGroup(now, out, g);
    // (transmissions left awaiting no slot are dropped)
    let kept = 0;
    for (const s of this.sent) if ((s.lo | s.hi) !== 0) this.sent[kept++] = s;
    this.sent.length = kept;
    this.nextDue = this.pending ? now : this.earliestRetry();
  }

  /** The waiting records of one destination's slots, in as many frames as they fill. */
  private sendGroup(now: number, out: AdvertSender, g: Group): void {
    // A window: at most ADVERT_SENT_MAX frames in flight to a destination; the
    // rest wait for ACKs (or retransmit timeouts) to make room.
    let room = ADVERT_SENT_MAX;
    for (const s of this.sent) if (s.dest === g.dest) room--;
    if (room <= 0) { this.blocked = true; return; }
    const routes: Route[] = [];
    const records: LinkRecordRepr[] = [];
    for (const r of this.owed) {
      if (((r.waitLo & g.lo) | (r.waitHi & g.hi)) === 0) continue;
      const rec = out.record(r);
      if (rec) { routes.push(r); records.push(rec); continue; }
      // No longer advertised (a forgotten NO_PATH): owed to nobody.
      r.owedLo = r.owedHi = r.waitLo = r.waitHi = 0;
    }
    if (records.length === 0) return;
    // A first send waits for the neighbour's next ACK (its tick, or at once if
    // a later packet shows a gap): no ACK packet of its own for every change
    // (ACK_SOON on every send doubled the ACK packets and events of a settling
    // grid). A retransmission asks for a prompt ACK.
    const frames = out.send(now, records, g.dest, g.retry, room);
    this.stats.advertResends += frames.length;
    const retryAt = now + retransmitDelay(g.dest, g.tries) + (g.retry ? 0 : g.dest.iface.tickMs * 1.5);
    let at = 0;
    for (const f of frames) {
      const rs = routes.slice(at, f.end);
      at = f.end;
      for (const r of rs) { r.waitLo &= ~g.lo; r.waitHi &= ~g.hi; }
      this.sent.push({ tx: f.tx, linkSeq: -1, dest: g.dest, lo: g.lo, hi: g.hi, routes: rs, versions: rs.map((r) => r.owedVersion), retryAt });
    }
    if (at < routes.length) this.blocked = true;
  }

  /** n's slot, taken if it has none (-1: all taken; counted as a give-up). */
  private slot(n: Neighbour): number {
    const b = this.slotOf.get(n);
    if (b !== undefined) return b;
    const free = this.bySlot.indexOf(undefined);
    if (free < 0) { this.stats.advertGiveUps++; return -1; }
    this.bySlot[free] = n;
    this.slotOf.set(n, free);
    this.tries[free] = 0;
    return free;
  }

  /** Neighbours with owed records (tests, status). */
  get size(): number {
    return this.slotOf.size;
  }
}

/** Transmission s is lost for the slots lo/hi: its records still current and
 * owed to them wait to be sent again. Did any? */
function lost(s: Sent, lo: number, hi: number): boolean {
  let any = false;
  for (let k = 0; k < s.routes.length; k++) {
    const r = s.routes[k];
    if (r.owedVersion !== s.versions[k]) continue;
    const wl = r.owedLo & lo, wh = r.owedHi & hi;
    if ((wl | wh) === 0) continue;
    r.waitLo |= wl; r.waitHi |= wh;
    any = true;
  }
  return any;
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
