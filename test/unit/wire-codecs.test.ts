// Byte-literal tests of the core overlay codecs: reader/writer, packed ints,
// MDP ports, address codes and contexts, envelope + frames, the spec 10(a)
// worked packet, MTU packing, and malformed/truncated input.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ByteReader, ByteWriter, WireError, bytesEqual, fromHex, sidToHex, toHex } from "../../src/wire/bytes";
import { packedLength, readPacked, writePacked } from "../../src/wire/packed";
import { MDP_PORT_MAX, decodeMdpMessage, decodePorts, encodePorts, portsLength, readMdpPorts } from "../../src/wire/mdp-ports";
import {
  EXPLAIN_YOURSELF, addressLength, decodeAddress, encodeAddress, newDecodeContext, newEncodeContext,
} from "../../src/wire/address";
import { SidBook } from "../helpers/sid-book";
import { decodeEnvelope, encodeEnvelope, envelopeLength } from "../../src/wire/envelope";
import { decodeFrame, encodeFrame, frameLength } from "../../src/wire/frame";
import { MTU, appendFrame, beginPacket, decodePacket, encodePacket, newPacketDecodeScratch, packetFrameLength, takeDecodedFrame } from "../../src/wire/packet";
import { encodeLinkState, newLinkRecord } from "../../src/wire/linkstate";
import {
  ENCAP_OVERLAY, ENCAP_SINGLE, LS_BROADCAST, TYPE_DATA, TYPE_PLEASEEXPLAIN,
  type EnvelopeRepr, type FrameRepr, type Sid,
} from "../../src/wire/types";
import { ed25519PkToX25519 } from "../helpers/wire-interop";

const hex = (s: string) => fromHex(s.replace(/\s+/g, ""));
const sidOf = (b: number) => { const s = new Uint8Array(32); for (let i = 0; i < 32; i++) s[i] = (b + i * 7) & 0xff; return s; };
const T = sidOf(0x11);
const R = sidOf(0x22);

function bytesOf(fn: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(8);
  fn(w);
  return w.toBytes();
}

function throwsWire(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof WireError);
}

function frame(over: Partial<FrameRepr>): FrameRepr {
  return {
    source: T, destination: undefined, nextHop: undefined, broadcastId: undefined, ttl: 1, queue: 0,
    oneHop: true, ciphered: false, signed: false, ackSoon: false, type: TYPE_DATA, seq: 0,
    payload: new Uint8Array(0), invalid: false, ...over,
  };
}

function envelope(over: Partial<EnvelopeRepr>): EnvelopeRepr {
  return {
    version: 1, encapsulation: ENCAP_OVERLAY, transmitter: T, transmitterFull: true,
    unicast: false, interfaceIndex: 0, linkSeq: -1, ...over,
  };
}

// ---- bytes -------------------------------------------------------------------

test("ByteReader reads big/little endian integers and bounds-checks", () => {
  const r = new ByteReader(hex("01 0203 04050607 0809 0A0B0C0D FF"));
  assert.is(r.u8(), 1);
  assert.is(r.u16be(), 0x0203);
  assert.is(r.u32be(), 0x04050607);
  assert.is(r.u16le(), 0x0908);
  assert.is(r.u32le(), 0x0d0c0b0a);
  assert.is(r.remaining(), 1);
  throwsWire(() => r.u16be());
  assert.is(r.pos, 13, "a failed read does not move the cursor");
  assert.is(r.u8(), 0xff);
  throwsWire(() => r.u8());
  assert.is(new ByteReader(hex("FFFFFFFF")).u32be(), 0xffffffff);
  assert.is(new ByteReader(hex("FFFFFFFF")).u32le(), 0xffffffff);
});

test("ByteReader.bytes returns a view, and a reader can be limited to a range", () => {
  const buf = hex("00 11 22 33 44");
  const r = new ByteReader(buf, 1, 4);
  const v = r.bytes(2);
  assert.is(v.buffer, buf.buffer);
  assert.is(toHex(v), "1122");
  throwsWire(() => r.bytes(2));
  throwsWire(() => new ByteReader(buf, 3, 9));
});

test("ByteWriter grows, patches and round-trips every width", () => {
  const w = new ByteWriter(2);
  w.u8(0xab);
  w.u16be(0x1234);
  w.u32be(0xdeadbeef);
  w.u16le(0x1234);
  w.u32le(0xdeadbeef);
  w.bytes(hex("0102"));
  w.patchU16be(1, 0x5678);
  assert.is(toHex(w.view()), "AB5678DEADBEEF3412EFBEADDE0102");
  const copy = w.toBytes();
  w.reset();
  w.u8(0);
  assert.is(copy[0], 0xab, "toBytes is a copy");
  // from no room at all, byte by byte and in every width, past several doublings
  const z = new ByteWriter(0);
  const want: number[] = [];
  for (let i = 0; i < 700; i++) {
    if (i % 3 === 0) { z.u8(i & 0xff); want.push(i & 0xff); }
    else if (i % 3 === 1) { z.u16be(i); want.push((i >> 8) & 0xff, i & 0xff); }
    else { z.u32le(i); want.push(i & 0xff, (i >> 8) & 0xff, 0, 0); }
  }
  z.bytes(new Uint8Array(5000).fill(7));
  for (let i = 0; i < 5000; i++) want.push(7);
  assert.equal([...z.view()], want);
});

test("hex helpers: SIDs print as 64 upper-case digits; bad hex is a WireError", () => {
  const sid = hex("70814ea8c9389ab47411053c39be7e1fa13da94f6a8250caac85c954e09ec950");
  assert.is(sidToHex(sid), "70814EA8C9389AB47411053C39BE7E1FA13DA94F6A8250CAAC85C954E09EC950");
  throwsWire(() => sidToHex(sid.subarray(1)));
  throwsWire(() => fromHex("abc"));
  throwsWire(() => fromHex("zz"));
  assert.ok(bytesEqual(fromHex("00ff7F"), new Uint8Array([0, 255, 127])));
});

// ---- packed ints and MDP ports ---------------------------------------------

test("packed uints are LEB128", () => {
  const cases: [number, string][] = [[0, "00"], [1, "01"], [127, "7F"], [128, "8001"], [300, "AC02"],
    [1024, "8008"], [16384, "808001"], [0x7fffffff, "FFFFFFFF07"], [0x80000000, "8080808008"], [0xffffffff, "FFFFFFFF0F"]];
  for (const [v, h] of cases) {
    const b = bytesOf((w) => writePacked(w, v));
    assert.is(toHex(b), h, `encode ${v}`);
    assert.is(packedLength(v), b.length);
    assert.is(readPacked(new ByteReader(b)), v, `decode ${h}`);
  }
  throwsWire(() => readPacked(new ByteReader(hex("8080"))));
  throwsWire(() => readPacked(new ByteReader(hex("808080808001"))));
  throwsWire(() => readPacked(new ByteReader(hex("FFFFFFFF7F"))));
  throwsWire(() => bytesOf((w) => writePacked(w, -1)));
  throwsWire(() => bytesOf((w) => writePacked(w, 1.5)));
  throwsWire(() => bytesOf((w) => writePacked(w, 0x100000000)));
  throwsWire(() => bytesOf((w) => writePacked(w, NaN)));
  // ports: 0 .. 2^31-1, integers only
  assert.is(toHex(bytesOf((w) => encodePorts(w, 0x7fffffff, 0))), "FEFFFFFF0F00");
  for (const bad of [-1, 0x80000000, 1.5, NaN]) throwsWire(() => bytesOf((w) => encodePorts(w, bad, 1)));
  for (const bad of [-1, 0x80000000, 2.5]) throwsWire(() => bytesOf((w) => encodePorts(w, 1, bad)));
  // around 2^31, where int32 shifts give way to float64 division
  for (const v of [0x3fffffff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe]) {
    const b = bytesOf((w) => writePacked(w, v));
    assert.is(b.length, 5, `${v} takes 5 bytes`);
    assert.is(packedLength(v), 5);
    assert.is(readPacked(new ByteReader(b)), v, `round trip ${v}`);
  }
  for (const bad of [1.5, 0x100000000, NaN, -0.5, 2 ** 40]) throwsWire(() => bytesOf((w) => writePacked(w, bad)));
});

test("MDP ports header: spec examples 80 08 AC 02 and 05", () => {
  assert.is(toHex(bytesOf((w) => encodePorts(w, 512, 300))), "8008AC02");
  assert.is(toHex(bytesOf((w) => encodePorts(w, 2, 2))), "05");
  assert.is(portsLength(512, 300), 4);
  assert.is(portsLength(2, 2), 1);
  assert.equal(decodePorts(new ByteReader(hex("8008AC02"))), { dstPort: 512, srcPort: 300 });
  const out = { dstPort: 0, srcPort: 0 };
  assert.is(decodePorts(new ByteReader(hex("0F")), out), out);
  assert.equal(out, { dstPort: 7, srcPort: 7 });
  const m = decodeMdpMessage(hex("0E 8202 0102"));
  assert.equal([m.dstPort, m.srcPort, toHex(m.data)], [7, 258, "0102"]);
  // the largest ports: dst << 1 | same passes 2^31
  for (const [dst, src] of [[MDP_PORT_MAX, MDP_PORT_MAX], [MDP_PORT_MAX, 1], [0x40000000, 0x7ffffffe]]) {
    const b = bytesOf((w) => encodePorts(w, dst, src));
    assert.is(portsLength(dst, src), b.length);
    assert.equal(decodePorts(new ByteReader(b)), { dstPort: dst, srcPort: src });
  }
  for (const bad of [MDP_PORT_MAX + 1, -1, 1.5, NaN]) throwsWire(() => bytesOf((w) => encodePorts(w, bad, 1)));
  throwsWire(() => decodeMdpMessage(hex("80")));
  throwsWire(() => decodeMdpMessage(hex("0E")));
});

test("readMdpPorts (the delivery path's decoder) agrees with decodePorts on every port size and edge; -1 where it throws", () => {
  const ports = [0, 1, 2, 63, 64, 127, 128, 300, 512, 0x3fff, 0x4000, 0x1fffff, 0x200000, 0x7ffffff, 0x8000000,
    0xfffffff, 0x10000000, 0x3fffffff, 0x40000000, 0x7ffffffe, 0x7fffffff];
  const out = { dstPort: -1, srcPort: -1 };
  for (const dst of ports) {
    for (const src of [dst, 0, 300, 0x10000000, 0xffffffff]) {
      const body = bytesOf((w) => {
        if (src === 0xffffffff) { writePacked(w, dst * 2); writePacked(w, src); } // (encodePorts caps src at 2^31-1)
        else encodePorts(w, dst, src);
        w.u8(0xab);
      });
      const at = readMdpPorts(body, out);
      const r = new ByteReader(body);
      assert.equal(out, decodePorts(r), `dst ${dst} src ${src}`);
      assert.is(at, r.pos);
      assert.is(body[at], 0xab);
    }
  }
  // dst * 2 + 1 above 2^31: the float path
  const big = bytesOf((w) => writePacked(w, 0xffffffff));
  assert.is(readMdpPorts(big, out), 5);
  assert.equal(out, { dstPort: 0x7fffffff, srcPort: 0x7fffffff });
  for (const bad of ["", "80", "0E", "0E80", "8080808080", "FFFFFFFF1F", "8080808010"]) {
    assert.is(readMdpPorts(hex(bad), out), -1, bad);
    throwsWire(() => decodeMdpMessage(hex(bad)));
  }
});

// ---- addresses ---------------------------------------------------------------

function bookWith(...sids: Sid[]): SidBook {
  const b = new SidBook(ed25519PkToX25519);
  for (const s of sids) b.learnSid(s);
  return b;
}

test("address codes: full SID learns; abbreviations resolve only when unique", () => {
  const a = hex("AB01" + "00".repeat(30));
  const b = hex("AB02" + "00".repeat(30));
  const book = bookWith();
  const ctx = newDecodeContext(book);
  const full = decodeAddress(new ByteReader(bytesOf((w) => { w.u8(0x20); w.bytes(a); })), ctx);
  assert.ok(full && bytesEqual(full, a));
  assert.ok(book.has(a));
  assert.ok(bytesEqual(decodeAddress(new ByteReader(hex("01AB")), ctx) as Sid, a));
  book.learnSid(b);
  assert.is(decodeAddress(new ByteReader(hex("01AB")), ctx), undefined, "ambiguous");
  assert.ok(ctx.invalid);
  assert.is(toHex(ctx.unresolved[0]), "AB");
  assert.ok(bytesEqual(decodeAddress(new ByteReader(hex("02AB02")), ctx) as Sid, b));
  assert.is(decodeAddress(new ByteReader(hex("03CCDDEE")), ctx), undefined, "unknown");
  assert.is(toHex(ctx.unresolved[1]), "CCDDEE");
});

test("address codes 0, 33..0xFA and truncation are WireErrors", () => {
  const ctx = newDecodeContext(bookWith(T));
  for (const q of [0x00, 0x21, 0x80, 0xfa]) throwsWire(() => decodeAddress(new ByteReader(new Uint8Array([q, 1, 2])), ctx));
  throwsWire(() => decodeAddress(new ByteReader(hex("20" + "00".repeat(31))), ctx));
  throwsWire(() => decodeAddress(new ByteReader(hex("05AABB")), ctx));
  throwsWire(() => decodeAddress(new ByteReader(hex("")), ctx));
});

test("SELF and PREVIOUS resolve from the context, and fail without one", () => {
  const book = bookWith(T, R);
  const ctx = newDecodeContext(book);
  assert.is(decodeAddress(new ByteReader(hex("FF")), ctx), undefined);
  assert.ok(ctx.invalid);
  ctx.invalid = false;
  assert.is(decodeAddress(new ByteReader(hex("FE")), ctx), undefined);
  assert.ok(ctx.invalid);
  assert.equal(ctx.unresolved, [], "SELF/PREVIOUS failures are not please-explain material");
  const ctx2 = newDecodeContext(book, T);
  assert.is(decodeAddress(new ByteReader(hex("FF")), ctx2), T);
  assert.is(ctx2.previous, T, "SELF updates previous");
  assert.ok(bytesEqual(decodeAddress(new ByteReader(hex("0122")), ctx2) as Sid, R));
  assert.ok(bytesEqual(decodeAddress(new ByteReader(hex("FE")), ctx2) as Sid, R));
  // An unresolved abbreviation leaves previous alone (as servald).
  decodeAddress(new ByteReader(hex("0199")), ctx2);
  assert.ok(bytesEqual(decodeAddress(new ByteReader(hex("FE")), ctx2) as Sid, R));
});

test("SIGNKEY derives the SID and records the key; P2P codes need a point-to-point link", () => {
  // Serval identity A of the interop set: signing key -> SID.
  const signKey = hex("18721112B420D5D774A5873FD720F2E577A65855821EC6EE6B6F022A37ACA555");
  const sidA = hex("70814EA8C9389AB47411053C39BE7E1FA13DA94F6A8250CAAC85C954E09EC950");
  const book = bookWith();
  const ctx = newDecodeContext(book);
  const sid = decodeAddress(new ByteReader(bytesOf((w) => { w.u8(0xfb); w.bytes(signKey); })), ctx);
  assert.ok(sid && bytesEqual(sid, sidA), "SID = crypto_sign_ed25519_pk_to_curve25519(key)");
  assert.ok(bytesEqual(book.signKeyOf(sid as Sid) as Uint8Array, signKey));
  assert.ok(ctx.previous === sid);
  assert.is(decodeAddress(new ByteReader(hex("FC")), ctx), undefined);
  assert.is(ctx.unresolved[0], EXPLAIN_YOURSELF, "unknown P2P_ME asks the peer to explain itself");
  assert.is(decodeAddress(new ByteReader(hex("FD")), ctx), undefined);
  ctx.p2pPeer = R;
  ctx.p2pMe = T;
  assert.is(decodeAddress(new ByteReader(hex("FC")), ctx), R);
  assert.is(decodeAddress(new ByteReader(hex("FD")), ctx), T);
});

test("address encoder: full SID, SELF for the context sender, optional PREVIOUS and abbreviations", () => {
  const ctx = newEncodeContext(T);
  assert.is(toHex(bytesOf((w) => encodeAddress(w, T, ctx))), "FF");
  assert.is(toHex(bytesOf((w) => encodeAddress(w, R, ctx))), "20" + toHex(R));
  assert.is(toHex(bytesOf((w) => encodeAddress(w, R, ctx))), "20" + toHex(R), "no PREVIOUS by default");
  assert.is(addressLength(R, ctx), 33);
  const p = newEncodeContext(undefined, { usePrevious: true });
  assert.is(toHex(bytesOf((w) => { encodeAddress(w, R, p); encodeAddress(w, R, p); })), "20" + toHex(R) + "FE");
  const ab = newEncodeContext(undefined, { abbreviate: () => 2 });
  assert.is(toHex(bytesOf((w) => encodeAddress(w, R, ab))), "02" + toHex(R.subarray(0, 2)));
  throwsWire(() => bytesOf((w) => encodeAddress(w, R.subarray(0, 5), ctx)));
});

// ---- envelope, frames, packets ----------------------------------------------

/** Spec 10(a): T's link-state ACK record for R, broadcast, link seq 5, frame seq 0x10. */
function workedPacket(withAck: boolean, unicast: boolean): Uint8Array {
  const rec = newLinkRecord();
  rec.flags = LS_BROADCAST;
  rec.receiver = T;
  rec.transmitter = R;
  rec.interfaceIndex = 0;
  if (withAck) { rec.ackSeq = 0x42; rec.ackMask = 0x80000001; }
  const payload = bytesOf((w) => encodeLinkState(w, T, [rec]));
  const w = new ByteWriter();
  const f = unicast ? frame({ destination: R, seq: 0x10, payload }) : frame({ seq: 0x10, payload });
  assert.is(encodePacket(w, envelope({ linkSeq: 5 }), [f]), 1);
  return w.toBytes();
}

test("spec 10(a) worked packet encodes exactly as documented (80 bytes)", () => {
  const want = hex(`01 01 20 ${toHex(T)} 04 05   07 10 00 27   05   26 05 FF 01 20 ${toHex(R)} 00`);
  const got = workedPacket(false, false);
  assert.is(got.length, 80);
  assert.is(toHex(got), toHex(want));
  const withAck = workedPacket(true, false);
  assert.is(toHex(withAck), toHex(hex(
    `01 01 20 ${toHex(T)} 04 05   07 10 00 2C   05   2B 15 FF 01 20 ${toHex(R)} 00 42 80000001`)));
  const uni = workedPacket(false, true);
  assert.is(toHex(uni), toHex(hex(
    `01 01 20 ${toHex(T)} 04 05   05 20 ${toHex(R)} 10 00 27   05   26 05 FF 01 20 ${toHex(R)} 00`)));
});

test("decodePacket reads the worked packet back", () => {
  const book = bookWith();
  const p = decodePacket(workedPacket(true, true), book);
  assert.is(p.error, undefined);
  assert.equal(
    { ...p.envelope, transmitter: toHex(p.envelope.transmitter as Sid) },
    { version: 1, encapsulation: 1, transmitter: toHex(T), transmitterFull: true, unicast: false, interfaceIndex: 0, linkSeq: 5 },
  );
  assert.is(p.frames.length, 1);
  const f = p.frames[0];
  assert.ok(bytesEqual(f.source as Sid, T));
  assert.ok(bytesEqual(f.destination as Sid, R));
  assert.equal([f.nextHop, f.oneHop, f.ttl, f.seq, f.type, f.invalid, f.payload.length], [undefined, true, 1, 0x10, TYPE_DATA, false, 0x2c]);
  assert.ok(book.has(T) && book.has(R), "full SIDs are learned");
});

test("envelope flags: interface byte only when non-zero, seq only when >= 0, version/encap checked", () => {
  const w = new ByteWriter();
  const ctx = newEncodeContext();
  encodeEnvelope(w, envelope({ unicast: true, interfaceIndex: 3, linkSeq: 0x1ff, version: 0 }), ctx);
  assert.is(toHex(w.view()), `0001 20${toHex(T)} 07 03 FF`.replace(/ /g, ""));
  assert.is(envelopeLength(envelope({ interfaceIndex: 3, linkSeq: 1 })), w.pos);
  assert.is(ctx.sender, T);
  const env = decodeEnvelope(new ByteReader(w.view()), newDecodeContext(bookWith()));
  assert.equal([env.version, env.unicast, env.interfaceIndex, env.linkSeq], [0, true, 3, 0xff]);
  for (const bad of ["0201", "0103", "0100", "01"]) throwsWire(() => decodeEnvelope(new ByteReader(hex(bad + "20" + toHex(T) + "00")), newDecodeContext(bookWith())));
  throwsWire(() => encodeEnvelope(new ByteWriter(), envelope({ transmitter: undefined }), newEncodeContext()));
  const abbreviated = decodeEnvelope(new ByteReader(hex("0101 02BEEF 00")), newDecodeContext(bookWith()));
  assert.is(abbreviated.transmitter, undefined);
  assert.is(abbreviated.transmitterFull, false);
  assert.is(toHex(abbreviated.transmitterPrefix as Uint8Array), "BEEF");
});

test("frame layouts: multi-hop unicast, multi-hop broadcast, legacy type, version 0, ENCAP_SINGLE", () => {
  const X = sidOf(0x33);
  const bid = hex("0102030405060708");
  const frames: [FrameRepr, string][] = [
    // source != sender: explicit source, destination, next hop, ttl|queue<<5, seq, length
    [frame({ source: X, destination: R, nextHop: T, oneHop: false, ttl: 31, queue: 3, seq: 7, ciphered: true, signed: true, ackSoon: true, payload: hex("AA") }),
      `70 20${toHex(X)} 20${toHex(R)} FF 7F 07 0001 AA`],
    [frame({ broadcastId: bid, oneHop: false, ttl: 5, queue: 2, seq: 9, payload: hex("BBCC") }),
      `03 ${toHex(bid)} 45 09 0002 BBCC`],
    [frame({ type: TYPE_PLEASEEXPLAIN, seq: 1, payload: hex("02EDB8") }), "87 60 01 0003 02EDB8"],
  ];
  for (const [f, h] of frames) {
    const ctx = newEncodeContext(T);
    const len = frameLength(f, ctx, 1, ENCAP_OVERLAY);
    const b = bytesOf((w) => encodeFrame(w, f, ctx, 1, ENCAP_OVERLAY));
    assert.is(toHex(b), h.replace(/ /g, ""));
    assert.is(len, b.length);
    const dctx = newDecodeContext(bookWith(T, R, X), T);
    const back = decodeFrame(new ByteReader(b), dctx, 1, ENCAP_OVERLAY);
    assert.equal({ ...back, source: toHex(back.source as Sid) }, { ...f, source: toHex(f.source as Sid), invalid: false }, h);
  }
  // Version 0: no sequence byte. ENCAP_SINGLE: no length, payload runs to the end.
  const f0 = frame({ seq: -1, payload: hex("0102") });
  assert.is(toHex(bytesOf((w) => encodeFrame(w, f0, newEncodeContext(T), 0, ENCAP_OVERLAY))), "0700020102");
  assert.is(toHex(bytesOf((w) => encodeFrame(w, frame({ seq: 3, payload: hex("0102") }), newEncodeContext(T), 1, ENCAP_SINGLE))), "07030102");
  const single = decodeFrame(new ByteReader(hex("07030102")), newDecodeContext(bookWith(), T), 1, ENCAP_SINGLE);
  assert.is(toHex(single.payload), "0102");
  // Encoder refuses frames it cannot express.
  throwsWire(() => encodeFrame(new ByteWriter(), frame({ oneHop: false, ttl: 3 }), newEncodeContext(T), 1, ENCAP_OVERLAY));
  throwsWire(() => encodeFrame(new ByteWriter(), frame({ destination: R, oneHop: false }), newEncodeContext(T), 1, ENCAP_OVERLAY));
  throwsWire(() => encodeFrame(new ByteWriter(), frame({ destination: R, nextHop: R, oneHop: false, ttl: 32 }), newEncodeContext(T), 1, ENCAP_OVERLAY));
  throwsWire(() => encodeFrame(new ByteWriter(), frame({ seq: -1 }), newEncodeContext(T), 1, ENCAP_OVERLAY));
});

test("PREVIOUS and SELF carry across frames of one packet; SENDER_SAME without a sender is invalid", () => {
  const X = sidOf(0x33);
  const book = bookWith(T, R, X);
  // env(T) | frame 1: from X to R (full) | frame 2: from PREVIOUS(=R) to SELF(=T)
  const pkt = hex(`0101 20${toHex(T)} 00  04 20${toHex(X)} 20${toHex(R)} 01 0000  04 FE FF 02 0001 99`);
  const p = decodePacket(pkt, book);
  assert.is(p.error, undefined);
  assert.is(p.frames.length, 2);
  assert.ok(bytesEqual(p.frames[1].source as Sid, R));
  assert.ok(bytesEqual(p.frames[1].destination as Sid, T));
  // Unknown abbreviated transmitter: SENDER_SAME frames are invalid, but decoding goes on.
  const q = decodePacket(hex("0101 02ABCD 00  07 01 0001 05  06 20" + toHex(R) + " 02 0000"), book);
  assert.is(q.error, undefined);
  assert.equal(q.frames.map((f) => f.invalid), [true, false]);
  assert.equal(q.unresolved.map(toHex), ["ABCD"]);
});

test("encodePacket packs frames up to the MTU and reports how many fit", () => {
  const payload = new Uint8Array(400);
  const frames = [1, 2, 3, 4].map((seq) => frame({ seq, payload }));
  const w = new ByteWriter(16);
  const env = envelope({ linkSeq: 1 });
  assert.is(encodePacket(w, env, frames), 2, "37-byte envelope + 2 x 404 fits, a third does not");
  assert.is(w.pos, envelopeLength(env) + 2 * 404);
  const start = w.pos;
  const ctx = beginPacket(w, env);
  assert.is(packetFrameLength(frames[0], ctx, env), 404);
  assert.ok(appendFrame(w, start, frame({ seq: 9, payload: new Uint8Array(MTU - 37 - 4) }), ctx, env));
  assert.is(w.pos - start, MTU);
  const full = w.pos;
  const previous = ctx.previous;
  assert.not.ok(appendFrame(w, start, frame({ seq: 10, source: new Uint8Array(32).fill(9) }), ctx, env));
  assert.is(w.pos, full, "a frame that does not fit leaves nothing behind");
  assert.is(ctx.previous, previous, "nor a changed PREVIOUS address");
  assert.is(encodePacket(new ByteWriter(), env, [frame({ payload: new Uint8Array(2000) })]), 0);
  assert.is(encodePacket(new ByteWriter(), envelope({ encapsulation: ENCAP_SINGLE }), [frame({}), frame({})]), 1,
    "ENCAP_SINGLE carries one frame");
});

test("decodePacket with a scratch refills its frame objects, reads what a plain decode reads, and keeps a taken frame", () => {
  const book = bookWith(T, R);
  const two = hex(`0101 20${toHex(T)} 04 05  07 10 0002 0506  07 11 0003 050708`);
  const other = hex(`0101 20${toHex(T)} 04 06  07 12 0001 09`);
  const scratch = newPacketDecodeScratch();
  const plain = (b: Uint8Array) => decodePacket(b, book).frames.map((f) => ({ ...f }));
  const a = decodePacket(two, book, undefined, scratch);
  assert.equal(a.frames.map((f) => ({ ...f })), plain(two));
  const [f0, f1] = a.frames;
  const b = decodePacket(other, book, undefined, scratch);
  assert.equal(b.frames.map((f) => ({ ...f })), plain(other));
  assert.ok(b.frames[0] === f0, "the first frame's object is refilled");
  takeDecodedFrame(scratch, f0);
  const kept = { ...f0 };
  const c = decodePacket(two, book, undefined, scratch);
  assert.equal(c.frames.map((f) => ({ ...f })), plain(two));
  assert.ok(c.frames[0] !== f0 && c.frames[1] === f1);
  assert.equal({ ...f0 }, kept, "a taken frame is not refilled");
});

// ---- malformed input -----------------------------------------------------------

test("decodePacket never throws: truncations of a valid packet keep the frames before the cut", () => {
  const book = bookWith(T, R);
  const two = hex(`0101 20${toHex(T)} 04 05  07 10 0002 0506  07 11 0003 050708`);
  for (let n = 0; n <= two.length; n++) {
    const p = decodePacket(two.subarray(0, n), book);
    if (n < 37) {
      assert.is(p.envelope.version, -1, `cut at ${n}`);
      assert.ok(p.error);
    } else if (n === 37 || n === 43 || n === two.length) {
      assert.is(p.error, undefined, `cut at ${n}`);
    } else {
      assert.ok(p.error, `cut at ${n}`);
    }
    assert.is(p.frames.length, n >= two.length ? 2 : n >= 43 ? 1 : 0, `cut at ${n}`);
  }
});

test("a frame whose length overruns, or with a bad address code, ends decoding but keeps earlier frames", () => {
  const book = bookWith(T);
  const p = decodePacket(hex(`0101 20${toHex(T)} 00  07 01 0001 05  07 02 0009 0102`), book);
  assert.is(p.frames.length, 1);
  assert.match(p.error as string, /frame 1: frame length 9/);
  const q = decodePacket(hex(`0101 20${toHex(T)} 00  07 01 0001 05  04 00 0102`), book);
  assert.is(q.frames.length, 1);
  assert.match(q.error as string, /invalid address code 0x0/);
  const r = decodePacket(hex("0101 2101 00"), book);
  assert.match(r.error as string, /envelope/);
});

test("decodePacket survives 20000 random and bit-flipped packets without throwing or hanging", () => {
  let seed = 12345;
  const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed >>> 8; };
  const book = bookWith(T, R);
  const base = workedPacket(true, true);
  let errors = 0;
  for (let i = 0; i < 20000; i++) {
    let b: Uint8Array;
    if (i % 2 === 0) {
      b = base.slice();
      for (let k = 0; k < 1 + (rnd() % 4); k++) b[rnd() % b.length] ^= 1 << (rnd() % 8);
    } else {
      b = new Uint8Array(rnd() % 120);
      for (let k = 0; k < b.length; k++) b[k] = rnd() & 0xff;
      if (b.length > 2) { b[0] = rnd() % 2; b[1] = 1; }
    }
    const p = decodePacket(b, book);
    if (p.error) errors++;
    for (const f of p.frames) assert.ok(f.payload.length <= b.length);
  }
  assert.ok(errors > 0);
});

test.run();
