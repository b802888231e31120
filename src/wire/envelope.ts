// Overlay packet envelope (PROTOCOL.md 2): version, encapsulation, transmitter
// address, packet flags, [interface index], [link sequence].
//
// API:
//   decodeEnvelope(r, ctx, into?): EnvelopeRepr  sets ctx.sender/previous to the transmitter (into: filled instead of a new one)
//   encodeEnvelope(w, env, ctx, memo?)       full SID transmitter, or abbreviated (ctx.abbreviate, extra bits)
//                                            unless env.transmitterFull;
//                                            then sets ctx.sender = ctx.previous = transmitter;
//                                            memo (newEnvelopeMemo): the bytes of the last one, reused
//   envelopeLength(env): number              bytes encodeEnvelope writes with a full SID
//   PACKET_UNICAST, PACKET_INTERFACE, PACKET_SEQ

import { ENCAP_OVERLAY, ENCAP_SINGLE, type EnvelopeRepr, type Sid } from "./types";
import { ByteReader, ByteWriter, WireError } from "./bytes";
import {
  ADDR_FULL, ADDR_SIGNKEY, SID_BYTES, decodeAddress,
  type Abbreviate, type AddressDecodeContext, type AddressEncodeContext,
} from "./address";

export const PACKET_UNICAST = 0x01;
export const PACKET_INTERFACE = 0x02;
export const PACKET_SEQ = 0x04;
export const SUPPORTED_PACKET_VERSION = 1;

/** `into`: an envelope to fill instead of a new one (a receiver's per-packet scratch). */
export function decodeEnvelope(r: ByteReader, ctx: AddressDecodeContext, into?: EnvelopeRepr): EnvelopeRepr {
  // (each field read in place, r.u8() called only to throw the reader's error
  // when it is missing: a call per field is costly in QuickJS, on every packet)
  if (r.pos >= r.end) r.u8();
  const version = r.buf[r.pos++];
  if (version > SUPPORTED_PACKET_VERSION) throw new WireError(`packet version ${version} not supported`);
  if (r.pos >= r.end) r.u8();
  const encapsulation = r.buf[r.pos++];
  if (encapsulation !== ENCAP_OVERLAY && encapsulation !== ENCAP_SINGLE) {
    throw new WireError(`invalid encapsulation ${encapsulation}`);
  }
  ctx.lastPrefix = undefined;
  const transmitter = decodeAddress(r, ctx);
  const code = ctx.lastCode;
  if (r.pos >= r.end) r.u8();
  const flags = r.buf[r.pos++];
  let interfaceIndex = 0, linkSeq = -1;
  if (flags & PACKET_INTERFACE) {
    if (r.pos >= r.end) r.u8();
    interfaceIndex = r.buf[r.pos++];
  }
  if (flags & PACKET_SEQ) {
    if (r.pos >= r.end) r.u8();
    linkSeq = r.buf[r.pos++];
  }
  ctx.sender = transmitter;
  const prefix = !transmitter && ctx.lastPrefix ? ctx.lastPrefix : undefined;
  if (into !== undefined) {
    into.version = version;
    into.encapsulation = encapsulation;
    into.transmitter = transmitter;
    into.transmitterFull = code === ADDR_FULL || code === ADDR_SIGNKEY;
    into.unicast = (flags & PACKET_UNICAST) !== 0;
    into.interfaceIndex = interfaceIndex;
    into.linkSeq = linkSeq;
    into.transmitterPrefix = prefix;
    return into;
  }
  const env: EnvelopeRepr = {
    version, encapsulation, transmitter,
    transmitterFull: code === ADDR_FULL || code === ADDR_SIGNKEY,
    unicast: (flags & PACKET_UNICAST) !== 0,
    interfaceIndex, linkSeq,
  };
  if (prefix) env.transmitterPrefix = prefix;
  return env;
}

/**
 * The bytes encodeEnvelope wrote, kept to be written again (with the new link
 * sequence) while the envelope's other fields and ctx.abbreviate are the same:
 * one per destination. The owner clears `bytes` whenever what ctx.abbreviate
 * answers may have changed.
 */
export interface EnvelopeMemo {
  bytes: Uint8Array | undefined;
  version: number;
  encapsulation: number;
  transmitter: Sid | undefined;
  transmitterFull: boolean;
  unicast: boolean;
  interfaceIndex: number;
  abbreviate: Abbreviate | undefined;
}

export function newEnvelopeMemo(): EnvelopeMemo {
  return {
    bytes: undefined, version: -1, encapsulation: -1, transmitter: undefined, transmitterFull: false,
    unicast: false, interfaceIndex: -1, abbreviate: undefined,
  };
}

/** Would encodeEnvelope write `m.bytes` (the link sequence patched) for `env` with this abbreviator? */
export function envelopeMemoHolds(m: EnvelopeMemo, env: EnvelopeRepr, abbreviate: Abbreviate | undefined): boolean {
  return m.bytes !== undefined && m.transmitter === env.transmitter && m.abbreviate === abbreviate && m.unicast === env.unicast &&
    m.interfaceIndex === env.interfaceIndex && m.transmitterFull === (env.transmitterFull === true) &&
    m.version === env.version && m.encapsulation === env.encapsulation;
}

/** `memo`: see EnvelopeMemo (used for envelopes with a link sequence; the bytes are the same either way). */
export function encodeEnvelope(w: ByteWriter, env: EnvelopeRepr, ctx: AddressEncodeContext, memo?: EnvelopeMemo): void {
  const t = env.transmitter;
  if (memo !== undefined && env.linkSeq >= 0) {
    const m = memo;
    if (envelopeMemoHolds(m, env, ctx.abbreviate)) {
      const at = w.pos;
      const b = m.bytes!;
      w.bytes(b);
      w.patchU8(at + b.length - 1, env.linkSeq & 0xff); // (the link sequence comes last)
      ctx.sender = t;
      ctx.previous = t;
      return;
    }
    const at = w.pos;
    encodeEnvelope(w, env, ctx);
    m.bytes = w.buf.slice(at, w.pos);
    m.transmitter = t;
    m.abbreviate = ctx.abbreviate;
    m.unicast = env.unicast;
    m.interfaceIndex = env.interfaceIndex;
    m.transmitterFull = env.transmitterFull === true;
    m.version = env.version;
    m.encapsulation = env.encapsulation;
    return;
  }
  if (!t || t.length !== SID_BYTES) throw new WireError("envelope needs a 32-byte transmitter SID");
  if (env.version < 0 || env.version > SUPPORTED_PACKET_VERSION) throw new WireError(`bad version ${env.version}`);
  if (env.encapsulation !== ENCAP_OVERLAY && env.encapsulation !== ENCAP_SINGLE) {
    throw new WireError(`bad encapsulation ${env.encapsulation}`);
  }
  w.u8(env.version);
  w.u8(env.encapsulation);
  // SELF/PREVIOUS cannot resolve here, so the only choices are full or abbreviated.
  const n = !env.transmitterFull && ctx.abbreviate ? ctx.abbreviate(t, true, false) : 0;
  if (n > 0 && n < SID_BYTES) {
    w.u8(n);
    w.bytes(t.subarray(0, n));
  } else {
    w.u8(ADDR_FULL);
    w.bytes(t);
  }
  let flags = 0;
  if (env.unicast) flags |= PACKET_UNICAST;
  if (env.interfaceIndex !== 0) flags |= PACKET_INTERFACE;
  if (env.linkSeq >= 0) flags |= PACKET_SEQ;
  w.u8(flags);
  if (flags & PACKET_INTERFACE) w.u8(env.interfaceIndex);
  if (flags & PACKET_SEQ) w.u8(env.linkSeq & 0xff);
  ctx.sender = t;
  ctx.previous = t;
}

export function envelopeLength(env: EnvelopeRepr): number {
  return 2 + 1 + SID_BYTES + 1 + (env.interfaceIndex !== 0 ? 1 : 0) + (env.linkSeq >= 0 ? 1 : 0);
}
