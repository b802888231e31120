// Neighbour state (PROTOCOL.md 6.1-6.2, 6.6): per neighbour the links we hear it on
// (link-ins, each with a 64-entry link-sequence window), the destinations we
// can reach it through (out-links, kept alive by its ACK records), the tree of
// link records it advertises, and when to ACK it next.
import type { LinkRecordRepr } from "../wire/types";
import type { Subscriber } from "./subscribers";
import type { Abbreviate } from "../wire/address";
import type { FrameHeaderMemo } from "../wire/frame";
import type { EnvelopeMemo } from "../wire/envelope";
import type { OwnRecordMemo } from "./link-state";
import { SeqWindow64 } from "./link-window";
import {
  ACK_LINK_UP_DELAY_MS, ACK_SOON_DELAY_MS, LONG_AGO, REACHABLE_TICKS, REACHABLE_TIMEOUT_MAX_MS, RESEND_DELAY_MAX_MS, RESEND_DELAY_MIN_MS,
  SERVAL_REACHABLE_TIMEOUT_MS,
} from "./constants";

/** An interface as the node sees it. */
export interface Iface {
  index: number;
  name: string;
  mtu: number;
  broadcastAddress: string;
  tickMs: number;
  nextTickAt: number;
  /** The interface's broadcast destination, shared by all neighbours on it. */
  broadcast: Destination;
  /** Someone on it asked us to explain an address: SIDs go out in full until then. */
  fullSidsUntil: number;
  /** The payloads of our last full advert here, and what they were encoded from (send.ts advertFrames). */
  advertCache?: AdvertPayloads;
  /** This interface's part of the running tick (adverts.ts, hop-acks.ts; reused). */
  tick?: IfaceTick;
}

/** An interface's part of a tick or advert send: a node's interfaces tick
 * together, with one pass over the neighbours for all of them (HopAcks.tickRecords). */
export interface IfaceTick {
  /** Link state goes out here now (a tick, or adverts). */
  on: boolean;
  /** It ticks now (ACK records, keep-alives, unicast ticks). */
  ticking: boolean;
  /** Our ACK records for the neighbours heard best here that are not ACKed by unicast. */
  records: LinkRecordRepr[];
  /** Neighbours heard best here; the last of them. */
  heard: number;
  only: Neighbour | undefined;
  /** Every neighbour heard here gets its ACKs by unicast over a clean link. */
  allUnicast: boolean;
  /** Those neighbours, and the link we ACK for each. */
  byUnicast: Neighbour[];
  byUnicastLinks: LinkIn[];
}

export function newIfaceTick(): IfaceTick {
  return { on: false, ticking: false, records: [], heard: 0, only: undefined, allUnicast: false, byUnicast: [], byUnicastLinks: [] };
}

/** A full advert's link-state payloads as encoded for one interface, with the
 * records and everything that chose how their SIDs were written: the
 * neighbours that hear it (and how many SIDs each had named), the address
 * book's generation, whether SIDs went in full (a please-explain). */
export interface AdvertPayloads {
  records: LinkRecordRepr[];
  knowers: Neighbour[];
  knowerSids: number[];
  subsGen: number;
  payloads: Uint8Array[];
}

/** Where packets go: a broadcast address or one neighbour's unicast address (6.1). */
export interface Destination {
  iface: Iface;
  address: string;
  unicast: boolean;
  /** Last link sequence written (low 8 bits on the wire), -1 before the first. */
  seq: number;
  /** Packets sent to this destination: the link sequence without wrapping, so an
   * ACK record (8-bit) is never taken for one 256 packets older. */
  sent: number;
  lastTxAt: number;
  /** Last ACK that dequeued a frame, and since when the in-flight window has
   * been full without one (-1: not full): a peer that never ACKs is not windowed. */
  lastAckAt: number;
  windowFullSince: number;
  /** Send time of the packet carrying each link sequence, for RTT samples. */
  sentAt: Float64Array;
  /** 1 where that packet carried a frame with ACK_SOON: its ACK comes promptly,
   * so the time to it is an RTT sample (0 once sampled). */
  rttProbe: Uint8Array;
  /** Smoothed RTT in 1/8 ms and its variation in 1/4 ms (RFC 6298's integer
   * form: int32 arithmetic per sample); srtt 0 = no sample yet. */
  srtt: number;
  rttvar: number;
  resendDelay: number;
  /** A unicast destination's SID abbreviator (Sender.abbreviateFor), built for
   * NeighbourTable.version `abbreviateVersion` (-1: none): per packet on the data path. */
  abbreviate: Abbreviate | undefined;
  abbreviateVersion: number;
  /** A broadcast destination's abbreviator is kept while the neighbours that hear
   * it are these (Sender.abbreviateFor): the same function for every packet, so
   * the envelope memo holds. */
  abbreviateKnowers: Neighbour[] | undefined;
  /** When those knowers were looked for last, and the packets received by then
   * (MeshStats.packetsIn): at the same time with no packet since, they are the same. */
  abbreviateAt: number;
  abbreviateRx: number;
  /** The last ACK payload sent here (Sender.linkStateFrames: link-state.ts packOwnRecord). */
  ownRecordMemo: OwnRecordMemo | undefined;
  /** The envelope and first frame header of the last packet here (Transmitter;
   * the header: unicast destinations only), for the address book's `generation`
   * and `namedGen` in headerMemoGen/headerMemoNamed. */
  envelopeMemo: EnvelopeMemo | undefined;
  headerMemo: FrameHeaderMemo | undefined;
  headerMemoGen: number;
  headerMemoNamed: number;
  /** The last lone ACK packet sent here by Transmitter.sendHeld: made from the
   * envelope and ACK payload memos above (the same objects), only the link and
   * frame sequences and the ACK to patch in. */
  tickPacket: TickPacket | undefined;
}

/** A packet of one ACK frame (Transmitter.sendHeld): envelope, frame header, payload. */
export interface TickPacket {
  bytes: Uint8Array;
  /** The memo bytes it was made from (EnvelopeMemo.bytes, OwnRecordMemo.bytes). */
  env: Uint8Array;
  own: Uint8Array;
  /** Where the link sequence is (the frame sequence 2 bytes on), and the ACK sequence and mask (-1: none). */
  linkSeqAt: number;
  ackAt: number;
}

export interface LinkIn {
  iface: Iface;
  /** The neighbour's interface index from its envelope. */
  theirIf: number;
  unicast: boolean;
  address: string;
  window: SeqWindow64;
  lastRxAt: number;
  /** Packets received since we last sent an ACK covering this link. */
  unacked: number;
  /** Late or repeated packets in a row: a run means the neighbour restarted (its
   * new random link sequence landed inside our old window). */
  dupRun: number;
}

export interface OutLink {
  dest: Destination;
  /** Alive until (refreshed by the neighbour's ACK records naming us). */
  timeout: number;
}

/** One record of the neighbour's advertised tree: "transmitter -> receiver". */
export interface AdvertLink {
  /** Hex SID of the transmitter (the neighbour itself for its direct links). */
  transmitter: string;
  version: number;
  dropRate: number;
}

/** A link-state payload a neighbour sent (a copy), and the state it left: the
 * neighbour's tree generation and our address book's. The same bytes again,
 * with both unchanged, would change nothing but `throughUs` (link-state-in.ts). */
export interface LinkStateRepeat {
  bytes: Uint8Array;
  /** bytes.length (a typed array's length is a getter call). */
  length: number;
  treeGen: number;
  subsGen: number;
  /** It names us as the transmitter of a link to another node (routingThroughUsUntil). */
  throughUs: boolean;
}

export interface Neighbour {
  sub: Subscriber;
  linksIn: LinkIn[];
  outLinks: OutLink[];
  /** The out-link the neighbour last ACKed: all our frames to it go there. */
  chosen: OutLink | undefined;
  /** It heard us recently (ACK record naming us) until this time. */
  linkInTimeout: number;
  /** Its advertised tree, keyed by receiver hex. */
  adverts: Map<string, AdvertLink>;
  /** Bumped whenever its tree (adverts) or usingUs changes. */
  treeGen: number;
  /** Its link-state payloads that changed nothing, kept to recognise a repeat (link-state-in.ts). */
  repeats: LinkStateRepeat[];
  /** It advertises us as its direct neighbour (servald's using_us). */
  usingUs: boolean;
  /** It routes some receiver through us until this time: forward its broadcasts. */
  routingThroughUsUntil: number;
  /** Next ACK record due at (Infinity = only with the tick). */
  ackDueAt: number;
  /** An ACK is owed (ackDueAt is a time, not Infinity): tested per packet and
   * frame instead of comparing with Infinity (a float64: soft-float on a router). */
  ackOwed: boolean;
  /** Link sequence and destination of the packet that carried our last ACK to it. */
  lastAckDest: Destination | undefined;
  lastAckSeq: number;
  /** When we last sent it an ACK record (alone, riding, or in a tick). */
  lastAckSentAt: number;
  /** Drop rate of our packets to it (from its ACK masks or records). */
  txDropRate: number;
  /** Frame-sequence duplicate window for frames it transmits (4.2). */
  frameWindow: SeqWindow64;
  /** Per frame sequence, a fingerprint of the frame last received with it: a
   * repeat with other content is no retransmission but a restarted neighbour. */
  frameFp: Int32Array;
  /** Since the last frame newer than all before it: duplicates without ACK_SOON
   * (never retransmitted, so never legitimately repeated). A restarted neighbour
   * whose new sequence fell inside our window sends only these (when its frames'
   * content matches the old ones), never a newer one, until it passes the old newest.
   * (Late frames are reordering, no sign of a restart.) */
  frameDupPlain: number;
  /** frameWindow as it was before its last reset, for FRAME_GHOST_FRAMES frames
   * after it: a frame it holds whose content (frameFp) is unchanged was delivered
   * already (a replay, or a restart taken wrongly) and is dropped, not delivered again. */
  frameGhost: SeqWindow64;
  frameGhostLeft: number;
  /** Smoothed fraction of its packets we lose, in 1/4096 (0..4096; an int32:
   * updated per packet, no soft-float arithmetic on an FPU-less router), from link-in gaps. */
  rxLossQ12: number;
  /** Reachable (direct) at the last route computation. */
  wasReachable: boolean;
  /** SIDs it has named in its link-state records (and its own): it knows them
   * in full, so we may abbreviate them to it (abbreviation.ts). */
  knows: Set<Subscriber>;
  /** Its place in the silence deadlines routes watch (routes.ts watched), -1 when not watched. */
  watchIndex: number;
}

export function newNeighbour(sub: Subscriber, now: number): Neighbour {
  return {
    sub, linksIn: [], outLinks: [], chosen: undefined, linkInTimeout: 0,
    adverts: new Map(), treeGen: 0, repeats: [], usingUs: false, routingThroughUsUntil: 0,
    ackDueAt: now + ACK_LINK_UP_DELAY_MS, ackOwed: true, lastAckDest: undefined, lastAckSeq: -1, lastAckSentAt: LONG_AGO, txDropRate: 0,
    frameWindow: new SeqWindow64(), frameFp: new Int32Array(256), frameDupPlain: 0, frameGhost: new SeqWindow64(), frameGhostLeft: 0, rxLossQ12: 0, wasReachable: false,
    knows: new Set([sub]), watchIndex: -1,
  };
}

export function newDestination(iface: Iface, address: string, unicast: boolean, initialResend: number): Destination {
  return {
    iface, address, unicast, seq: -1, sent: 0, lastTxAt: LONG_AGO, lastAckAt: LONG_AGO, windowFullSince: -1, sentAt: new Float64Array(256), rttProbe: new Uint8Array(256),
    srtt: 0, rttvar: 0, resendDelay: initialResend, abbreviate: undefined, abbreviateVersion: -1, abbreviateKnowers: undefined, ownRecordMemo: undefined,
    abbreviateAt: -1, abbreviateRx: -1,
    envelopeMemo: undefined, headerMemo: undefined, headerMemoGen: -1, headerMemoNamed: -1, tickPacket: undefined,
  };
}

/** How long we keep a neighbour's links without hearing from it. Serval uses a
 * fixed 5 ticks; we allow more ticks and stretch further with observed loss, so
 * a link losing a third of its packets does not flap. */
export function reachableTimeout(n: Neighbour, tickMs: number): number {
  // (twice per received packet: the max and min in int32 arithmetic, without
  // Math.max/min calls or branches; tickMs is whole ms and every term far below 2^30)
  const d = tickMs * REACHABLE_TICKS - SERVAL_REACHABLE_TIMEOUT_MS;
  const base = SERVAL_REACHABLE_TIMEOUT_MS + d - (d & (d >> 31));
  // (base * (1 + 2 rxLoss), in int32: base is at most a few 10 000 ms)
  const e = base + ((base * 2 * n.rxLossQ12) >> 12) - REACHABLE_TIMEOUT_MAX_MS;
  return REACHABLE_TIMEOUT_MAX_MS + (e & (e >> 31));
}

export function findLinkIn(n: Neighbour, iface: Iface, theirIf: number, unicast: boolean): LinkIn | undefined {
  const links = n.linksIn;
  for (let i = 0; i < links.length; i++) {
    const l = links[i];
    if (l.iface === iface && l.theirIf === theirIf && l.unicast === unicast) return l;
  }
  return undefined;
}

/** The link-in we ACK: unicast when alive (it can use MAC retries on wifi), else broadcast. */
export function bestLinkIn(n: Neighbour, now: number, timeout: number): LinkIn | undefined {
  let best: LinkIn | undefined;
  // (index loops: per packet and per neighbour per tick)
  const links = n.linksIn;
  for (let i = 0; i < links.length; i++) {
    const l = links[i];
    if (l.lastRxAt + timeout < now) continue;
    if (!best || (l.unicast && !best.unicast) || (l.unicast === best.unicast && l.lastRxAt > best.lastRxAt)) best = l;
  }
  return best;
}

/** Directly reachable: it hears us (ACK records) and we hear it. */
export function isDirect(n: Neighbour, now: number): boolean {
  return n.linkInTimeout >= now && n.chosen !== undefined && n.chosen.timeout >= now && n.linksIn.length > 0;
}

/** A cheap fingerprint of a frame's content (type, length, first and last 4
 * bytes: a ciphered payload starts with its random nonce, a signed one ends with
 * its signature), to tell a retransmission from another frame with the same
 * sequence. A few reads per frame, no per-byte work. The payload is buf[at,
 * at + n) (a packet's bytes: no view made per frame). */
export function frameFingerprint(type: number, buf: Uint8Array, at: number, n: number): number {
  let h = Math.imul(n ^ (type << 16), 0x9e3779b1);
  if (n >= 8) {
    const e = at + n;
    h = Math.imul(h ^ ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]), 0x85ebca6b);
    h = Math.imul(h ^ ((buf[e - 4] << 24) | (buf[e - 3] << 16) | (buf[e - 2] << 8) | buf[e - 1]), 0xc2b2ae35);
  } else {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ buf[at + i], 0x85ebca6b);
  }
  return h ^ (h >>> 15); // an int32 (a uint32 above 2^31 is a float64: soft-float compares on a router)
}

/** Our ACK records for n go to its unicast address (with the tick we send
 * there), not in the broadcast tick: it ACKs our unicast packets, so it hears
 * those, and it may hear none of our broadcasts (a link heard one way for one
 * kind of packet). Serval DNA likewise sends each neighbour's ACK over the
 * link the neighbour is routed by. */
export function acksByUnicast(n: Neighbour, now: number): boolean {
  return isDirect(n, now) && n.chosen!.dest.unicast;
}

/** An RTT sample for a destination (a prompt ACK of an ACK_SOON packet):
 * retransmit delay = srtt + 4 rttvar (RFC 6298 style), plus the peer's ACK delay. */
export function sampleRtt(dest: Destination, rtt: number): void {
  if (rtt < 0 || rtt > 10000) return;
  rtt = rtt | 0; // (whole ms: the daemon's clock is; a simulation's may not be)
  if (dest.srtt === 0) {
    dest.srtt = rtt << 3;
    dest.rttvar = rtt << 1;
  } else {
    // rttvar = 3/4 rttvar + 1/4 |srtt - rtt|; srtt = 7/8 srtt + 1/8 rtt
    const err = rtt - (dest.srtt >> 3);
    dest.rttvar += (err < 0 ? -err : err) - (dest.rttvar >> 2);
    dest.srtt += err;
  }
  const rto = (dest.srtt >> 3) + Math.max(10, dest.rttvar) + ACK_SOON_DELAY_MS;
  dest.resendDelay = Math.max(RESEND_DELAY_MIN_MS, Math.min(RESEND_DELAY_MAX_MS, rto));
}
