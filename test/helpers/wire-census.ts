// Decodes every UDP/4110 packet of a capture with the src/wire codecs, as a
// receiver that learns SIDs as it goes, re-encodes everything it decoded and
// tallies what it saw. Used by test/unit/wire-interop.test.ts.
import { readPcapFile, udpDatagrams } from "./pcap";
import { bookForPcap } from "./wire-interop";
import { ByteReader, ByteWriter, bytesEqual, toHex } from "../../src/wire/bytes";
import { ADDR_PREVIOUS, ADDR_SELF, newDecodeContext } from "../../src/wire/address";
import { beginPacket, decodePacket, encodePacket } from "../../src/wire/packet";
import { encodeFrame } from "../../src/wire/frame";
import { decodePorts } from "../../src/wire/mdp-ports";
import { decodeLinkState, encodeLinkRecord } from "../../src/wire/linkstate";
import { newEncodeContext } from "../../src/wire/address";
import { decodePleaseExplain, encodePleaseExplain } from "../../src/wire/please-explain";
import { PORT_LINKSTATE, TYPE_DATA, TYPE_PLEASEEXPLAIN, type FrameRepr, type PacketRepr } from "../../src/wire/types";

export interface Census {
  datagrams: number;
  frames: number;
  /** decode errors (packet, link-state, please-explain), with pcap frame numbers. */
  errors: string[];
  /** Packets re-encoded byte for byte (addresses coded as the capture coded them). */
  reencoded: number;
  /** Packets whose addresses were all full/SELF/PREVIOUS, re-encoded with the default encoder. */
  fullSidPackets: number;
  envelopes: Record<string, number>;
  /** "plain:<port>", "authcrypt", "signed", "explain" */
  frameKinds: Record<string, number>;
  addressCodes: Record<string, number>;
  invalidFrames: number;
  unresolved: number;
  linkStatePayloads: number;
  linkRecords: Record<string, number>;
  linkRecordsReencoded: number;
  explainEntries: Record<string, number>;
  explainReencoded: number;
  mismatches: string[];
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

/** An abbreviate() for the encoder that replays the address codes the decoder saw. */
function replay(codes: number[]): (sid: Uint8Array) => number {
  let i = 0;
  return () => codes[i++] ?? 0x20;
}

function frameKind(f: FrameRepr): string {
  if (f.type === TYPE_PLEASEEXPLAIN) return "explain";
  if (f.type !== TYPE_DATA) return `type-0x${f.type.toString(16)}`;
  if (f.ciphered) return "authcrypt";
  if (f.signed) return "signed";
  try {
    return `plain:${decodePorts(new ByteReader(f.payload)).dstPort}`;
  } catch {
    return "plain:bad-ports";
  }
}

export function census(path: string, seed: boolean): Census {
  const c: Census = {
    datagrams: 0, frames: 0, errors: [], reencoded: 0, fullSidPackets: 0, envelopes: {}, frameKinds: {},
    addressCodes: {}, invalidFrames: 0, unresolved: 0, linkStatePayloads: 0, linkRecords: {},
    linkRecordsReencoded: 0, explainEntries: {}, explainReencoded: 0, mismatches: [],
  };
  const book = bookForPcap(path, seed);
  const w = new ByteWriter(64);
  for (const d of udpDatagrams(readPcapFile(path), 4110)) {
    c.datagrams++;
    const ctx = newDecodeContext(book);
    ctx.trace = [];
    const pkt: PacketRepr = decodePacket(d.payload, book, ctx);
    if (pkt.error) c.errors.push(`#${d.frameNo}: ${pkt.error}`);
    const e = pkt.envelope;
    bump(c.envelopes, `v${e.version}${e.transmitterFull ? " full" : ""}${e.unicast ? " unicast" : ""}${e.linkSeq >= 0 ? " seq" : ""}${e.interfaceIndex ? " if" : ""}`);
    for (const q of ctx.trace) bump(c.addressCodes, q === 0x20 ? "full" : q === ADDR_SELF ? "self" : q === ADDR_PREVIOUS ? "previous" : q > 0x20 ? `0x${q.toString(16)}` : `abbrev${q}`);
    c.unresolved += pkt.unresolved.length;

    // Re-encode the whole packet, coding each address the way the capture did.
    const codes = ctx.trace.filter((q, i) => q !== ADDR_SELF && q !== ADDR_PREVIOUS && !(i === 0 && e.transmitterFull));
    if (!pkt.error && e.transmitter && pkt.frames.every((f) => !f.invalid)) {
      w.reset();
      // encodeFrame directly: frameLength() would consume replayed codes.
      const ectx = beginPacket(w, e, { usePrevious: true, abbreviate: replay(codes) });
      for (const f of pkt.frames) encodeFrame(w, f, ectx, e.version, e.encapsulation);
      if (bytesEqual(w.view(), d.payload)) c.reencoded++;
      else c.mismatches.push(`#${d.frameNo} packet: ${toHex(d.payload)} vs ${toHex(w.view())}`);
      if (ctx.trace.every((q) => q === 0x20 || q === ADDR_SELF || q === ADDR_PREVIOUS)) {
        w.reset();
        encodePacket(w, e, pkt.frames, { usePrevious: true });
        if (bytesEqual(w.view(), d.payload)) c.fullSidPackets++;
        else c.mismatches.push(`#${d.frameNo} full-SID packet`);
      }
    }

    for (const f of pkt.frames) {
      c.frames++;
      if (f.invalid) { c.invalidFrames++; continue; }
      const kind = frameKind(f);
      bump(c.frameKinds, kind);
      if (kind === `plain:${PORT_LINKSTATE}`) {
        const r = new ByteReader(f.payload);
        decodePorts(r);
        const data = f.payload.subarray(r.pos);
        const lctx = newDecodeContext(book, f.source);
        lctx.trace = [];
        const ls = decodeLinkState(data, book, f.source, lctx);
        c.linkStatePayloads++;
        if (ls.error) c.errors.push(`#${d.frameNo} link-state: ${ls.error}`);
        c.unresolved += ls.unresolved.length;
        for (const rec of ls.records) bump(c.linkRecords, `flags 0x${rec.flags.toString(16).padStart(2, "0")}`);
        const lcodes = lctx.trace.filter((q) => q !== ADDR_SELF && q !== ADDR_PREVIOUS);
        const ectx = newEncodeContext(f.source, { usePrevious: true, abbreviate: replay(lcodes) });
        w.reset();
        let ok = ls.records.every((rec) => rec.receiver !== undefined && (rec.transmitter !== undefined || (rec.flags & 2) !== 0));
        if (ok) for (const rec of ls.records) encodeLinkRecord(w, rec, ectx);
        ok = ok && bytesEqual(w.view(), data);
        if (ok) c.linkRecordsReencoded += ls.records.length;
        else c.mismatches.push(`#${d.frameNo} link-state: ${toHex(data)} vs ${toHex(w.view())}`);
      } else if (kind === "explain") {
        const pe = decodePleaseExplain(f.payload);
        if (pe.error) c.errors.push(`#${d.frameNo} please-explain: ${pe.error}`);
        for (const en of pe.entries) {
          bump(c.explainEntries, en.kind);
          if (en.kind === "sid") book.learnSid(en.bytes);
          if (en.kind === "signkey") {
            const sid = book.sidFromSignKey(en.bytes);
            if (sid) book.learnSignKey(sid, en.bytes);
          }
        }
        w.reset();
        encodePleaseExplain(w, pe.entries);
        if (bytesEqual(w.view(), f.payload)) c.explainReencoded++;
        else c.mismatches.push(`#${d.frameNo} please-explain`);
      }
    }
  }
  return c;
}
