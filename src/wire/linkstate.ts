// Link-state payload, MDP port 2 -> 2 (PROTOCOL.md 6.3): a run of records
//   len(incl. itself; 0 ends) flags receiver version [transmitter] [iface] [ackseq ackmask32be] [droprate] [future...]
// Addresses use a FRESH context whose sender (0xFF) is the MDP source; the
// receiver is written with servald's "extra bits" (only matters for abbreviations).
//
// API:
//   decodeLinkState(data, book, source, ctx?): LinkStateRepr   never throws; `data` = MDP data after the ports byte
//   encodeLinkRecord(w, rec, ctx)     flags HAS_INTERFACE/NO_PATH/HAS_ACK/HAS_DROP_RATE derived from the fields
//   encodeLinkState(w, self, records, opts?)   ports `05` + records, fresh context with sender = self
//   linkRecordLength(rec, ctx): number
//   newLinkRecord(): LinkRecordRepr   all optional fields absent

import {
  LS_HAS_ACK, LS_HAS_DROP_RATE, LS_HAS_INTERFACE, LS_NO_PATH, PORT_LINKSTATE,
  type AddressBook, type LinkRecordRepr, type Sid,
} from "./types";
import { ByteReader, ByteWriter, WireError } from "./bytes";
import {
  addressLength, decodeAddress, encodeAddress, newDecodeContext, newEncodeContext,
  type AddressDecodeContext, type AddressEncodeContext, type AddressEncodeOptions,
} from "./address";
import { encodePorts } from "./mdp-ports";

/** servald caps one link-state frame's payload at 400 bytes and sends the rest in another. */
export const LINK_STATE_MAX_PAYLOAD = 400;
/** servald ignores records whose interface index is >= this. */
export const OVERLAY_MAX_INTERFACES = 16;

export interface LinkStateRepr {
  records: LinkRecordRepr[];
  /** Prefixes to ask about (not for NO_PATH records, as servald). */
  unresolved: Uint8Array[];
  error?: string;
}

export function newLinkRecord(): LinkRecordRepr {
  return {
    flags: 0, receiver: undefined, version: 1, transmitter: undefined,
    interfaceIndex: -1, ackSeq: -1, ackMask: 0, dropRate: -1,
  };
}

function decodeRecord(r: ByteReader, ctx: AddressDecodeContext, flags: number): LinkRecordRepr {
  const rec = newLinkRecord();
  rec.flags = flags;
  ctx.dontExplain = (flags & LS_NO_PATH) !== 0;
  ctx.lastPrefix = undefined;
  rec.receiver = decodeAddress(r, ctx);
  if (!rec.receiver && ctx.lastPrefix) rec.receiverPrefix = ctx.lastPrefix;
  rec.version = r.u8();
  if (!(flags & LS_NO_PATH)) {
    ctx.lastPrefix = undefined;
    rec.transmitter = decodeAddress(r, ctx);
    if (!rec.transmitter && ctx.lastPrefix) rec.transmitterPrefix = ctx.lastPrefix;
  }
  if (flags & LS_HAS_INTERFACE) rec.interfaceIndex = r.u8();
  if (flags & LS_HAS_ACK) {
    rec.ackSeq = r.u8();
    rec.ackMask = r.u32be();
  }
  if (flags & LS_HAS_DROP_RATE) rec.dropRate = r.u8();
  return rec;
}

/** `ctx` (optional) lets tests trace address codes; it must be fresh, with sender = MDP source. */
export function decodeLinkState(
  data: Uint8Array, book: AddressBook, source: Sid | undefined, ctx = newDecodeContext(book, source),
): LinkStateRepr {
  const out: LinkStateRepr = { records: [], unresolved: ctx.unresolved };
  const r = new ByteReader(data);
  try {
    while (r.remaining() > 0) {
      const start = r.pos;
      const len = r.u8();
      if (len === 0) break;
      if (len < 2 || start + len > data.length) throw new WireError(`record length ${len} at offset ${start}`);
      const flags = r.u8();
      // Fields must lie within the record; any bytes after them are future fields.
      r.end = start + len;
      out.records.push(decodeRecord(r, ctx, flags));
      r.end = data.length;
      r.pos = start + len;
    }
  } catch (e) {
    out.error = `record ${out.records.length}: ${e instanceof Error ? e.message : String(e)}`;
  }
  return out;
}

function recordFlags(rec: LinkRecordRepr): number {
  let f = rec.flags & ~(LS_HAS_INTERFACE | LS_NO_PATH | LS_HAS_ACK | LS_HAS_DROP_RATE);
  if (rec.interfaceIndex >= 0) f |= LS_HAS_INTERFACE;
  if (!rec.transmitter) f |= LS_NO_PATH;
  if (rec.ackSeq >= 0) f |= LS_HAS_ACK;
  if (rec.dropRate >= 0) f |= LS_HAS_DROP_RATE;
  return f;
}

export function encodeLinkRecord(w: ByteWriter, rec: LinkRecordRepr, ctx: AddressEncodeContext): void {
  if (!rec.receiver) throw new WireError("link record needs a receiver");
  const start = w.pos;
  const flags = recordFlags(rec);
  w.u8(0); // length, patched below
  w.u8(flags);
  encodeAddress(w, rec.receiver, ctx, true);
  w.u8(rec.version & 0xff);
  if (rec.transmitter) encodeAddress(w, rec.transmitter, ctx);
  if (flags & LS_HAS_INTERFACE) w.u8(rec.interfaceIndex);
  if (flags & LS_HAS_ACK) {
    w.u8(rec.ackSeq & 0xff);
    w.u32be(rec.ackMask >>> 0);
  }
  if (flags & LS_HAS_DROP_RATE) w.u8(rec.dropRate);
  const len = w.pos - start;
  if (len > 255) throw new WireError("link record too long");
  w.patchU8(start, len);
}

/** Bytes encodeLinkRecord would write (ctx unchanged). */
export function linkRecordLength(rec: LinkRecordRepr, ctx: AddressEncodeContext): number {
  if (!rec.receiver) throw new WireError("link record needs a receiver");
  const flags = recordFlags(rec);
  const saved = ctx.previous;
  let n = 2 + addressLength(rec.receiver, ctx, true) + 1;
  ctx.previous = rec.receiver;
  if (rec.transmitter) n += addressLength(rec.transmitter, ctx);
  ctx.previous = saved;
  if (flags & LS_HAS_INTERFACE) n++;
  if (flags & LS_HAS_ACK) n += 5;
  if (flags & LS_HAS_DROP_RATE) n++;
  return n;
}

/** The whole MDP plaintext of a link-state frame from `self`: ports 2->2 then records. */
export function encodeLinkState(
  w: ByteWriter, self: Sid, records: readonly LinkRecordRepr[], opts?: AddressEncodeOptions,
): void {
  encodePorts(w, PORT_LINKSTATE, PORT_LINKSTATE);
  const ctx = newEncodeContext(self, opts);
  for (const rec of records) encodeLinkRecord(w, rec, ctx);
}
