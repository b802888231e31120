// Overlay address codes (PROTOCOL.md 3.1). Every address starts with one byte Q:
//   1..31 abbreviation (first Q bytes of a SID)   0x20 full SID (32 bytes follow)
//   0xFB SIGNKEY (32-byte Ed25519 key; SID derived) 0xFC P2P_ME  0xFD P2P_YOU
//   0xFE PREVIOUS   0xFF SELF   0 and 33..0xFA: WireError (servald abandons the packet)
//
// API:
//   newDecodeContext(book, sender?): AddressDecodeContext
//   decodeAddress(r, ctx): Sid | undefined     undefined = did not resolve (ctx.invalid set)
//   newEncodeContext(sender?, opts?): AddressEncodeContext   opts.abbreviate: see Abbreviate
//   encodeAddress(w, sid, ctx, extra?)         SELF when sid equals ctx.sender, PREVIOUS (opt-in),
//                                              an abbreviation when ctx.abbreviate says so, else full
//   addressLength(sid, ctx, extra?): number    bytes encodeAddress would write (pure)
//
// One decode context spans an envelope and all frames of one packet (PREVIOUS
// carries across frames; SELF = envelope transmitter). Link-state payloads use a
// fresh context whose sender is the MDP source. Decoded SIDs may be views into
// the packet: copy what you keep. AddressBook.learnSid/learnSignKey get views too.

import type { AddressBook, Sid } from "./types";
import { ByteReader, ByteWriter, WireError, bytesEqual } from "./bytes";

export const ADDR_FULL = 0x20;
export const ADDR_SIGNKEY = 0xfb;
export const ADDR_P2P_ME = 0xfc;
export const ADDR_P2P_YOU = 0xfd;
export const ADDR_PREVIOUS = 0xfe;
export const ADDR_SELF = 0xff;
export const SID_BYTES = 32;

/** By an address's code q (1..31 abbreviated, 32 in full): the bits of its
 * first four bytes, read big-endian as an int32, that are its own (those past
 * a shorter abbreviation masked out): a prefix compared in one int32 operation. */
export const ADDRESS_HEAD_MASK: Int32Array = Int32Array.from({ length: SID_BYTES + 1 }, (_, q) => (q >= 4 ? -1 : q === 0 ? 0 : -1 << (32 - 8 * q)));

/** Marker pushed on `unresolved` for a P2P_ME we cannot resolve: ask the peer to
 * explain itself (please-explain entry 0xFD), as servald does. */
export const EXPLAIN_YOURSELF: Uint8Array = new Uint8Array(0);

export interface AddressDecodeContext {
  book: AddressBook;
  /** Resolves SELF (0xFF). */
  sender: Sid | undefined;
  /** Resolves PREVIOUS (0xFE); set by every resolved address. */
  previous: Sid | undefined;
  /** On a point-to-point link: the peer (resolves P2P_ME) and me (resolves P2P_YOU). */
  p2pPeer: Sid | undefined;
  p2pMe: Sid | undefined;
  /** Some address since the caller last cleared this did not resolve. */
  invalid: boolean;
  /** Don't queue unresolved prefixes (link-state NO_PATH records). */
  dontExplain: boolean;
  /** Prefixes to put in a please-explain (views into the packet). */
  unresolved: Uint8Array[];
  /** The Q byte of the last address decoded. */
  lastCode: number;
  /** The abbreviation bytes of the last address that did not resolve (a view). */
  lastPrefix: Uint8Array | undefined;
  /** Tests/diagnostics: when set, every Q byte decoded is appended. */
  trace: number[] | undefined;
}

export function newDecodeContext(book: AddressBook, sender?: Sid): AddressDecodeContext {
  return {
    book, sender, previous: undefined, p2pPeer: undefined, p2pMe: undefined,
    invalid: false, dontExplain: false, unresolved: [], lastCode: 0, lastPrefix: undefined, trace: undefined,
  };
}

function unresolved(ctx: AddressDecodeContext, prefix: Uint8Array): undefined {
  ctx.invalid = true;
  ctx.lastPrefix = prefix;
  if (!ctx.dontExplain) ctx.unresolved.push(prefix);
  return undefined;
}

/** Read one address. Throws WireError for codes servald rejects or truncation. */
export function decodeAddress(r: ByteReader, ctx: AddressDecodeContext): Sid | undefined {
  if (r.pos >= r.end) r.u8(); // (throws: the code is read in place, no call per address)
  const q = r.buf[r.pos++];
  ctx.lastCode = q;
  if (ctx.trace) ctx.trace.push(q);
  switch (q) {
    case ADDR_SELF:
      if (!ctx.sender) { ctx.invalid = true; return undefined; }
      ctx.previous = ctx.sender;
      return ctx.sender;
    case ADDR_PREVIOUS:
      if (!ctx.previous) { ctx.invalid = true; return undefined; }
      return ctx.previous;
    case ADDR_P2P_YOU:
      if (!ctx.p2pMe) { ctx.invalid = true; return undefined; }
      ctx.previous = ctx.p2pMe;
      return ctx.p2pMe;
    case ADDR_P2P_ME:
      if (!ctx.p2pPeer) return unresolved(ctx, EXPLAIN_YOURSELF);
      ctx.previous = ctx.p2pPeer;
      return ctx.p2pPeer;
    case ADDR_SIGNKEY: {
      const key = r.bytes(32);
      const sid = ctx.book.sidFromSignKey(key);
      if (!sid) throw new WireError("signing key does not map to a SID");
      ctx.book.learnSignKey(sid, key);
      ctx.previous = sid;
      return sid;
    }
    case ADDR_FULL: {
      const sid = r.bytes(SID_BYTES);
      ctx.book.learnSid(sid);
      ctx.previous = sid;
      return sid;
    }
  }
  if (q === 0 || q > SID_BYTES) throw new WireError(`invalid address code 0x${q.toString(16)}`);
  const at = r.pos;
  if (at + q > r.end) r.bytes(q); // (throws)
  const prefix = r.buf.subarray(at, at + q);
  r.pos = at + q;
  const found = ctx.book.lookupPrefix(prefix);
  if (found === undefined || found === "ambiguous") return unresolved(ctx, prefix);
  ctx.previous = found;
  return found;
}

export interface AddressEncodeContext {
  /** Written as SELF (0xFF) when an address equals it. */
  sender: Sid | undefined;
  /** The last address written (for PREVIOUS). */
  previous: Sid | undefined;
  /** Write PREVIOUS (0xFE) when an address repeats the last one, as servald does. */
  usePrevious: boolean;
  /** Abbreviation length (1..31) to use for a SID, or 0 for full (see Abbreviate). */
  abbreviate: Abbreviate | undefined;
  /** SIDs this context has written in full (only when `abbreviate` is set): the
   * receiver has learnt them by the time it reads a later address. */
  written: Sid[] | undefined;
}

/**
 * Chooses how a SID is written: 1..31 = its first bytes, anything else = in full.
 * `extra`: where Serval DNA adds 8 bits for more certainty (the envelope's
 * transmitter, a link record's receiver). `inContext`: the SID was already
 * written in full earlier in this context. Must be pure: lengths are measured
 * with it before they are written.
 */
export type Abbreviate = (sid: Sid, extra: boolean, inContext: boolean) => number;

export interface AddressEncodeOptions {
  usePrevious?: boolean;
  abbreviate?: Abbreviate;
}

export function newEncodeContext(sender?: Sid, opts?: AddressEncodeOptions): AddressEncodeContext {
  return {
    sender, previous: undefined,
    usePrevious: opts?.usePrevious ?? false,
    abbreviate: opts?.abbreviate,
    written: opts?.abbreviate ? [] : undefined,
  };
}

function sameSid(a: Sid | undefined, b: Sid): boolean {
  // (the first bytes first: SIDs that differ almost always differ there, and
  // an element read costs less than the call bytesEqual is, per address written)
  return a !== undefined && (a === b || (a[0] === b[0] && bytesEqual(a, b)));
}

function written(ctx: AddressEncodeContext, sid: Sid): boolean {
  const list = ctx.written;
  if (list === undefined) return false;
  for (let i = 0; i < list.length; i++) if (sameSid(list[i], sid)) return true;
  return false;
}

/** The Q byte encodeAddress will choose (abbreviation length, 0x20, SELF or PREVIOUS). */
function chooseCode(sid: Sid, ctx: AddressEncodeContext, extra: boolean): number {
  if (sameSid(ctx.sender, sid)) return ADDR_SELF;
  if (ctx.usePrevious && sameSid(ctx.previous, sid)) return ADDR_PREVIOUS;
  if (ctx.abbreviate) {
    const n = ctx.abbreviate(sid, extra, written(ctx, sid));
    if (n > 0 && n < SID_BYTES) return n;
  }
  return ADDR_FULL;
}

/** `extra`: see Abbreviate. */
export function encodeAddress(w: ByteWriter, sid: Sid, ctx: AddressEncodeContext, extra = false): void {
  if (sid.length !== SID_BYTES) throw new WireError(`SID must be 32 bytes, got ${sid.length}`);
  const q = chooseCode(sid, ctx, extra);
  w.u8(q);
  if (q <= SID_BYTES) w.bytes(q === SID_BYTES ? sid : sid.subarray(0, q));
  if (q === ADDR_FULL && ctx.written !== undefined && ctx.written.length < 64 && !written(ctx, sid)) ctx.written.push(sid);
  ctx.previous = sid;
}

/** Bytes encodeAddress(w, sid, ctx, extra) would write now (does not update ctx). */
export function addressLength(sid: Sid, ctx: AddressEncodeContext, extra = false): number {
  const q = chooseCode(sid, ctx, extra);
  return q <= SID_BYTES ? 1 + q : 1;
}
