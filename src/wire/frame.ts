// Overlay frame header + payload (PROTOCOL.md 4.1), fields in this order:
//   flags | [source] | [broadcast id 8] | [destination] | [next hop] | [ttl/qos]
//   | [legacy type] | [frame seq (version >= 1)] | [length u16be (ENCAP_OVERLAY)] | payload
//
// API:
//   decodeFrame(r, ctx, version, encapsulation): FrameRepr
//       Clears and then reports ctx.invalid for this frame. payload is a view.
//       Throws WireError when the header or length is malformed/truncated.
//   encodeFrame(w, frame, ctx, version, encapsulation, memo?)
//       memo (newFrameHeaderMemo): a unicast frame's flags and addresses written
//       last time, written again while they and the context are the same.
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
  type Abbreviate, type AddressDecodeContext, type AddressEncodeContext,
} from "./address";

export const BROADCAST_ID_BYTES = 8;
export const PAYLOAD_TTL_MAX = 31;

/** `into`: a frame to fill instead of a new one (a receiver's per-packet scratch:
 * every field is written). */
export function decodeFrame(
  r: ByteReader, ctx: AddressDecodeContext, version: number, encapsulation: number, into?: FrameRepr,
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
  if (into !== undefined) {
    into.source = source; into.destination = destination; into.nextHop = nextHop; into.broadcastId = broadcastId;
    into.ttl = ttl; into.queue = queue; into.oneHop = oneHop;
    into.ciphered = (flags & FRAME_CIPHERED) !== 0;
    into.signed = (flags & FRAME_SIGNED) !== 0;
    into.ackSoon = (flags & FRAME_ACK_SOON) !== 0;
    into.type = type; into.seq = seq; into.payload = payload;
    into.invalid = ctx.invalid;
    return into;
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

/**
 * The flags and addresses encodeFrame wrote for a unicast frame, kept to be
 * written again as they are for the next frame with the same flags and SIDs
 * (the same objects) in the same state of the context: a relay forwards a
 * flow's frames with the same three addresses packet after packet. Only used
 * while the context has written no SID in full yet (the first frame after the
 * envelope), so the header depends only on the SIDs, the flags, ctx.sender,
 * ctx.previous, ctx.usePrevious and ctx.abbreviate; the owner clears `bytes`
 * (newFrameHeaderMemo) whenever what ctx.abbreviate answers may have changed.
 */
export interface FrameHeaderMemo {
  bytes: Uint8Array | undefined;
  flags: number;
  source: Sid | undefined;
  destination: Sid | undefined;
  nextHop: Sid | undefined;
  sender: Sid | undefined;
  previous: Sid | undefined;
  usePrevious: boolean;
  abbreviate: Abbreviate | undefined;
  /** ctx.previous after the header, and the SIDs it wrote in full (ctx.written). */
  previousAfter: Sid | undefined;
  writtenAfter: Sid[];
}

export function newFrameHeaderMemo(): FrameHeaderMemo {
  return {
    bytes: undefined, flags: 0, source: undefined, destination: undefined, nextHop: undefined, sender: undefined,
    previous: undefined, usePrevious: false, abbreviate: undefined, previousAfter: undefined, writtenAfter: [],
  };
}

function memoHolds(m: FrameHeaderMemo, frame: FrameRepr, flags: number, ctx: AddressEncodeContext): boolean {
  return m.bytes !== undefined && m.flags === flags && m.source === frame.source && m.destination === frame.destination &&
    m.nextHop === frame.nextHop && m.sender === ctx.sender && m.previous === ctx.previous &&
    m.usePrevious === ctx.usePrevious && m.abbreviate === ctx.abbreviate;
}

function encodeAddresses(w: ByteWriter, frame: FrameRepr, flags: number, ctx: AddressEncodeContext): void {
  if (!(flags & FRAME_SENDER_SAME)) encodeAddress(w, frame.source as Sid, ctx);
  if (flags & FRAME_TO_BROADCAST) {
    if (!frame.oneHop) w.bytes(frame.broadcastId as Uint8Array);
  } else {
    encodeAddress(w, frame.destination as Sid, ctx);
    if (!frame.oneHop) encodeAddress(w, frame.nextHop as Sid, ctx);
  }
}

/** `memo`: see FrameHeaderMemo (used for unicast frames only; the bytes are the same either way). */
export function encodeFrame(
  w: ByteWriter, frame: FrameRepr, ctx: AddressEncodeContext, version: number, encapsulation: number,
  memo?: FrameHeaderMemo,
): void {
  check(frame, version);
  const flags = frameFlags(frame, ctx);
  const written = ctx.written;
  if (memo === undefined || frame.destination === undefined || (written !== undefined && written.length > 0)) {
    w.u8(flags);
    encodeAddresses(w, frame, flags, ctx);
  } else if (memoHolds(memo, frame, flags, ctx)) {
    w.bytes(memo.bytes as Uint8Array);
    ctx.previous = memo.previousAfter;
    if (written !== undefined) for (let i = 0; i < memo.writtenAfter.length; i++) written.push(memo.writtenAfter[i]);
  } else {
    memo.flags = flags;
    memo.source = frame.source;
    memo.destination = frame.destination;
    memo.nextHop = frame.nextHop;
    memo.sender = ctx.sender;
    memo.previous = ctx.previous;
    memo.usePrevious = ctx.usePrevious;
    memo.abbreviate = ctx.abbreviate;
    const at = w.pos;
    w.u8(flags);
    encodeAddresses(w, frame, flags, ctx);
    memo.bytes = w.buf.slice(at, w.pos);
    memo.previousAfter = ctx.previous;
    memo.writtenAfter = written !== undefined ? written.slice() : [];
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
