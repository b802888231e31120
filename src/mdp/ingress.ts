// Ingress: a packet from an interface (PROTOCOL.md 2, 6.2, 6.4) updates its
// transmitter's neighbour record and link-in (link sequence window, restarts,
// loss), then each frame (4.2) passes the neighbour's frame duplicate window and
// is delivered to us, answered (please-explain), forwarded along its route or
// flooded. This room writes the neighbour's receive state (linksIn, frameWindow,
// frameFp, frameDupPlain, frameGhost, rxLossQ12); ACK debts go to hop-acks.ts.
import { SID_BROADCAST, TYPE_DATA, TYPE_PLEASEEXPLAIN, type FrameRepr, type Sid } from "../wire/types";
import { decodePacket, newPacketDecodeScratch, takeDecodedFrame } from "../wire/packet";
import type { Subscriber } from "./subscribers";
import { newDecodeContext, type AddressDecodeContext } from "../wire/address";
import { openMdpPayload, type OpenKeys, type PayloadMode } from "../crypto/mdp-payload";
import type { NodeContext } from "./context";
import type { LinkStateIn } from "./link-state-in";
import type { HopAcks } from "./hop-acks";
import type { PleaseExplain } from "./please-explain";
import type { Ports } from "./ports";
import type { Routes } from "./routes";
import type { Sender } from "./send";
import type { ServiceHost } from "./service-host";
import { SEQ_DUP, SEQ_NEW, SeqWindow64 } from "./link-window";
import { bestLinkIn, findLinkIn, frameFingerprint, newNeighbour, reachableTimeout, type Iface, type Neighbour } from "./neighbours";
import { requestSignKey } from "./keymap";
import { SteadyPackets } from "./steady-packet";
import * as C from "./constants";

/** 0.05 in 1/4096: the weight of one packet in Neighbour.rxLossQ12. */
const RX_LOSS_DECAY_Q12 = 205;
/** 0.05 * missed / (missed + 1) in 1/4096, by missed (computed once: no division per packet). */
const MISS_STEP_Q12 = Int32Array.from({ length: 257 }, (_, m) => Math.floor((RX_LOSS_DECAY_Q12 * m) / (m + 1)));

/** Bound on Ingress.byTx (a neighbour table's worth; spoofed transmitters are refused there first). */
const BY_TX_MAX = 256;

export class Ingress {
  /** The address decoding context of the packet being read (reset per packet, not made anew). */
  private readonly dctx: AddressDecodeContext;
  /** The keys of the frame being opened (reset per frame, not made anew). */
  private readonly openKeys: OpenKeys = { sourceSid: SID_BROADCAST, destination: undefined, sourceSignPublic: undefined };
  /** The reader and packet objects decodePacket fills for every packet (like dctx:
   * one packet is handled at a time, never one inside another's frames). */
  private readonly scratch = newPacketDecodeScratch();
  /** Neighbours by their address-book record, for NeighbourTable.version byTxVersion
   * (emptied when it changes: a neighbour came or went). */
  private readonly byTx = new Map<Subscriber, Neighbour>();
  private byTxVersion = -1;
  /** Steady neighbours' packets recognised from their bytes (receiveSteady). */
  private readonly steady = new SteadyPackets();
  /** Tests: false sends every packet through the generic decoder. */
  steadyFastPath = true;

  constructor(
    private readonly cx: NodeContext,
    private readonly ports: Ports,
    private readonly sender: Sender,
    private readonly acks: HopAcks,
    private readonly routes: Routes,
    private readonly explain: PleaseExplain,
    private readonly host: ServiceHost,
    private readonly linkStateIn: LinkStateIn,
  ) {
    this.dctx = newDecodeContext(cx.subs);
  }

  receivePacket(now: number, ifIndex: number, from: string, bytes: Uint8Array): void {
    const cx = this.cx;
    const stats = cx.stats;
    stats.packetsIn++;
    const iface = cx.ifaceAt(ifIndex);
    if (!iface) { stats.packetsDropped++; return; }
    if (this.steadyFastPath && this.receiveSteady(now, iface, from, bytes)) return;
    const dc = this.dctx;
    dc.sender = undefined;
    dc.previous = undefined;
    dc.invalid = false;
    dc.lastCode = 0;
    dc.lastPrefix = undefined;
    if (dc.unresolved.length > 0) dc.unresolved = []; // (the last packet's went to please-explain)
    const pkt = decodePacket(bytes, cx.subs, dc, this.scratch);
    const env = pkt.envelope;
    if (env.version < 0) {
      stats.packetsDropped++;
      cx.log("debug", `bad packet from ${from}: ${pkt.error ?? "?"}`);
      return;
    }
    const t = env.transmitter;
    if (!t) {
      // Unknown abbreviated transmitter: ask who it is, on broadcast and back to the sender.
      stats.unknownTransmitter++;
      if (env.transmitterPrefix) this.explain.ask(now, iface, from, undefined, pkt.unresolved);
      return;
    }
    const tsub = cx.subs.add(t);
    if (tsub.local) return; // our own packet echoed back
    // (the neighbour by its address-book record: no 64-digit hex hashed per packet)
    const nt = cx.nt;
    if (this.byTxVersion !== nt.version) { this.byTx.clear(); this.byTxVersion = nt.version; }
    let n = this.byTx.get(tsub);
    if (n === undefined) {
      n = nt.byHex.get(tsub.hex);
      if (n !== undefined && this.byTx.size < BY_TX_MAX) this.byTx.set(tsub, n);
    }
    if (!n) {
      if (cx.nt.size >= cx.limits.neighbours) {
        if (!cx.nt.evict(now)) { stats.packetsDropped++; stats.neighboursRefused++; return; }
        this.routes.markDirty();
      }
      n = newNeighbour(tsub, now);
      cx.nt.add(n);
      cx.log("debug", `new neighbour ${tsub.hex} on ${iface.name} via ${from}`);
    } else if (this.steady.unknownTx) {
      // (a steady packet but for its transmitter: the next ones take receiveSteady)
      this.steady.unknownTx = false;
      this.steady.remember(bytes, tsub, n, cx.subs, nt.version);
    }
    if (!this.linkHeard(now, iface, n, from, env.interfaceIndex, env.unicast, env.linkSeq)) return;

    const frames = pkt.frames;
    for (let i = 0; i < frames.length; i++) this.receiveFrame(now, iface, n, from, frames[i], t);
    if (pkt.unresolved.length > 0) this.explain.ask(now, iface, from, n, pkt.unresolved);
  }

  /** A packet from neighbour n on iface (its envelope's interface, unicast flag
   * and link sequence, -1 for none): its link-in (created on the first packet),
   * out-links, link window and loss, the ACK it is owed, when it was heard.
   * False: a repeated packet, dropped (its frames are not to be read). */
  private linkHeard(now: number, iface: Iface, n: Neighbour, from: string, theirIf: number, unicast: boolean, linkSeq: number): boolean {
    const cx = this.cx;
    const stats = cx.stats;
    const timeout = reachableTimeout(n, iface.tickMs);
    let link = findLinkIn(n, iface, theirIf, unicast);
    if (!link) {
      link = { iface, theirIf, unicast, address: from, window: new SeqWindow64(), lastRxAt: C.LONG_AGO, unacked: 0, dupRun: 0 };
      n.linksIn.push(link);
    }
    link.address = from;
    cx.nt.createOutLinks(n, iface, from, now, timeout);
    if (link.lastRxAt + timeout < now) {
      this.acks.linkCameUp(n, now); // a link came (back) up: tell the neighbour soon
      this.routes.markDirty();
    }
    if (linkSeq >= 0) {
      const r = link.window.receive(linkSeq);
      if (r === SEQ_NEW) {
        link.dupRun = 0;
      } else if (r === SEQ_DUP) {
        if (++link.dupRun < C.RESTART_DUP_PACKETS) {
          stats.duplicatePackets++;
          return false;
        }
        // Repeated sequences only, several with no newer one between: the neighbour
        // restarted with a sequence inside our window. Start the link window over, or
        // our ACKs would never cover its new packets. A late sequence (not seen
        // before) is reordering (several interfaces, driver queues): it counts for
        // nothing here, and no link-layer event touches the frame window: a replay or a
        // stray old packet must not make us deliver again what we delivered. A restarted
        // neighbour's frames are told from repeats by their content (frameIsNew).
        stats.linkResets++;
        link.window.reset();
        link.window.receive(linkSeq);
        link.dupRun = 0;
      }
      const missed = link.window.missed;
      // rxLoss = 0.95 rxLoss + 0.05 missed / (missed + 1), in 1/4096 (int32; the
      // decay rounded up, so it comes back to 0)
      const q = n.rxLossQ12;
      n.rxLossQ12 = q - ((q * RX_LOSS_DECAY_Q12 + 4095) >> 12) + (missed > 0 ? MISS_STEP_Q12[missed < MISS_STEP_Q12.length ? missed : MISS_STEP_Q12.length - 1] : 0);
      link.lastRxAt = now;
      // Only the link we ACK matters (ACK records cover one link-in, PROTOCOL.md 6.3).
      if (link === bestLinkIn(n, now, timeout)) this.acks.packetHeard(n, link, missed, now);
    }
    link.lastRxAt = now;
    this.routes.noteHeard(n, now);
    return true;
  }

  /**
   * A steady neighbour's packet (steady-packet.ts: its shape, and its
   * transmitter as the generic path last resolved it), with every effect of the
   * generic path (decodePacket's address look-up, receivePacket, receiveFrame,
   * frameIsNew, deliverFrame, Ports.deliver, receiveLinkState), without its
   * decoders and objects. False, having done nothing, for any other packet. (The
   * decode scratch, dctx and the Ports' ports scratch are left as the last
   * generic packet left them: each packet sets them before it reads them.)
   */
  private receiveSteady(now: number, iface: Iface, from: string, bytes: Uint8Array): boolean {
    const cx = this.cx;
    const subs = cx.subs;
    const st = this.steady;
    const m = st.match(bytes, subs.generation, cx.nt.version);
    if (m === undefined) return false;
    const sub = m.sub, n = m.n;
    const len = bytes.length;
    let p = st.first;
    if (st.single) {
      const frameSeq = bytes[p + 1];
      const flen = (bytes[p + 2] << 8) | bytes[p + 3];
      p += 4; // (the frame's payload, its ports first)
      // (sub is used by the address look-up, lookupPrefix or learnSid, and
      // receivePacket's subs.add, then by deliverFrame's subs.add: marked once for
      // all, no other record is marked in between)
      if (!this.linkHeard(now, iface, n, from, st.theirIf, st.unicast, st.linkSeq)) {
        subs.touchTimes(sub, 2);
        return true;
      }
      cx.stats.framesIn++;
      if (!this.frameIsNew(n, frameFingerprint(TYPE_DATA, bytes, p, flen), frameSeq, false)) {
        subs.touchTimes(sub, 2);
        return true;
      }
      subs.touchTimes(sub, 3);
      this.linkStateIn.receiveLinkStateAt(now, n, bytes, p + 1, len, sub);
      return true;
    }
    // (several frames: a tick's ACK record, then a full advert)
    subs.touchTimes(sub, 2); // (the address look-up and receivePacket's subs.add)
    if (!this.linkHeard(now, iface, n, from, st.theirIf, st.unicast, st.linkSeq)) return true;
    while (p < len) {
      const at = p + 4; // (the frame's payload, its ports first)
      const end = at + ((bytes[p + 2] << 8) | bytes[p + 3]);
      const frameSeq = bytes[p + 1];
      p = end;
      cx.stats.framesIn++;
      if (!this.frameIsNew(n, frameFingerprint(TYPE_DATA, bytes, at, end - at), frameSeq, false)) continue;
      subs.touch(sub); // deliverFrame's subs.add
      this.linkStateIn.receiveLinkStateAt(now, n, bytes, at + 1, end, sub);
    }
    return true;
  }

  /** `t`: the packet's transmitter (not one of ours). */
  private receiveFrame(now: number, iface: Iface, n: Neighbour, from: string, f: FrameRepr, t: Sid): void {
    const cx = this.cx;
    const stats = cx.stats;
    stats.framesIn++;
    if (f.invalid || !f.source) { stats.framesDropped++; return; }
    // (most frames are their transmitter's own, SENDER_SAME: no look-up)
    if (f.source !== t && cx.isLocal(f.source)) return; // our own frame, relayed back
    const toMe = f.destination !== undefined && cx.isLocal(f.destination);
    const nextHopMe = f.destination !== undefined && (f.oneHop ? toMe : f.nextHop !== undefined && cx.isLocal(f.nextHop));
    // ACK_SOON: the transmitter waits for our ACK before it retransmits.
    if (f.ackSoon && (nextHopMe || f.destination === undefined)) this.acks.frameAsksAck(n, now);
    if (f.seq >= 0 && !this.frameIsNew(n, frameFingerprint(f.type, f.payload, 0, f.payload.length), f.seq, f.ackSoon)) return;
    let ttl = f.oneHop ? 1 : f.ttl;
    if (ttl > 0) ttl--;

    if (f.destination === undefined) {
      if (!f.oneHop && f.broadcastId && this.sender.seenBroadcast(f.broadcastId)) { stats.duplicateFrames++; return; }
      if (f.type === TYPE_PLEASEEXPLAIN) { this.explain.receive(now, iface, from, n, f.source, f.payload); return; }
      if (f.type !== TYPE_DATA) return;
      if (!f.oneHop && ttl > 0 && f.broadcastId) {
        stats.framesForwarded++;
        this.sender.forwardBroadcast(now, f, ttl);
      }
      this.deliverFrame(now, f, ttl, n);
      return;
    }
    if (toMe) {
      if (f.type === TYPE_PLEASEEXPLAIN) { this.explain.receive(now, iface, from, n, f.source, f.payload); return; }
      if (f.type === TYPE_DATA) this.deliverFrame(now, f, ttl, n);
      return;
    }
    if (!f.oneHop && nextHopMe) {
      if (ttl === 0) { stats.ttlExpired++; return; }
      if (f.payload.length >= C.MDP_OVERLAY_MTU) { stats.framesDropped++; return; }
      stats.framesForwarded++;
      takeDecodedFrame(this.scratch, f); // (queued: not to be refilled by the next decode)
      this.sender.forwardUnicast(now, f, ttl);
    }
  }

  /** The frame duplicate window of n (PROTOCOL.md 4.2): false for a repeat to drop
   * (counted in duplicateFrames). Also tells a restarted neighbour (its new
   * sequences inside our window) from retransmissions and replays. `fp`: the
   * frame's frameFingerprint. */
  private frameIsNew(n: Neighbour, fp: number, frameSeq: number, ackSoon: boolean): boolean {
    const stats = this.cx.stats;
    const seq = frameSeq & 0xff;
    let r = n.frameWindow.receive(seq);
    if (r === SEQ_DUP && n.frameFp[seq] !== fp) {
      // A sequence we saw, with other content: not a retransmission. The neighbour
      // restarted and its new sequences landed inside our window (dropping this
      // frame as a duplicate would lose it: its packet is ACKed).
      stats.peerRestarts++;
      this.cx.log("debug", `neighbour ${n.sub.hex} restarted (frame content)`);
      this.resetFrameWindow(n, seq);
      r = SEQ_NEW;
    } else if (r !== SEQ_DUP && n.frameGhostLeft > 0) {
      // New to the window since its last reset: still a repeat if the old window
      // had it with this content (a replay, or a retransmission after a restart
      // taken wrongly). A restarted neighbour's new frames differ in content.
      n.frameGhostLeft--;
      if (n.frameGhost.has(seq) && n.frameFp[seq] === fp) r = SEQ_DUP;
    }
    n.frameFp[seq] = fp;
    if (r === SEQ_NEW) {
      n.frameDupPlain = 0;
    } else if (r === SEQ_DUP) {
      // Retransmissions (ACK_SOON) repeat legitimately; other duplicates with no newer
      // frame in between mean the neighbour restarted with a sequence inside our window.
      if (ackSoon || ++n.frameDupPlain < C.RESTART_DUP_FRAMES) {
        stats.duplicateFrames++;
        return false;
      }
      stats.peerRestarts++;
      this.cx.log("debug", `neighbour ${n.sub.hex} restarted (frame sequences)`);
      this.resetFrameWindow(n, seq);
    }
    return true;
  }

  /** Start n's frame window over at seq, keeping the old one as its ghost (the
   * ghost of an earlier reset still running stays: it holds what was delivered
   * before both). */
  private resetFrameWindow(n: Neighbour, seq: number): void {
    if (n.frameGhostLeft === 0) n.frameGhost.copyFrom(n.frameWindow);
    n.frameGhostLeft = C.FRAME_GHOST_FRAMES;
    n.frameWindow.reset();
    n.frameWindow.receive(seq);
    n.frameDupPlain = 0;
  }

  /** Open, check and dispatch a DATA frame addressed to us (or broadcast). */
  private deliverFrame(now: number, f: FrameRepr, ttl: number, n: Neighbour): void {
    const cx = this.cx;
    const ssub = cx.subs.add(f.source!);
    const dest = f.destination ? cx.localOf(f.destination) : undefined;
    if (f.ciphered && !f.destination) { cx.stats.framesDropped++; return; } // never valid
    let plain = f.payload; // (a plain payload, every link-state frame: nothing to open)
    if (f.ciphered || f.signed) {
      const keys = this.openKeys;
      keys.sourceSid = ssub.sid;
      keys.destination = dest;
      keys.sourceSignPublic = ssub.signKey;
      const opened = openMdpPayload(cx.crypto, (f.ciphered ? 0x10 : 0) | (f.signed ? 0x20 : 0), f.payload, keys);
      if (!opened.ok) {
        cx.stats.cryptoFailures++;
        cx.log("debug", `frame from ${ssub.hex} dropped: ${opened.reason}`);
        if (opened.reason === "need-sign-key") requestSignKey(this.host, now, ssub);
        return;
      }
      plain = opened.plain;
    }
    const mode: PayloadMode = f.ciphered ? "ciphered" : f.signed ? "signed" : "plain";
    this.ports.deliver(now, dest ? dest.sid : SID_BROADCAST, ssub.sid, plain, mode, ttl, f.queue, !f.destination, n);
  }
}
