// MSP payload codec: the bytes inside an MDP datagram after the port header
// (PROTOCOL.md 8.1). Little-endian u16 ack and seq. The packet length decides
// its kind: 1-2 bytes control (only STOP means anything), 3-4 ack/keep-alive,
// >= 5 data (a zero-length body is allowed, e.g. a bare SHUTDOWN).

export const MSP_FLAG_SHUTDOWN = 0x01;
export const MSP_FLAG_ACK = 0x02;
export const MSP_FLAG_FIRST = 0x04;
export const MSP_FLAG_STOP = 0x08;

/** flags + ack. */
export const MSP_ACK_HEADER_SIZE = 3;
/** flags + ack + seq. */
export const MSP_PREAMBLE_SIZE = 5;
/** Largest body Serval DNA sends (MSP_MESSAGE_SIZE). */
export const MSP_MAX_BODY = 1024;

export const MSP_KIND_CONTROL = 0;
export const MSP_KIND_ACK = 1;
export const MSP_KIND_DATA = 2;
export type MspKind = typeof MSP_KIND_CONTROL | typeof MSP_KIND_ACK | typeof MSP_KIND_DATA;

/** A decoded MSP packet. `body` is a view into the decoded buffer (copy it to keep it). */
export interface MspPacketRepr {
  kind: MspKind;
  flags: number;
  /** Receiver's last consumed seq; meaningful only with MSP_FLAG_ACK. -1 for control packets. */
  ack: number;
  /** Sequence of a data packet; -1 otherwise. */
  seq: number;
  /** Byte 3 of a 4-byte ack packet, -1 otherwise. Serval DNA ignores it (it reads
   * 3 bytes of any packet shorter than 5); serval-mesh puts a selective-ack
   * hint there: the arrived packet's seq minus (ack + 1), 1..127, with
   * MSP_HINT_PAIR set when the packet before it arrived too. */
  hint: number;
  body: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export function newMspPacketRepr(): MspPacketRepr {
  return { kind: MSP_KIND_CONTROL, flags: 0, ack: -1, seq: -1, hint: -1, body: EMPTY };
}

/**
 * Decode `buf` into `out` (reused to avoid allocation on the receive path).
 * Returns false for an empty buffer. Bodies longer than MSP_MAX_BODY are
 * accepted, as Serval DNA does; the connection bounds its own memory.
 */
export function decodeMspPacket(buf: Uint8Array, out: MspPacketRepr): boolean {
  const n = buf.length;
  if (n < 1) return false;
  out.flags = buf[0];
  out.hint = -1;
  if (n < MSP_ACK_HEADER_SIZE) {
    out.kind = MSP_KIND_CONTROL;
    out.ack = -1;
    out.seq = -1;
    out.body = EMPTY;
    return true;
  }
  out.ack = buf[1] | (buf[2] << 8);
  if (n < MSP_PREAMBLE_SIZE) {
    out.kind = MSP_KIND_ACK;
    out.seq = -1;
    if (n === MSP_ACK_HEADER_SIZE + 1) out.hint = buf[3];
    out.body = EMPTY;
    return true;
  }
  out.kind = MSP_KIND_DATA;
  out.seq = buf[3] | (buf[4] << 8);
  out.body = buf.subarray(MSP_PREAMBLE_SIZE);
  return true;
}

/** Write flags + ack at `off`; returns the offset after them. */
export function writeMspAckHeader(out: Uint8Array, off: number, flags: number, ack: number): number {
  out[off] = flags & 0xff;
  out[off + 1] = ack & 0xff;
  out[off + 2] = (ack >>> 8) & 0xff;
  return off + MSP_ACK_HEADER_SIZE;
}

/** Write the 5-byte data preamble at `off`; returns the offset of the body. */
export function writeMspPreamble(out: Uint8Array, off: number, flags: number, ack: number, seq: number): number {
  writeMspAckHeader(out, off, flags, ack);
  out[off + 3] = seq & 0xff;
  out[off + 4] = (seq >>> 8) & 0xff;
  return off + MSP_PREAMBLE_SIZE;
}

/** A fresh data packet: preamble + body. Throws if the body is over MSP_MAX_BODY. */
export function encodeMspData(flags: number, ack: number, seq: number, body: Uint8Array): Uint8Array {
  if (body.length > MSP_MAX_BODY) throw new Error("MSP body too long");
  const out = new Uint8Array(MSP_PREAMBLE_SIZE + body.length);
  writeMspPreamble(out, 0, flags, ack, seq);
  out.set(body, MSP_PREAMBLE_SIZE);
  return out;
}

/** A fresh 3-byte ack / keep-alive packet. */
export function encodeMspAck(flags: number, ack: number): Uint8Array {
  const out = new Uint8Array(MSP_ACK_HEADER_SIZE);
  writeMspAckHeader(out, 0, flags, ack);
  return out;
}

/** Hint flag: the hinted packet and the one before it arrived (one ack for two
 * out-of-order packets: over lossy multi-hop paths out-of-order arrivals are
 * common, and every ack is a frame each relay carries). */
export const MSP_HINT_PAIR = 0x80;
/** Largest hint offset; a packet further beyond the ack goes unhinted. */
export const MSP_HINT_MAX = 0x7f;

/** A 4-byte ack carrying a selective-ack hint in byte 3; see MspPacketRepr.hint. */
export function encodeMspAckHint(flags: number, ack: number, hint: number): Uint8Array {
  const out = new Uint8Array(MSP_ACK_HEADER_SIZE + 1);
  writeMspAckHeader(out, 0, flags, ack);
  out[3] = hint & 0xff;
  return out;
}

/** The 1-byte STOP packet. */
export function encodeMspStop(): Uint8Array {
  return Uint8Array.of(MSP_FLAG_STOP);
}
