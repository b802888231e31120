// The transmit path: decides where each due frame goes (fixed destination, or
// the current next hop of its route), gives it a frame sequence (kept on
// retransmission, spec 4.2), and packs frames into packets of at most the
// interface MTU, each with the destination's next link sequence (spec 2, 6.4).
import { ENCAP_OVERLAY, type EnvelopeRepr, type Sid } from "../wire/types";
import { ByteWriter } from "../wire/bytes";
import { appendFrame, beginPacket } from "../wire/packet";
import type { Transmit } from "./api";
import type { Destination, Neighbour } from "./neighbours";
import { REACHABLE_NONE, type Route } from "./routing";
import { retransmitDelay, type TxFrame, type TxQueue } from "./tx-queue";
import type { MeshStats } from "./stats";
import * as C from "./constants";

export class Transmitter {
  /** Packets waiting for pollTransmit. */
  readonly outbox: Transmit[] = [];
  /** One global 16-bit frame counter; the low byte goes on the wire. */
  private frameSeq16: number;
  private readonly w = new ByteWriter(2048);

  constructor(
    private readonly queue: TxQueue,
    private readonly stats: MeshStats,
    private readonly primarySid: Sid,
    private readonly maxTx: number,
    private readonly routeOf: (hex: string) => Route | undefined,
    initialSeq: number,
  ) {
    this.frameSeq16 = initialSeq & 0xffff;
  }

  /** An envelope-only packet (a tick) to `dest`. */
  sendEmpty(now: number, dest: Destination): void {
    this.buildPackets(now, dest, []);
  }

  /** Decide where each due frame goes, then pack them into packets per destination. */
  flush(now: number): void {
    if (this.queue.length === 0) return;
    const groups = new Map<Destination, { f: TxFrame; n: Neighbour | undefined }[]>();
    // Reliable frames in flight per destination (sent, neither ACKed nor timed
    // out): a new frame goes out only while these stay below the window, so a
    // burst waits here (FIFO) instead of overflowing the link's queue, where
    // losses are silent. A timed-out frame leaves the window until resent, so a
    // peer that never ACKs slows us down but cannot stall us.
    const inFlight = new Map<Destination, number>();
    for (const f of this.queue.frames) {
      if (f.reliable && f.txCount > 0 && f.sentDest && f.nextTxAt > now) inFlight.set(f.sentDest, (inFlight.get(f.sentDest) ?? 0) + 1);
    }
    for (const f of [...this.queue.frames]) {
      if (f.nextTxAt > now && !f.held && !(f.waitingRoute && now >= f.deadline)) continue;
      if (now >= f.deadline || (f.reliable && f.txCount >= this.maxTx)) {
        this.queue.remove(f);
        if (f.reliable) {
          if (f.txCount === 0) this.stats.noRouteDrops++;
          else this.stats.retryDrops++;
        }
        continue;
      }
      let dest: Destination;
      let nb: Neighbour | undefined;
      if (f.fixed) {
        dest = f.fixed;
      } else {
        const r = this.routeOf(f.finalHex!);
        nb = r?.nextHop;
        if (!r || r.reachable === REACHABLE_NONE || !nb || !nb.chosen) {
          f.waitingRoute = true;
          f.nextTxAt = f.deadline;
          continue;
        }
        dest = nb.chosen.dest;
        if (f.reliable) {
          const k = inFlight.get(dest) ?? 0;
          if (f.txCount === 0 && k >= C.INFLIGHT_MAX) {
            if (dest.windowFullSince < 0) dest.windowFullSince = now;
            // A full window with no ACK for a while: the peer does not ACK (or
            // not our link sequences); windowing it would only stall us.
            if (now - Math.max(dest.windowFullSince, dest.lastAckAt) < C.ACKLESS_WINDOW_LIFT_MS) {
              f.held = true; f.nextTxAt = f.deadline; continue;
            }
          }
          inFlight.set(dest, k + 1);
          f.held = false;
        }
        const oneHop = nb.sub.hex === f.finalHex;
        f.frame.oneHop = oneHop;
        f.frame.nextHop = oneHop ? undefined : nb.sub.sid;
      }
      if (f.seq16 < 0 || ((this.frameSeq16 - f.seq16) & 0xffff) >= C.FRAME_SEQ_WINDOW - 4) {
        // A fresh sequence; also for a retransmission that has fallen out of the
        // receiver's 64-entry duplicate window (it then risks one duplicate).
        if (f.seq16 >= 0) this.stats.resequenced++;
        this.frameSeq16 = (this.frameSeq16 + 1) & 0xffff;
        f.seq16 = this.frameSeq16;
      }
      f.frame.seq = f.seq16 & 0xff;
      f.frame.ackSoon = f.reliable;
      let g = groups.get(dest);
      if (!g) groups.set(dest, (g = []));
      g.push({ f, n: nb });
    }
    for (const [dest, list] of groups) this.buildPackets(now, dest, list);
  }

  private buildPackets(now: number, dest: Destination, list: { f: TxFrame; n: Neighbour | undefined }[]): void {
    const iface = dest.iface;
    let i = 0;
    do {
      dest.seq = (dest.seq + 1) & 0xff;
      dest.sent++;
      const env: EnvelopeRepr = {
        version: 1, encapsulation: ENCAP_OVERLAY, transmitter: this.primarySid, transmitterFull: true,
        unicast: dest.unicast, interfaceIndex: iface.index, linkSeq: dest.seq,
      };
      const w = this.w;
      w.reset();
      // PREVIOUS for a repeated address (as servald writes); SELF is automatic.
      const ctx = beginPacket(w, env, { usePrevious: true });
      const packed: { f: TxFrame; n: Neighbour | undefined }[] = [];
      let anyReliable = false;
      while (i < list.length) {
        const e = list[i];
        if (!appendFrame(w, 0, e.f.frame, ctx, env, iface.mtu)) {
          // A frame that does not fit the MTU even alone (e.g. a forwarded
          // ~1100-byte payload with three full SIDs) goes alone in a larger
          // packet: servald accepts any frame payload below 1200 bytes and
          // receives packets of up to 8096.
          if (packed.length === 0 && e.f.frame.payload.length < C.MDP_OVERLAY_MTU &&
              appendFrame(w, 0, e.f.frame, ctx, env, C.PACKET_HARD_MAX)) {
            this.stats.oversizePackets++;
            packed.push(e);
            if (e.f.reliable) anyReliable = true;
            i++;
            break;
          }
          if (packed.length === 0) {
            // Can never fit: drop rather than loop.
            this.queue.remove(e.f);
            this.stats.framesDropped++;
            i++;
            continue;
          }
          break;
        }
        packed.push(e);
        if (e.f.reliable) anyReliable = true;
        i++;
      }
      const bytes = w.toBytes();
      if (this.outbox.length >= C.TRANSMIT_QUEUE_MAX) { this.outbox.shift(); this.stats.transmitDrops++; }
      this.outbox.push({ ifIndex: iface.index, to: dest.address, bytes });
      this.stats.packetsOut++;
      this.stats.bytesOut += bytes.length;
      dest.lastTxAt = now;
      dest.sentAt[dest.seq] = now;
      dest.ackSoon[dest.seq] = anyReliable ? 1 : 0;
      for (const { f, n } of packed) {
        f.txCount++;
        this.stats.framesOut++;
        if (f.txCount > 1) this.stats.retransmissions++;
        if (f.ackFor) { f.ackFor.lastAckDest = dest; f.ackFor.lastAckSeq = dest.seq; }
        if (f.reliable) {
          f.sentDest = dest;
          f.sentTo = n;
          f.sentLinkSeq = dest.sent;
          f.nextTxAt = now + retransmitDelay(dest, f.txCount);
        } else {
          this.queue.remove(f);
        }
      }
    } while (i < list.length);
  }
}
