// The packet template of a held ACK frame (transmitter.ts sendHeldAck): the
// bytes buildPackets would write for a packet of one ACK frame to a destination
// (its envelope memo's bytes, the frame header, Sender.ackFrame's payload memo
// bytes), kept on the Destination (TickPacket), with where the link sequence,
// frame sequence and ACK seq/mask go. Byte layout only: the sequences and every
// other effect of a send stay the transmitter's.
import { FRAME_ONE_HOP, FRAME_SENDER_SAME, FRAME_TO_BROADCAST, type LinkRecordRepr } from "../wire/types";
import type { EnvelopeMemo } from "../wire/envelope";
import type { Abbreviate } from "../wire/address";
import { ownRecordAckAt, patchOwnRecordAck, type OwnRecordMemo } from "./link-state";
import type { TickPacket } from "./neighbours";

/** `t` still stands for these memos and this record: both memos still hold the
 * bytes it was made from (a memo's bytes are a new array whenever it is
 * refilled, and the envelope's are emptied when the address book's generations
 * move on), with the same abbreviator and the record's fields unchanged. */
export function tickTemplateStands(
  t: TickPacket | undefined, envMemo: EnvelopeMemo, own: OwnRecordMemo | undefined, abbreviate: Abbreviate | undefined, rec: LinkRecordRepr,
): t is TickPacket {
  return t !== undefined && envMemo.bytes === t.env && own !== undefined && own.bytes === t.own && envMemo.abbreviate === abbreviate &&
    own.transmitter === rec.transmitter && own.flags === rec.flags && own.version === rec.version &&
    own.interfaceIndex === rec.interfaceIndex && own.dropRate === rec.dropRate && own.hasAck === rec.ackSeq >= 0;
}

/** A template from the memos' bytes `e` (envelope) and `own` (the ACK payload),
 * or undefined if the packet would exceed `mtu`. */
export function newTickPacket(e: Uint8Array, own: OwnRecordMemo, mtu: number): TickPacket | undefined {
  const o = own.bytes!;
  const el = e.length, ol = o.length;
  if (el + 4 + ol > mtu) return undefined;
  // envelope; the frame header (flags: from us, to nobody, one hop; no TTL or type), sequence and length; the payload
  const b = new Uint8Array(el + 4 + ol);
  b.set(e, 0);
  b[el] = FRAME_SENDER_SAME | FRAME_TO_BROADCAST | FRAME_ONE_HOP;
  b[el + 2] = ol >> 8;
  b[el + 3] = ol & 0xff;
  b.set(o, el + 4);
  return { bytes: b, env: e, own: o, linkSeqAt: el - 1, ackAt: own.hasAck ? el + 4 + ownRecordAckAt(o, own.dropRate) : -1 };
}

/** A copy of t's packet with its link sequence, frame sequence (low byte) and rec's ACK written in. */
export function stampTickPacket(t: TickPacket, linkSeq: number, frameSeq: number, rec: LinkRecordRepr): Uint8Array {
  const bytes = t.bytes.slice();
  bytes[t.linkSeqAt] = linkSeq;
  bytes[t.linkSeqAt + 2] = frameSeq & 0xff;
  if (t.ackAt >= 0) patchOwnRecordAck(bytes, t.ackAt, rec);
  return bytes;
}
