// A steady neighbour's packet recognised from its bytes, for ingress.ts
// receiveSteady: a version 1 envelope with a link sequence from a transmitter
// the generic path already resolved (remember), carrying only frames of the
// transmitter's own (SENDER_SAME), one hop, to broadcast, plain DATA without
// ACK_SOON, to MDP port 2 from port 2 (link state), filling the packet: mostly a
// tick's one ACK record. This room owns the memo of those transmitters and reads
// the packet's shape; it changes no node state (Ingress applies the effects).
import { ENCAP_OVERLAY, FRAME_ONE_HOP, FRAME_SENDER_SAME, FRAME_TO_BROADCAST, PORT_LINKSTATE } from "../wire/types";
import { PACKET_INTERFACE, PACKET_SEQ, PACKET_UNICAST } from "../wire/envelope";
import { ADDRESS_HEAD_MASK, SID_BYTES } from "../wire/address";
import type { Subscriber, Subscribers } from "./subscribers";
import type { Neighbour } from "./neighbours";

/** Slots of the memo (a power of two; direct-mapped by the address's first bytes). */
const TX_MEMO_SLOTS = 128;
/** The frame read here: its transmitter's own, one hop, to broadcast (plain DATA, no ACK_SOON). */
const STEADY_FRAME_FLAGS = FRAME_SENDER_SAME | FRAME_TO_BROADCAST | FRAME_ONE_HOP;
/** MDP ports 2 -> 2 (link state), packed: dst << 1 | same. */
const PORTS_LINK_STATE = (PORT_LINKSTATE << 1) | 1;
/** The shortest packet read here (a 1-byte address, no interface). */
const STEADY_MIN_BYTES = 11;

/** A transmitter the generic path resolved (SteadyPackets.remember). */
export interface TxMemo {
  /** Its envelope address: the code (1..31 abbreviated, 32 in full) and the
   * first four bytes as an int32 (those past the code masked out); all of them
   * are the first bytes of sub.sid. */
  code: number;
  head: number;
  sub: Subscriber;
  n: Neighbour;
  /** The address book's generation and the neighbour table's version it holds for. */
  subsGen: number;
  ntVersion: number;
}

export class SteadyPackets {
  private readonly slots: (TxMemo | undefined)[] = new Array<TxMemo | undefined>(TX_MEMO_SLOTS).fill(undefined);
  /** The last match found the packet's shape but not its transmitter: the
   * generic path remembers it once it has resolved it. */
  unknownTx = false;
  // The packet match() last accepted: its envelope's interface, unicast flag
  // and link sequence, and where its first frame starts.
  theirIf = 0;
  unicast = false;
  linkSeq = 0;
  first = 0;
  /** The packet holds one frame, ending at the packet's end (else framesFill said so of several). */
  single = false;

  /** After the generic path found neighbour n for the transmitter address at
   * bytes[2] (tsub) of a packet of the steady shape: remember them while the
   * address book's generation and the neighbour table's `version` stay (so
   * the address resolves to tsub and n is its neighbour, as this packet left
   * them). */
  remember(bytes: Uint8Array, tsub: Subscriber, n: Neighbour, subs: Subscribers, version: number): void {
    const q = bytes[2];
    // (an abbreviation or a SID in full: the first q bytes of tsub's SID)
    if (((q - 1) & ~(SID_BYTES - 1)) !== 0) return;
    const slot = ((bytes[3] << 1) ^ bytes[4]) & (TX_MEMO_SLOTS - 1);
    let m = this.slots[slot];
    const gen = subs.generation;
    // (remembered already: every packet of a data flow comes this way)
    if (m !== undefined && m.sub === tsub && m.code === q && m.n === n && m.subsGen === gen && m.ntVersion === version) return;
    if (subs.get(tsub.sid) !== tsub) return; // (a SID the address book keeps)
    if (m === undefined) {
      m = { code: 0, head: 0, sub: tsub, n, subsGen: -1, ntVersion: -1 };
      this.slots[slot] = m;
    }
    const sid = tsub.sid;
    m.code = q;
    m.head = ((sid[0] << 24) | (sid[1] << 16) | (sid[2] << 8) | sid[3]) & ADDRESS_HEAD_MASK[q];
    m.sub = tsub;
    m.n = n;
    m.subsGen = gen;
    m.ntVersion = version;
  }

  /**
   * The remembered transmitter of a packet of the steady shape whose address
   * resolves as it did (address-book generation `gen`, neighbour-table
   * `version`), with theirIf, unicast, linkSeq, first and single set; or
   * undefined (unknownTx set when only the transmitter was not known).
   */
  match(bytes: Uint8Array, gen: number, version: number): TxMemo | undefined {
    const len = bytes.length;
    if (len < STEADY_MIN_BYTES) return undefined;
    const q = bytes[2];
    // version 1, overlay encapsulation, the transmitter abbreviated or in full
    if (((bytes[0] ^ 1) | (bytes[1] ^ ENCAP_OVERLAY) | ((q - 1) & ~(SID_BYTES - 1))) !== 0) return undefined;
    // envelope flags, [interface], link sequence; then the frame's flags, sequence,
    // length and the MDP ports (2 -> 2: the one byte 0x05); first the frame's
    // flags and ports (a data packet goes no further)
    let p = 3 + q;
    if (p + 8 > len) return undefined;
    const flags = bytes[p];
    const f = p + 2 + ((flags & PACKET_INTERFACE) >> 1);
    if ((((flags & PACKET_SEQ) ^ PACKET_SEQ) | (bytes[f] ^ STEADY_FRAME_FLAGS) | (bytes[f + 4] ^ PORTS_LINK_STATE)) !== 0) return undefined;
    const m = this.slots[((bytes[3] << 1) ^ bytes[4]) & (TX_MEMO_SLOTS - 1)];
    if (m === undefined) { this.unknownTx = true; return undefined; }
    const head = ((bytes[3] << 24) | (bytes[4] << 16) | (bytes[5] << 8) | bytes[6]) & ADDRESS_HEAD_MASK[q];
    if (((m.code ^ q) | (m.head ^ head) | (m.subsGen ^ gen) | (m.ntVersion ^ version)) !== 0) { this.unknownTx = true; return undefined; }
    if (q > 4) {
      const sid = m.sub.sid;
      for (let i = 4; i < q; i++) if (bytes[3 + i] !== sid[i]) { this.unknownTx = true; return undefined; }
    }
    p++;
    this.theirIf = (flags & PACKET_INTERFACE) !== 0 ? bytes[p++] : 0;
    this.unicast = (flags & PACKET_UNICAST) !== 0;
    this.linkSeq = bytes[p++];
    this.first = p;
    // (more frames: a tick's ACK record, then a full advert)
    this.single = p + 4 + ((bytes[p + 2] << 8) | bytes[p + 3]) === len;
    if (!this.single && !framesFill(bytes, p)) return undefined;
    return m;
  }
}

/** Every frame from `first` on is of the steady shape, and they fill the packet. */
function framesFill(bytes: Uint8Array, first: number): boolean {
  const len = bytes.length;
  let p = first;
  do {
    if (p + 5 > len) return false;
    const flen = (bytes[p + 2] << 8) | bytes[p + 3];
    // (a frame holds at least its ports)
    if (((bytes[p] ^ STEADY_FRAME_FLAGS) | (bytes[p + 4] ^ PORTS_LINK_STATE) | ((flen - 1) >> 31)) !== 0) return false;
    p += 4 + flen;
  } while (p < len);
  return p === len;
}
