// Plain-data representations ("Repr") of Serval DNA's overlay wire formats.
// Codecs in src/wire/ turn bytes into these and back; protocol state machines
// in src/mdp/ and src/msp/ only ever see these. Layouts: docs/PROTOCOL.md.

/** 32-byte SID (X25519 public key). */
export type Sid = Uint8Array;

/** Envelope encapsulation (PROTOCOL.md 2). */
export const ENCAP_OVERLAY = 1;
export const ENCAP_SINGLE = 2;

/** Overlay packet envelope. */
export interface EnvelopeRepr {
  version: number; // 0 or 1; we always send 1 (-1 in a PacketRepr whose envelope did not parse)
  encapsulation: number; // ENCAP_OVERLAY or ENCAP_SINGLE
  /** Transmitter: resolved SID, or undefined if its abbreviation did not resolve. */
  transmitter: Sid | undefined;
  /** Raw prefix bytes of an unresolved transmitter abbreviation (for please-explain). */
  transmitterPrefix?: Uint8Array;
  /** Transmitter sent its full SID (0x20 or 0xFB) rather than an abbreviation. */
  transmitterFull?: boolean;
  unicast: boolean; // PACKET_UNICAST
  interfaceIndex: number; // PACKET_INTERFACE byte, 0 when absent
  linkSeq: number; // PACKET_SEQ byte, -1 when absent
}

/** Frame payload flags (PROTOCOL.md 4.1). */
export const FRAME_SENDER_SAME = 0x01;
export const FRAME_TO_BROADCAST = 0x02;
export const FRAME_ONE_HOP = 0x04;
export const FRAME_CIPHERED = 0x10;
export const FRAME_SIGNED = 0x20;
export const FRAME_ACK_SOON = 0x40;
export const FRAME_LEGACY_TYPE = 0x80;

export const TYPE_SELFANNOUNCE_ACK = 0x20;
export const TYPE_DATA = 0x30;
export const TYPE_RHIZOME_ADVERT = 0x50;
export const TYPE_PLEASEEXPLAIN = 0x60;

/** One overlay frame. Addresses are resolved SIDs; `invalid` marks a frame with
 * any unresolvable address (neither processed nor forwarded). */
export interface FrameRepr {
  source: Sid | undefined;
  /** undefined = broadcast. */
  destination: Sid | undefined;
  /** undefined when ONE_HOP (then next hop == destination) or broadcast. */
  nextHop: Sid | undefined;
  /** 8 bytes for multi-hop broadcasts, else undefined. */
  broadcastId: Uint8Array | undefined;
  ttl: number; // 0..31 (1 for ONE_HOP on receipt, before decrement)
  queue: number; // 0..3
  oneHop: boolean;
  ciphered: boolean;
  signed: boolean;
  ackSoon: boolean;
  type: number; // TYPE_DATA unless LEGACY_TYPE
  seq: number; // frame sequence byte, -1 when absent (version 0)
  payload: Uint8Array;
  invalid: boolean;
}

/** A decoded overlay packet. */
export interface PacketRepr {
  envelope: EnvelopeRepr;
  frames: FrameRepr[];
  /** Abbreviations that did not resolve uniquely (to put in a please-explain).
   * A zero-length entry means "ask the transmitter to explain itself" (0xFD). */
  unresolved: Uint8Array[];
  /** Set when decoding stopped early: frames before the bad one are kept. */
  error?: string;
}

/** What address decoding needs to know: the SIDs we have heard of. */
export interface AddressBook {
  /** SID with this prefix if exactly one is known; "ambiguous" if several; undefined if none. */
  lookupPrefix(prefix: Uint8Array): Sid | "ambiguous" | undefined;
  /** Called for every full SID seen (0x20) so it can be remembered. */
  learnSid(sid: Sid): void;
  /** Called for every 0xFB SIGNKEY address: the SID derived from it and the key. */
  learnSignKey(sid: Sid, signKey: Uint8Array): void;
  /** Derive the SID from an Ed25519 public key (crypto_sign_ed25519_pk_to_curve25519). */
  sidFromSignKey(signKey: Uint8Array): Sid | undefined;
}

/** Link-state record (MDP port 2, PROTOCOL.md 6.3). */
export const LS_HAS_INTERFACE = 0x01;
export const LS_NO_PATH = 0x02;
export const LS_BROADCAST = 0x04;
export const LS_UNICAST = 0x08;
export const LS_HAS_ACK = 0x10;
export const LS_HAS_DROP_RATE = 0x20;

export interface LinkRecordRepr {
  flags: number; // LS_* bits as on the wire
  receiver: Sid | undefined;
  receiverPrefix?: Uint8Array;
  version: number;
  /** undefined with LS_NO_PATH, or if unresolved. */
  transmitter: Sid | undefined;
  /** Raw prefix of an unresolved transmitter abbreviation. */
  transmitterPrefix?: Uint8Array;
  interfaceIndex: number; // -1 when absent
  ackSeq: number; // -1 when absent
  ackMask: number; // unsigned 32-bit
  dropRate: number; // -1 when absent
}

/** MDP message = ports + data (PROTOCOL.md 4.3). */
export interface MdpPortsRepr {
  dstPort: number;
  srcPort: number;
}

/** MDP ports (PROTOCOL.md 1.3). */
export const PORT_KEYMAPREQUEST = 1;
export const PORT_LINKSTATE = 2;
export const PORT_PROBE = 6;
export const PORT_ECHO = 7;
export const PORT_TRACE = 8;
export const PORT_DNALOOKUP = 10;
export const PORT_SERVICE_DISCOVERY = 11;

export const SID_ANY: Sid = new Uint8Array(32);
export const SID_BROADCAST: Sid = new Uint8Array(32).fill(0xff);
export const SID_INTERNAL: Sid = (() => { const s = new Uint8Array(32); s[31] = 1; return s; })();
