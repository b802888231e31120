// Overlay frame header + payload (PROTOCOL.md 4.1), fields in this order:
//   flags | [source] | [broadcast id 8] | [destination] | [next hop] | [ttl/qos]
//   | [legacy type] | [frame seq (version >= 1)] | [length u16be (ENCAP_OVERLAY)] | payload
//
// API:
//   decodeFrame(r, ctx, version, encapsulation): FrameRepr
//       Clears and then reports ctx.invalid for this frame. payload is a view.
//       Throws WireError when the header or length is malformed/truncated.
//   encodeFrame(w, frame, ctx, version, encapsulation)
//       SENDER_SAME when frame.source equals ctx.sender (as servald); other
//       addresses full (or SELF/PREVIOUS per ctx). Flags come from the FrameRepr:
//       destination undefined = broadcast; oneHop; ciphered/signed/ackSoon; type.
//   frameLength(frame, ctx, version, encapsulation): number   bytes encodeFrame would write now
//   frameFlags(frame, ctx): number                            the flags byte encodeFrame writes

import {
  ENCAP_OVERLAY, FRAME_ACK_SOON, FRAME_CIPHERED, FRAME_LEGACY_TYPE, FRAME_ONE_HOP,
  FRAME_SENDER_SAME, FRAME_SIGNED, FRAME_TO_BROADCAST, TYPE_DATA,
  type FrameRepr, type Sid,
} from "./types";
import { ByteReader, ByteWriter, WireError, bytesEqual } from "./bytes";
import {
  addressLength, decodeAddress, encodeAddress,
  type AddressDecodeContext, type AddressEncodeContext,
} from "./address";

export const BROADCAST_ID_BYTES = 8;
export const PAYLOAD_TTL_MAX = 31;

export function decodeFrame(
  r: ByteReader, ctx: AddressDecodeContext, version: number, encapsulation: number,
): FrameRepr {
  ctx.invalid = false;
  const flags = r.u8();
  let source: Sid | undefined;
  if (flags & FRAME_SENDER_SAME) {
    source = ctx.sender;
    if (!source) ctx.invalid = true;
  } else {
    source = decodeAddress(r, ctx);
  }
  let destination: Sid | undefined;
  let nextHop: Sid | undefined;
  let broadcastId: Uint8Array | undefined;
  const oneHop = (flags & FRAME_ONE_HOP) !== 0;
  if (flags & FRAME_TO_BROADCAST) {
    if (!oneHop) broadcastId = r.bytes(BROADCAST_ID_BYTES);
  } else {
    destination = decodeAddress(r, ctx);
    if (!oneHop) nextHop = decodeAddress(r, ctx);
  }
  let ttl = 1;
  let queue = 0;
  if (!oneHop) {
    const b = r.u8();
    ttl = b & 0x1f;
    queue = (b >> 5) & 3;
  }
  const type = flags & FRAME_LEGACY_TYPE ? r.u8() : TYPE_DATA;
  const seq = version >= 1 ? r.u8() : -1;
  let payload: Uint8Array;
  if (encapsulation === ENCAP_OVERLAY) {
    const len = r.u16be();
    if (len > r.remaining()) {
      throw new WireError(`frame length ${len} exceeds the ${r.remaining()} bytes left`);
    }
    payload = r.bytes(len);
  } else {
    payload = r.bytes(r.remaining());
  }
  return {
    source, destination, nextHop, broadcastId, ttl, queue, oneHop,
    ciphered: (flags & FRAME_CIPHERED) !== 0,
    signed: (flags & FRAME_SIGNED) !== 0,
    ackSoon: (flags & FRAME_ACK_SOON) !== 0,
    type, seq, payload,
    invalid: ctx.invalid,
  };
}

function sameSid(a: Sid | undefined, b: Sid | undefined): boolean {
  return a !== undefined && b !== undefined && (a === b || (a[0] === b[0] && bytesEqual(a, b)));
}

export function frameFlags(frame: FrameRepr, ctx: AddressEncodeContext): number {
  let flags = 0;
  if (frame.ciphered) flags |= FRAME_CIPHERED;
  if (frame.signed) flags |= FRAME_SIGNED;
  if (frame.ackSoon) flags |= FRAME_ACK_SOON;
  if (frame.oneHop) flags |= FRAME_ONE_HOP;
  if (sameSid(frame.source, ctx.sender)) flags |= FRAME_SENDER_SAME;
  if (!frame.destination) flags |= FRAME_TO_BROADCAST;
  if (frame.type !== TYPE_DATA) flags |= FRAME_LEGACY_TYPE;
  return flags;
}

function check(frame: FrameRepr, version: number): void {
  if (!frame.source) throw new WireError("frame needs a source");
  if (!frame.oneHop) {
    if (!frame.destination && (!frame.broadcastId || frame.broadcastId.length !== BROADCAST_ID_BYTES)) {
      throw new WireError("multi-hop broadcast needs an 8-byte broadcast id");
    }
    if (frame.destination && !frame.nextHop) throw new WireError("multi-hop unicast needs a next hop");
    if (frame.ttl < 0 || frame.ttl > PAYLOAD_TTL_MAX) throw new WireError(`invalid ttl ${frame.ttl}`);
  }
  if (version >= 1 && frame.seq < 0) throw new WireError("version 1 frame needs a sequence number");
  if (frame.payload.length > 0xffff) throw new WireError("frame payload too long");
}

export function encodeFrame(
  w: ByteWriter, frame: FrameRepr, ctx: AddressEncodeContext, version: number, encapsulation: number,
): void {
  check(frame, version);
  const flags = frameFlags(frame, ctx);
  w.u8(flags);
  if (!(flags & FRAME_SENDER_SAME)) encodeAddress(w, frame.source as Sid, ctx);
  if (flags & FRAME_TO_BROADCAST) {
    if (!frame.oneHop) w.bytes(frame.broadcastId as Uint8Array);
  } else {
    encodeAddress(w, frame.destination as Sid, ctx);
    if (!frame.oneHop) encodeAddress(w, frame.nextHop as Sid, ctx);
  }
  if (!frame.oneHop) w.u8((frame.ttl & 0x1f) | ((frame.queue & 3) << 5));
  if (flags & FRAME_LEGACY_TYPE) w.u8(frame.type);
  if (version >= 1) w.u8(frame.seq & 0xff);
  if (encapsulation === ENCAP_OVERLAY) w.u16be(frame.payload.length);
  w.bytes(frame.payload);
}

/** Bytes encodeFrame would write with this context (ctx is left unchanged). */
export function frameLength(
  frame: FrameRepr, ctx: AddressEncodeContext, version: number, encapsulation: number,
): number {
  check(frame, version);
  const flags = frameFlags(frame, ctx);
  const saved = ctx.previous;
  let n = 1;
  if (!(flags & FRAME_SENDER_SAME)) {
    n += addressLength(frame.source as Sid, ctx);
    ctx.previous = frame.source;
  }
  if (flags & FRAME_TO_BROADCAST) {
    if (!frame.oneHop) n += BROADCAST_ID_BYTES;
  } else {
    n += addressLength(frame.destination as Sid, ctx);
    ctx.previous = frame.destination;
    if (!frame.oneHop) n += addressLength(frame.nextHop as Sid, ctx);
  }
  ctx.previous = saved;
  if (!frame.oneHop) n++;
  if (flags & FRAME_LEGACY_TYPE) n++;
  if (version >= 1) n++;
  if (encapsulation === ENCAP_OVERLAY) n += 2;
  return n + frame.payload.length;
}
