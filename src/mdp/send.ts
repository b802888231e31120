// Send and sealing: an application datagram is checked, sealed (authcrypted,
// signed or plain, PROTOCOL.md 9) and queued as a routed frame, a flood on every
// interface, or delivered locally. Also every other way a frame enters the
// queue: control frames for one destination, link-state payloads, forwarded
// unicast frames and flooded broadcasts (ingress.ts decides what to forward).
import {
  SID_BROADCAST, TYPE_DATA, type FrameRepr, type LinkRecordRepr, type Sid,
} from "../wire/types";
import { bytesEqual } from "../wire/bytes";
import { encodePorts } from "../wire/mdp-ports";
import { sealMdpPayload, type PayloadMode, type SealKeys } from "../crypto/mdp-payload";
import type { SendRequest, SendResult } from "./api";
import type { NodeContext } from "./context";
import { type AdvertPayloads, type Destination, type Iface, type Neighbour } from "./neighbours";
import type { Ports } from "./ports";
import { BroadcastCache } from "./broadcast-cache";
import type { TxFrame } from "./tx-queue";
import { newOwnRecordMemo, packLinkState, packOwnRecord } from "./link-state";
import { abbreviator } from "./abbreviation";
import { DestinationAbbreviators } from "./dest-abbreviators";
import type { Abbreviate } from "../wire/address";
import * as C from "./constants";

const NO_KNOWERS: Neighbour[] = [];
/** send()'s answer when the datagram was taken (one object, read only). */
const SENT: SendResult = Object.freeze({ ok: true });

/** Would these records, for these knowers, encode as `c` did? (SIDs compared as
 * the same objects: route and address-book records; a knower that has named more
 * SIDs since may now get abbreviations.) */
function sameAdvert(c: AdvertPayloads, records: LinkRecordRepr[], knowers: Neighbour[], subsGen: number): boolean {
  if (c.subsGen !== subsGen || c.records.length !== records.length || c.knowers.length !== knowers.length) return false;
  for (let i = 0; i < knowers.length; i++) {
    if (c.knowers[i] !== knowers[i] || c.knowerSids[i] !== knowers[i].knows.size) return false;
  }
  for (let i = 0; i < records.length; i++) {
    const a = c.records[i], b = records[i];
    if (a.receiver !== b.receiver || a.transmitter !== b.transmitter || a.version !== b.version || a.dropRate !== b.dropRate ||
      a.flags !== b.flags || a.interfaceIndex !== b.interfaceIndex || a.ackSeq !== b.ackSeq || a.ackMask !== b.ackMask) return false;
  }
  return true;
}

export class Sender {
  /** Broadcast ids seen (ours and flooded ones): a flood is forwarded once (PROTOCOL.md 4.2). */
  private readonly bpi = new BroadcastCache();
  /** Which abbreviator each destination's packets use. */
  private readonly abbrevs: DestinationAbbreviators;

  constructor(
    private readonly cx: NodeContext,
    private readonly ports: Ports,
    /** Per-hop retransmission: give up a routed frame this long after it was queued. */
    private readonly frameDeadlineMs: number,
    /** SIDs abbreviated on the wire (MeshNodeOptions.abbreviateSids); false: always in full. */
    readonly abbreviates = true,
  ) {
    this.abbrevs = new DestinationAbbreviators(cx);
  }

  /** Queue an MDP datagram. Unicast is authcrypted unless noCrypt (then signed
   * unless noSign); broadcasts must be noCrypt (signed or plain). */
  send(now: number, req: SendRequest): SendResult {
    const cx = this.cx;
    const src = req.srcSid ? cx.localOf(req.srcSid) : cx.identities[0];
    if (!src) return { ok: false, error: "no-identity" };
    const ttl = req.ttl ? req.ttl : C.TTL_DEFAULT;
    if (ttl < 0 || ttl > C.TTL_MAX) return { ok: false, error: "bad-ttl" };
    // Local delivery gets the TTL as asked, 0 included (servald defaults it only
    // for the network): `mdp ping` shows hops=64 for the node's own echo reply.
    const localTtl = req.ttl ?? 0;
    if (!(req.srcPort >= 0 && req.dstPort >= 0 && req.srcPort <= 0x7fffffff && req.dstPort <= 0x7fffffff)) return { ok: false, error: "bad-port" };
    if (req.payload.length > C.MDP_MAX_DATA) return { ok: false, error: "too-big" };
    const broadcast = !req.dstSid || bytesEqual(req.dstSid, SID_BROADCAST);
    const mode: PayloadMode = req.noCrypt ? (req.noSign ? "plain" : "signed") : "ciphered";
    if (broadcast && mode === "ciphered") return { ok: false, error: "crypt-broadcast" };
    if (cx.ifaces.size === 0 && broadcast) return { ok: false, error: "no-interface" };
    const qos = req.qos ? req.qos & 3 : C.OQ_ORDINARY;
    cx.stats.datagramsSent++;
    if (broadcast) {
      const plain = this.plaintext(req.dstPort, req.srcPort, req.payload);
      const payload = sealMdpPayload(cx.crypto, mode === "plain" ? "plain" : "signed", plain, { source: src });
      // Deliver to our own bindings too (servald delivers broadcasts locally).
      this.ports.deliver(now, SID_BROADCAST, src.sid, plain, mode, localTtl, qos, true);
      this.enqueueBroadcast(now, src.sid, payload, mode, ttl, qos, TYPE_DATA);
    } else {
      // (one look-up of the destination per datagram: for "ours?" and for the queue)
      const dsub = cx.subs.get(req.dstSid!);
      const local = dsub?.local ? cx.localOf(dsub.sid) : undefined;
      if (local) {
        const plain = this.plaintext(req.dstPort, req.srcPort, req.payload);
        this.ports.deliver(now, local.sid, src.sid, plain, mode, localTtl, qos, false);
      } else {
        // Sealing a ciphered payload copies it: the plaintext may stay in the scratch writer.
        const plain = mode === "ciphered" ? this.plaintextView(req.dstPort, req.srcPort, req.payload)
          : this.plaintext(req.dstPort, req.srcPort, req.payload);
        const keys = (this.sealKeys ??= { source: src, destinationSid: undefined });
        keys.source = src;
        keys.destinationSid = req.dstSid;
        const payload = sealMdpPayload(cx.crypto, mode, plain, keys);
        // a small-order SID: no key to cipher for (crypto_box_beforenm refuses it)
        if (payload === undefined) return { ok: false, error: "bad-destination" };
        const dst = dsub !== undefined ? cx.subs.touch(dsub) : cx.subs.add(req.dstSid!);
        this.enqueueRouted(now, src.sid, dst.sid, payload, mode, ttl, qos, TYPE_DATA, true, dst.hex);
      }
    }
    return SENT;
  }

  /** The keys of the datagram being sealed (reset per datagram, not made anew). */
  private sealKeys: SealKeys | undefined;

  private plaintext(dstPort: number, srcPort: number, data: Uint8Array): Uint8Array {
    return this.plaintextView(dstPort, srcPort, data).slice();
  }

  /** Ports + data in the reused writer: valid until the next plaintext. */
  private plaintextView(dstPort: number, srcPort: number, data: Uint8Array): Uint8Array {
    const w = this.cx.pw;
    w.reset();
    encodePorts(w, dstPort, srcPort);
    w.bytes(data);
    return w.view();
  }

  /** A one-hop, plain management frame from our primary SID. */
  controlFrame(destination: Sid | undefined, payload: Uint8Array, type: number): FrameRepr {
    return {
      source: this.cx.primarySid, destination, nextHop: undefined, broadcastId: undefined,
      ttl: 1, queue: C.OQ_MESH_MANAGEMENT, oneHop: true, ciphered: false, signed: false,
      ackSoon: false, type, seq: -1, payload, invalid: false,
    };
  }

  /** The link-state frame of one ACK record of ours (receiver: our primary SID;
   * per neighbour per tick) to `to`: last time's bytes, its ACK patched in. */
  ackFrame(rec: LinkRecordRepr, destination: Sid | undefined, to: Destination, now: number): FrameRepr {
    const abbreviate = this.abbreviates ? this.abbreviateFor(to, now) : undefined;
    const subs = this.cx.subs;
    const p = packOwnRecord(this.cx.primarySid, rec, abbreviate, (to.ownRecordMemo ??= newOwnRecordMemo()), subs.generation, subs.namedGen);
    return this.controlFrame(destination, p, TYPE_DATA);
  }

  /** Link-state frames carrying `records` (one-hop, plain, from our primary SID, naming no destination) queued to `to`. */
  queueLinkState(now: number, records: LinkRecordRepr[], to: Destination): void {
    const self = this.cx.primarySid;
    if (records.length === 1 && records[0].receiver === self) { this.queueAck(now, records[0], to, undefined); return; }
    const abbreviate = this.abbreviates ? this.abbreviateFor(to, now) : undefined;
    const payloads = packLinkState(this.cx.pw, self, records, abbreviate);
    for (let i = 0; i < payloads.length; i++) this.addFixed(now, this.controlFrame(undefined, payloads[i], TYPE_DATA), to);
  }

  /** Tests: false queues every ACK frame as a TxFrame (none held). */
  holdAcks = true;

  /** The frame of our ACK record `rec` (naming no destination: a tick's) to `to`,
   * for neighbour `ackFor` (TxFrame.ackFor; undefined on a broadcast tick). While
   * nothing else is queued it is held (TxQueue.held), not made: the flush that
   * ends this service pass sends it first, alone in its packet as it would have
   * gone, from the destination's packet template (Transmitter.sendHeld). */
  queueAck(now: number, rec: LinkRecordRepr, to: Destination, ackFor: Neighbour | undefined): void {
    const q = this.cx.queue, h = q.held;
    if (this.holdAcks && q.length === 0 && h.dests.indexOf(to) < 0) {
      h.dests.push(to);
      h.recs.push(rec);
      h.acksFor.push(ackFor);
      return;
    }
    this.addFixed(now, this.ackFrame(rec, undefined, to, now), to).ackFor = ackFor;
  }

  /** Queue the held ACK frames from the k-th on, as queueAck would have without
   * holding them (before anything else is queued, and when the flush cannot send
   * one from a template). */
  releaseHeld(now: number, k: number): void {
    const h = this.cx.queue.held;
    const dests = h.dests.slice(k), recs = h.recs.slice(k), acksFor = h.acksFor.slice(k);
    h.dests.length = 0;
    h.recs.length = 0;
    h.acksFor.length = 0;
    for (let i = 0; i < dests.length; i++) this.queueFixed(now, this.ackFrame(recs[i], undefined, dests[i], now), dests[i]).ackFor = acksFor[i];
  }

  /** The link-state frames of a full advert's `records` on interface `iface`
   * (broadcast): the payloads encoded last time while the records and all that
   * chose how their SIDs are written are the same (a steady mesh sends the same
   * full advert on every interface every FULL_ADVERT_INTERVAL_MS). */
  advertFrames(records: LinkRecordRepr[], iface: Iface, now: number): FrameRepr[] {
    const knowers = this.abbreviates ? this.abbrevs.knowersOf(iface.broadcast, now, []) : NO_KNOWERS;
    const subsGen = this.cx.subs.generation;
    let c = iface.advertCache;
    if (!c || !sameAdvert(c, records, knowers, subsGen)) {
      const abbreviate = this.abbreviates ? abbreviator(this.cx.subs, knowers) : undefined;
      const payloads = packLinkState(this.cx.pw, this.cx.primarySid, records, abbreviate);
      c = { records, knowers, knowerSids: knowers.map((n) => n.knows.size), subsGen, payloads };
      iface.advertCache = c;
    }
    const frames: FrameRepr[] = [];
    for (let i = 0; i < c.payloads.length; i++) frames.push(this.controlFrame(undefined, c.payloads[i], TYPE_DATA));
    return frames;
  }

  /** SIDs in a packet to `dest` are abbreviated where all neighbours it reaches know them (dest-abbreviators.ts). */
  abbreviateFor(dest: Destination, now: number): Abbreviate {
    return this.abbrevs.forDest(dest, now);
  }

  /** A new queue entry for `frame`: a spare one of the queue's, refilled, else a new one. */
  private newTx(now: number, frame: FrameRepr, spare = this.cx.queue.takeSpare()): TxFrame {
    if (spare === undefined) {
      return {
        frame, finalHex: undefined, fixed: undefined, reliable: false, enqueuedAt: now,
        deadline: now + this.frameDeadlineMs, txCount: 0, nextTxAt: now, seq16: -1,
        sentDest: undefined, sentTo: undefined, sentLinkSeq: -1, ackFor: undefined, local: false,
        pickedTo: undefined, pickedFrom: undefined,
      };
    }
    const tx = spare;
    tx.frame = frame; tx.finalHex = undefined; tx.fixed = undefined; tx.reliable = false; tx.enqueuedAt = now;
    tx.deadline = now + this.frameDeadlineMs; tx.txCount = 0; tx.nextTxAt = now; tx.seq16 = -1;
    tx.sentDest = undefined; tx.sentTo = undefined; tx.sentLinkSeq = -1; tx.ackFor = undefined; tx.local = false;
    tx.pickedTo = undefined; tx.pickedFrom = undefined;
    return tx;
  }

  /** Queue a frame to be sent once to `dest` (after the ACK frames held). */
  addFixed(now: number, frame: FrameRepr, dest: Destination): TxFrame {
    if (this.cx.queue.held.dests.length > 0) this.releaseHeld(now, 0);
    return this.queueFixed(now, frame, dest);
  }

  private queueFixed(now: number, frame: FrameRepr, dest: Destination): TxFrame {
    const tx = this.newTx(now, frame);
    tx.fixed = dest;
    tx.deadline = now + C.SERVAL_REACHABLE_TIMEOUT_MS;
    this.cx.queue.add(tx);
    return tx;
  }

  /** Queue a frame for its destination's route (`local`: sent by a local client;
   * `finalHex`: the destination's hex, when the caller has it). */
  addRouted(now: number, frame: FrameRepr, reliable: boolean, local = false, finalHex?: string, spare?: TxFrame): void {
    if (this.cx.queue.held.dests.length > 0) this.releaseHeld(now, 0);
    const tx = this.newTx(now, frame, spare ?? this.cx.queue.takeSpare());
    tx.finalHex = finalHex ?? this.cx.subs.add(frame.destination!).hex;
    tx.reliable = reliable;
    tx.local = local;
    this.cx.queue.add(tx);
  }

  /** A datagram of a local client, queued for its route. A spare queue entry of
   * another local datagram comes with the frame enqueueRouted made for it (no one
   * else holds that): both are refilled, not made anew. */
  private enqueueRouted(now: number, src: Sid, dst: Sid, payload: Uint8Array, mode: PayloadMode, ttl: number, qos: number, type: number, reliable: boolean, dstHex: string): void {
    const spare = this.cx.queue.takeSpare();
    let frame: FrameRepr;
    if (spare !== undefined && spare.local) {
      frame = spare.frame;
      frame.source = src; frame.destination = dst; frame.nextHop = undefined; frame.broadcastId = undefined; frame.ttl = ttl;
      frame.queue = qos; frame.oneHop = false; frame.ciphered = mode === "ciphered"; frame.signed = mode !== "plain";
      frame.ackSoon = false; frame.type = type; frame.seq = -1; frame.payload = payload; frame.invalid = false;
    } else {
      frame = {
        source: src, destination: dst, nextHop: undefined, broadcastId: undefined, ttl, queue: qos,
        oneHop: false, ciphered: mode === "ciphered", signed: mode !== "plain", ackSoon: false,
        type, seq: -1, payload, invalid: false,
      };
    }
    this.addRouted(now, frame, reliable, true, dstHex, spare);
  }

  /** A unicast frame for someone else that names us as next hop: on along its
   * route (reliably). Takes `f` over (a frame decodePacket made for this packet:
   * its views into the packet are replaced by copies; per frame on a relay, no
   * second frame object). */
  forwardUnicast(now: number, f: FrameRepr, ttl: number): void {
    const subs = this.cx.subs;
    const dst = subs.add(f.destination!);
    f.source = subs.add(f.source!).sid;
    f.destination = dst.sid;
    f.nextHop = undefined;
    f.ttl = ttl;
    f.ackSoon = false;
    f.seq = -1;
    f.payload = f.payload.slice();
    this.addRouted(now, f, true, false, dst.hex);
  }

  /** Seen this broadcast id before? (remembers it: true only for repeats) */
  seenBroadcast(id: Uint8Array): boolean {
    return this.bpi.checkAndRemember(id);
  }

  private newBroadcastId(): Uint8Array {
    for (;;) {
      const id = this.cx.random(C.BROADCAST_ID_LEN).slice(0, C.BROADCAST_ID_LEN);
      if (id.some((b) => b !== 0)) return id; // all-zero ids are always dropped (PROTOCOL.md 9.4)
    }
  }

  private enqueueBroadcast(now: number, src: Sid, payload: Uint8Array, mode: PayloadMode, ttl: number, qos: number, type: number): void {
    const multiHop = ttl > 1;
    const id = multiHop ? this.newBroadcastId() : undefined;
    if (id) this.bpi.checkAndRemember(id);
    for (const iface of this.cx.ifaces.values()) {
      this.addFixed(now, {
        source: src, destination: undefined, nextHop: undefined, broadcastId: id, ttl, queue: qos,
        oneHop: !multiHop, ciphered: false, signed: mode === "signed", ackSoon: false, type, seq: -1,
        payload, invalid: false,
      }, iface.broadcast);
    }
  }

  /** A broadcast heard for the first time, flooded on every interface with `ttl` left. */
  forwardBroadcast(now: number, f: FrameRepr, ttl: number): void {
    const payload = f.payload.slice();
    const src = this.cx.subs.add(f.source!).sid;
    for (const iface of this.cx.ifaces.values()) {
      this.addFixed(now, {
        source: src, destination: undefined, nextHop: undefined,
        broadcastId: ttl > 1 ? f.broadcastId!.slice() : undefined, ttl, queue: f.queue, oneHop: ttl <= 1,
        ciphered: false, signed: f.signed, ackSoon: false, type: f.type, seq: -1, payload, invalid: false,
      }, iface.broadcast);
    }
  }
}
