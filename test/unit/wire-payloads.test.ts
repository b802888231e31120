// Byte-literal tests of the payload codecs: link-state records (incl. records
// copied from line_B_vBC.pcap), please-explain, keymap, ping, the local
// client header and the route-table report.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ByteWriter, WireError, bytesEqual, fromHex, toHex } from "../../src/wire/bytes";
import { SidBook } from "../helpers/sid-book";
import { newEncodeContext } from "../../src/wire/address";
import {
  decodeLinkState, encodeLinkRecord, encodeLinkState, linkRecordLength, newLinkRecord,
} from "../../src/wire/linkstate";
import { decodePleaseExplain, encodePleaseExplain, pleaseExplainLength, type ExplainEntry } from "../../src/wire/please-explain";
import { decodeKeymap, encodeKeymapRequest, encodeKeymapResponse } from "../../src/wire/keymap";
import { PING_PAYLOAD_BYTES, decodePing, encodePing } from "../../src/wire/echo";
import {
  HOST_LITTLE_ENDIAN, MDP_FLAG_BIND, MDP_FLAG_NO_CRYPT, MDP_FLAG_NO_SIGN, MDP_HEADER_LEN, REACHABLE_INDIRECT, REACHABLE_SELF,
  REACHABLE_UNICAST, decodeMdpHeader, decodeRouteRecord, encodeMdpMessage, encodeRouteRecord, writeMdpHeader,
  type RouteRecord,
} from "../../src/wire/client-header";
import { LS_HAS_ACK, LS_HAS_DROP_RATE, LS_HAS_INTERFACE, LS_NO_PATH, LS_UNICAST, SID_ANY, type Sid } from "../../src/wire/types";

const hex = (s: string) => fromHex(s.replace(/\s+/g, ""));
const B = hex("A91801A9A376A8AD374CE0A7F1C289344C5C354C10C00832B0FEDC83F467B913"); // line run, node B
const C = hex("EDB8E412B8BF8B4E1E5AD149789451041650AB3AEE7C994FEBB07D35F1BE586F"); // node C
const A = hex("3473F6315D833673706C5506357924B93FA42CB45973520E6130C6F18D0DA42C"); // node A

function bytesOf(fn: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(4);
  fn(w);
  return w.toBytes();
}
function throwsWire(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof WireError);
}
function book(...sids: Sid[]): SidBook {
  const b = new SidBook();
  for (const s of sids) b.learnSid(s);
  return b;
}

// ---- link state ---------------------------------------------------------------

test("captured neighbour ACK record: B tells C 'I hear your unicast, iface 0, ack 3 mask 3'", () => {
  const data = hex("0C 19 FF 01 01ED 00 03 00000003"); // vBC wire#27, MDP source B
  const ls = decodeLinkState(data, book(B, C), B);
  assert.is(ls.error, undefined);
  assert.is(ls.records.length, 1);
  const r = ls.records[0];
  assert.is(r.flags, LS_UNICAST | LS_HAS_INTERFACE | LS_HAS_ACK);
  assert.ok(bytesEqual(r.receiver as Sid, B), "0xFF = the MDP source");
  assert.ok(bytesEqual(r.transmitter as Sid, C));
  assert.equal([r.version, r.interfaceIndex, r.ackSeq, r.ackMask, r.dropRate], [1, 0, 3, 3, -1]);
  // Our encoder writes the transmitter in full; with C abbreviated to 1 byte it matches the capture.
  const ctx = newEncodeContext(B, { abbreviate: () => 1 });
  assert.is(toHex(bytesOf((w) => encodeLinkRecord(w, r, ctx))), toHex(data));
  assert.is(toHex(bytesOf((w) => encodeLinkRecord(w, r, newEncodeContext(B)))), "2B19FF0120" + toHex(C) + "000300000003");
});

test("captured routing advertisements: drop-rate records and a NO_PATH record with version 0xFF", () => {
  // vBC wire#26 (source B: receiver A via transmitter B... abbreviated) and wire#10 (source C, NO_PATH for B).
  const adv = decodeLinkState(hex("09 20 02 3473 02 01 A9 00"), book(A, B, C), B);
  assert.is(adv.error, undefined);
  assert.equal(adv.records.map((r) => [r.flags, toHex(r.receiver as Sid), r.version, toHex(r.transmitter as Sid), r.dropRate]),
    [[LS_HAS_DROP_RATE, toHex(A), 2, toHex(B), 0]]);
  const dead = decodeLinkState(hex("07 22 02 A918 FF 20"), book(C), C);
  assert.is(dead.error, undefined);
  const r = dead.records[0];
  assert.equal([r.flags, r.receiver, r.version, r.transmitter, r.dropRate], [LS_NO_PATH | LS_HAS_DROP_RATE, undefined, 0xff, undefined, 32]);
  assert.is(toHex(r.receiverPrefix as Uint8Array), "A918");
  assert.equal(dead.unresolved, [], "unknown receivers of NO_PATH records are not explained");
  const live = decodeLinkState(hex("08 20 02 A918 02 FF 00"), book(C), C);
  assert.equal(live.unresolved.map(toHex), ["A918"]);
});

test("link-state reader skips unknown trailing fields, stops at a 0 length, and reports bad lengths", () => {
  const ls = decodeLinkState(hex("0A 05 FF 01 FF 00 AABBCCDD  06 01 FF 02 FF 07  00 DEAD"), book(B), B);
  assert.is(ls.error, undefined);
  assert.equal(ls.records.map((r) => [r.flags, r.version, r.interfaceIndex]), [[5, 1, 0], [1, 2, 7]]);
  const overrun = decodeLinkState(hex("06 01 FF 01 FF 00  05 11 FF 01 FF 00 01020304"), book(B), B);
  assert.is(overrun.records.length, 1);
  assert.match(overrun.error as string, /record 1/);
  const tooLong = decodeLinkState(hex("06 01 FF 01 FF 00  30 01 FF"), book(B), B);
  assert.is(tooLong.records.length, 1);
  assert.match(tooLong.error as string, /record length 48/);
  assert.match(decodeLinkState(hex("01"), book(B), B).error as string, /record length 1/);
  assert.match(decodeLinkState(hex("04 01 00 01"), book(B), B).error as string, /invalid address code/);
});

test("link-state writer derives flags from the fields and patches the record length", () => {
  const rec = newLinkRecord();
  rec.receiver = C;
  rec.transmitter = B;
  rec.version = 9;
  rec.dropRate = 0;
  const ctx = newEncodeContext(B);
  assert.is(linkRecordLength(rec, ctx), 38);
  assert.is(toHex(bytesOf((w) => encodeLinkRecord(w, rec, ctx))), "2620 20" .replace(" ", "") + toHex(C) + "09FF00");
  rec.transmitter = undefined; // lost route: NO_PATH, no transmitter field
  assert.is(toHex(bytesOf((w) => encodeLinkRecord(w, rec, ctx))), "2522" + "20" + toHex(C) + "0900");
  const ack = newLinkRecord();
  ack.flags = LS_UNICAST | LS_HAS_DROP_RATE; // HAS_DROP_RATE is dropped: dropRate is -1
  ack.receiver = B;
  ack.transmitter = C;
  ack.interfaceIndex = 1;
  ack.ackSeq = 0x1ff;
  ack.ackMask = 0xfffffffe;
  const all = bytesOf((w) => encodeLinkState(w, B, [ack, rec]));
  assert.is(toHex(all.subarray(0, 10)), "05" + "2B19FF0120" + toHex(C).slice(0, 8));
  const back = decodeLinkState(all.subarray(1), book(B, C), B);
  assert.equal(back.records.map((r) => [r.flags, r.ackSeq, r.ackMask, r.interfaceIndex]),
    [[0x19, 0xff, 0xfffffffe, 1], [LS_NO_PATH | LS_HAS_DROP_RATE, -1, 0, -1]]);
  throwsWire(() => encodeLinkRecord(new ByteWriter(), newLinkRecord(), ctx));
});

// ---- please-explain -------------------------------------------------------------

test("please-explain: captured prefix request, and every entry kind mixed in one payload", () => {
  assert.equal(decodePleaseExplain(hex("02EDB8")).entries.map((e) => [e.kind, toHex(e.bytes)]), [["prefix", "EDB8"]]);
  const key = hex("B9360D6BAA52DC88669AC415CFB0569D8549130D906B18E464FA40B98F890E7D");
  const payload = hex(`01AA 20${toHex(C)} FB${toHex(key)} FD 1F${"11".repeat(31)}`);
  const pe = decodePleaseExplain(payload);
  assert.is(pe.error, undefined);
  assert.equal(pe.entries.map((e) => e.kind), ["prefix", "sid", "signkey", "explain-yourself", "prefix"]);
  assert.is(pleaseExplainLength(pe.entries), payload.length);
  assert.is(toHex(bytesOf((w) => encodePleaseExplain(w, pe.entries))), toHex(payload));
  assert.equal(decodePleaseExplain(new Uint8Array(0)).entries, []);
});

test("please-explain: entry length 0 and 33..0xFA are errors; earlier entries are kept", () => {
  for (const bad of ["01AA 00", "01AA 21", "01AA FA", "01AA FE", "01AA 0511", "01AA 20AABB"]) {
    const pe = decodePleaseExplain(hex(bad));
    assert.is(pe.entries.length, 1, bad);
    assert.match(pe.error as string, /entry 1/, bad);
  }
  const bad: ExplainEntry[][] = [[{ kind: "prefix", bytes: new Uint8Array(0) }], [{ kind: "prefix", bytes: new Uint8Array(32) }],
    [{ kind: "sid", bytes: new Uint8Array(31) }], [{ kind: "explain-yourself", bytes: new Uint8Array(1) }]];
  for (const entries of bad) throwsWire(() => bytesOf((w) => encodePleaseExplain(w, entries)));
});

// ---- keymap, ping ---------------------------------------------------------------

test("keymap: request 02, response 02||key||sig, unlock messages, errors", () => {
  assert.equal(decodeKeymap(hex("02")), { kind: "request" });
  assert.is(toHex(bytesOf(encodeKeymapRequest)), "02");
  const key = new Uint8Array(32).fill(0xaa);
  const sig = new Uint8Array(64).fill(0xbb);
  const resp = bytesOf((w) => encodeKeymapResponse(w, key, sig));
  assert.is(resp.length, 97);
  const m = decodeKeymap(resp);
  assert.ok(m.kind === "response" && bytesEqual(m.signKey, key) && bytesEqual(m.signature, sig));
  const ch = decodeKeymap(hex("F1 0102"));
  assert.ok(ch.kind === "unlock-challenge" && toHex(ch.body) === "0102");
  throwsWire(() => decodeKeymap(hex("02 0102")));
  throwsWire(() => decodeKeymap(hex("05")));
  throwsWire(() => decodeKeymap(new Uint8Array(0)));
  throwsWire(() => bytesOf((w) => encodeKeymapResponse(w, key, sig.subarray(1))));
});

test("ping payload: u32 seq LE || u64 time_ms LE without BigInt", () => {
  const b = bytesOf((w) => encodePing(w, 0x01020304, 0x0000_0123_89abcdef));
  assert.is(b.length, PING_PAYLOAD_BYTES);
  assert.is(toHex(b), "04030201" + "EFCDAB89" + "23010000");
  assert.equal(decodePing(b), { seq: 0x01020304, timeMs: 0x0000_0123_89abcdef });
  assert.equal(decodePing(bytesOf((w) => encodePing(w, 0xffffffff, Number.MAX_SAFE_INTEGER))),
    { seq: 0xffffffff, timeMs: Number.MAX_SAFE_INTEGER });
  throwsWire(() => decodePing(b.subarray(0, 11)));
  throwsWire(() => bytesOf((w) => encodePing(w, 1, -1)));
});

// ---- local client -----------------------------------------------------------------

test("client header: 75 bytes, ports in host byte order, SIDs as views", () => {
  const h = {
    localSid: SID_ANY, localPort: 0x1234, remoteSid: C, remotePort: 0x01020304,
    flags: MDP_FLAG_NO_CRYPT | MDP_FLAG_NO_SIGN | MDP_FLAG_BIND, qos: 3, ttl: 31,
  };
  const b = encodeMdpMessage(h, hex("C0FFEE"));
  assert.is(b.length, MDP_HEADER_LEN + 3);
  // host order = what a C struct's uint32 holds in memory on this machine
  const host = (v: number) => toHex(new Uint8Array(new Uint32Array([v]).buffer));
  assert.is(HOST_LITTLE_ENDIAN, host(1) === "01000000");
  assert.is(toHex(b.subarray(32, 36)), host(0x1234));
  assert.is(toHex(b.subarray(68, 72)), host(0x01020304));
  assert.is(toHex(b.subarray(72)), "07031F" + "C0FFEE");
  const d = decodeMdpHeader(b)!;
  assert.equal([d.localPort, d.remotePort, d.flags, d.qos, d.ttl], [0x1234, 0x01020304, 7, 3, 31]);
  assert.ok(bytesEqual(d.remoteSid, C));
  assert.is(d.remoteSid.buffer, b.buffer);
  assert.ok(decodeMdpHeader(b.subarray(0, 75)));
  assert.is(decodeMdpHeader(b.subarray(0, 74)), undefined);
  const out = new Uint8Array(75);
  writeMdpHeader({ ...h, remotePort: 0xfffffffe }, out);
  assert.is(decodeMdpHeader(out)!.remotePort, 0xfffffffe);
});

test("route table report records round-trip for self, neighbour, 2- and 3-hop, and unreachable", () => {
  const key = new Uint8Array(32).fill(7);
  const base: RouteRecord = {
    sid: A, signKey: undefined, combined: false, reachable: 0, hopCount: -1, nextHop: undefined, priorHop: undefined,
    interfaceIndex: -1, interfaceState: 0, interfaceName: undefined,
  };
  const cases: [RouteRecord, string][] = [
    [{ ...base, combined: true, signKey: key, reachable: REACHABLE_SELF }, toHex(A) + "03" + toHex(key) + "01"],
    [{ ...base, reachable: REACHABLE_UNICAST, hopCount: 1, interfaceIndex: 0, interfaceState: 1, interfaceName: "vBA" },
      toHex(A) + "00" + "04" + "01" + "0001" + "764241" + "00"],
    [{ ...base, reachable: REACHABLE_INDIRECT, hopCount: 2, nextHop: B }, toHex(A) + "00" + "08" + "02" + toHex(B)],
    [{ ...base, reachable: REACHABLE_INDIRECT, hopCount: 3, nextHop: B, priorHop: C }, toHex(A) + "000803" + toHex(B) + toHex(C)],
    [base, toHex(A) + "0000"],
  ];
  for (const [rec, h] of cases) {
    const b = encodeRouteRecord(rec);
    assert.is(toHex(b), h);
    const back = decodeRouteRecord(b)!;
    assert.equal(back, rec);
  }
  // truncated: interface name without its NUL, hop 2 without the next hop
  assert.is(decodeRouteRecord(hex(toHex(A) + "0004 01 00 01 7642")), undefined);
  assert.is(decodeRouteRecord(hex(toHex(A) + "0008 02" + toHex(B).slice(0, 62))), undefined);
});

test.run();
