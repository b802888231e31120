// A whole overlay packet = one UDP datagram: envelope + frames (PROTOCOL.md 2, 4).
//
// API:
//   decodePacket(bytes, book, ctx?, scratch?): PacketRepr
//       scratch (newPacketDecodeScratch): the reader, packet, envelope and frame
//       list reused (valid until the next decode with it; frames are new objects).
//       Never throws. A malformed envelope gives envelope.version -1, no frames
//       and `error`. A malformed frame ends decoding: earlier frames are kept
//       and `error` says why. Frames whose addresses did not resolve are kept
//       with invalid = true; their prefixes are in `unresolved`.
//       All SIDs and payloads may be views into `bytes`: copy what you keep.
//       Pass your own ctx (newDecodeContext(book)) to set p2p peers or trace codes.
//   encodePacket(w, envelope, frames, opts?): number
//       Writes the envelope and then frames, in order, while they fit in
//       opts.mtu (default 1200); returns how many frames were written.
//   beginPacket(w, envelope, opts?, reuse?, memo?): AddressEncodeContext   envelope only, for incremental building
//       (reuse: a context from an earlier beginPacket, reset and returned instead of a new one;
//       memo: encodeEnvelope's EnvelopeMemo)
//   appendFrame(w, start, frame, ctx, envelope, mtu = MTU, memo?): boolean  add one frame if it fits
//       (memo: encodeFrame's FrameHeaderMemo)
//       (`start` = w.pos before beginPacket; ENCAP_SINGLE takes one frame only)
//   packetFrameLength(frame, ctx, envelope): number          bytes a frame will need in this packet
//   MTU = 1200

import { ENCAP_SINGLE, type AddressBook, type EnvelopeRepr, type FrameRepr, type PacketRepr } from "./types";
import { ByteReader, ByteWriter } from "./bytes";
import {
  newDecodeContext, newEncodeContext,
  type AddressDecodeContext, type AddressEncodeContext, type AddressEncodeOptions,
} from "./address";
import { decodeEnvelope, encodeEnvelope, envelopeLength, type EnvelopeMemo } from "./envelope";
import { decodeFrame, encodeFrame, frameLength, type FrameHeaderMemo } from "./frame";

/** Default interface MTU for the whole overlay packet (mdp_iftype.mtu). */
export const MTU = 1200;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A receiver's reader and packet, reused by decodePacket for every packet (the
 * packet, its envelope, its frame list and its frames are valid until the next
 * decode; a frame kept longer is taken out with takeDecodedFrame first). */
export interface PacketDecodeScratch {
  reader: ByteReader;
  packet: PacketRepr;
  /** The frame objects refilled for the 1st, 2nd, ... frame of each packet (a
   * new frame literal is 14 generic property definitions in QuickJS). */
  frameSlots: (FrameRepr | undefined)[];
}

/** Keep a frame of the last decoded packet beyond the next decode (e.g. forwarded
 * as it is): its object is no longer refilled. */
export function takeDecodedFrame(scratch: PacketDecodeScratch, f: FrameRepr): void {
  const slots = scratch.frameSlots;
  for (let i = 0; i < slots.length; i++) if (slots[i] === f) slots[i] = undefined;
}

export function newPacketDecodeScratch(): PacketDecodeScratch {
  return {
    reader: new ByteReader(new Uint8Array(0)),
    packet: {
      envelope: { version: -1, encapsulation: 0, transmitter: undefined, unicast: false, interfaceIndex: 0, linkSeq: -1 },
      frames: [], unresolved: [], error: undefined,
    },
    frameSlots: [],
  };
}

/** Frame objects a scratch keeps for reuse (packets with more frames get new ones past these). */
const FRAME_SLOTS_MAX = 8;

export function decodePacket(bytes: Uint8Array, book: AddressBook, ctx?: AddressDecodeContext, scratch?: PacketDecodeScratch): PacketRepr {
  const c = ctx ?? newDecodeContext(book);
  let r: ByteReader;
  let frames: FrameRepr[];
  if (scratch !== undefined) {
    r = scratch.reader;
    r.buf = bytes;
    r.pos = 0;
    r.end = bytes.length;
    frames = scratch.packet.frames;
    frames.length = 0;
  } else {
    r = new ByteReader(bytes);
    frames = [];
  }
  let envelope: EnvelopeRepr;
  try {
    envelope = decodeEnvelope(r, c, scratch?.packet.envelope);
  } catch (e) {
    return {
      envelope: {
        version: -1, encapsulation: 0, transmitter: undefined,
        unicast: false, interfaceIndex: 0, linkSeq: -1,
      },
      frames, unresolved: c.unresolved, error: `envelope: ${message(e)}`,
    };
  }
  let packet: PacketRepr;
  if (scratch !== undefined) {
    packet = scratch.packet;
    packet.unresolved = c.unresolved;
    packet.error = undefined;
  } else packet = { envelope, frames, unresolved: c.unresolved };
  try {
    if (scratch !== undefined) {
      const slots = scratch.frameSlots;
      while (r.remaining() > 0) {
        const k = frames.length;
        const into = k < slots.length ? slots[k] : undefined;
        const f = decodeFrame(r, c, envelope.version, envelope.encapsulation, into);
        if (into === undefined && k < FRAME_SLOTS_MAX) slots[k] = f;
        frames.push(f);
      }
    } else {
      while (r.remaining() > 0) {
        frames.push(decodeFrame(r, c, envelope.version, envelope.encapsulation));
      }
    }
  } catch (e) {
    packet.error = `frame ${frames.length}: ${message(e)}`;
  }
  return packet;
}

export interface PacketEncodeOptions extends AddressEncodeOptions {
  mtu?: number;
}

export function beginPacket(
  w: ByteWriter, envelope: EnvelopeRepr, opts?: PacketEncodeOptions, reuse?: AddressEncodeContext, memo?: EnvelopeMemo,
): AddressEncodeContext {
  let ctx: AddressEncodeContext;
  if (reuse) {
    // (a sender's per-packet context, reset: no allocation per packet)
    ctx = reuse;
    ctx.sender = undefined;
    ctx.previous = undefined;
    ctx.usePrevious = opts?.usePrevious ?? false;
    ctx.abbreviate = opts?.abbreviate;
    if (ctx.abbreviate) {
      if (ctx.written) ctx.written.length = 0;
      else ctx.written = [];
    } else ctx.written = undefined;
  } else ctx = newEncodeContext(undefined, opts);
  encodeEnvelope(w, envelope, ctx, memo);
  return ctx;
}

/** Bytes this frame will take in a packet with this envelope and context. */
export function packetFrameLength(frame: FrameRepr, ctx: AddressEncodeContext, envelope: EnvelopeRepr): number {
  return frameLength(frame, ctx, envelope.version, envelope.encapsulation);
}

/** Append a frame if the packet (which began at `start` in w) stays within mtu;
 * otherwise w and ctx are left as they were. */
export function appendFrame(
  w: ByteWriter, start: number, frame: FrameRepr, ctx: AddressEncodeContext,
  envelope: EnvelopeRepr, mtu = MTU, memo?: FrameHeaderMemo,
): boolean {
  // ENCAP_SINGLE carries exactly one frame, which runs to the end of the packet.
  if (envelope.encapsulation === ENCAP_SINGLE && w.pos - start > envelopeLength(envelope)) return false;
  // Encode, then take it back if it did not fit: measuring first (frameLength)
  // chose every address code twice per frame, on the per-packet path of relays.
  const at = w.pos;
  const previous = ctx.previous;
  const written = ctx.written?.length ?? 0;
  encodeFrame(w, frame, ctx, envelope.version, envelope.encapsulation, memo);
  if (w.pos - start <= mtu) return true;
  w.pos = at;
  ctx.previous = previous;
  if (ctx.written) ctx.written.length = written; // what the frame taught the receiver is not sent
  return false;
}

export function encodePacket(
  w: ByteWriter, envelope: EnvelopeRepr, frames: readonly FrameRepr[], opts?: PacketEncodeOptions,
): number {
  const start = w.pos;
  const mtu = opts?.mtu ?? MTU;
  const ctx = beginPacket(w, envelope, opts);
  let n = 0;
  while (n < frames.length && appendFrame(w, start, frames[n], ctx, envelope, mtu)) n++;
  return n;
}
