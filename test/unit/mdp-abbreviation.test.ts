// Abbreviated SIDs (issue 12, PROTOCOL.md 3.1): the abbreviation length follows
// Serval DNA's trie rule, prefixes resolve by binary search, and a node
// abbreviates a SID only to neighbours that have named it: a node that joins a
// settled LAN gets full SIDs until it has named them, and converges as fast.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Subscribers } from "../../src/mdp/subscribers";
import { noteNamed } from "../../src/mdp/abbreviation";
import { newNeighbour } from "../../src/mdp/neighbours";
import { newLinkRecord } from "../../src/wire/linkstate";
import { SimNet, restartNode, type SimNode } from "../helpers/simnet";
import { ByteReader, bytesEqual } from "../../src/wire/bytes";
import { ADDR_FULL, newDecodeContext } from "../../src/wire/address";
import { decodeEnvelope } from "../../src/wire/envelope";
import { decodePacket } from "../../src/wire/packet";
import { decodeMdpMessage } from "../../src/wire/mdp-ports";
import { decodeLinkState } from "../../src/wire/linkstate";
import { SidBook } from "../helpers/sid-book";
import { PORT_LINKSTATE } from "../../src/wire/types";

const sid = (...head: number[]) => { const s = new Uint8Array(32); s.set(head); return s; };

test("abbreviation length: Serval DNA's trie depth in nibbles / 2 + 1 bytes", () => {
  const b = new Subscribers(() => undefined);
  const a = b.add(sid(0x12, 0x34, 1));
  assert.is(a.abbrev, 1); // alone: DNA's root slot, 4 bits -> 1 byte
  const x = b.add(sid(0x95));
  assert.is(a.abbrev, 1); // first nibbles differ
  assert.is(x.abbrev, 1);
  const c = b.add(sid(0x13));
  assert.is(c.abbrev, 2); // shares 1 nibble with 0x12..: depth 2 nibbles -> 2 bytes
  assert.is(a.abbrev, 2);
  const d = b.add(sid(0x12, 0x35));
  assert.is(d.abbrev, 3); // shares 3 nibbles: depth 4 -> 3 bytes
  assert.is(a.abbrev, 3);
  assert.is(c.abbrev, 2);
  const e = b.add(sid(0x12, 0x34, 1, 0x80));
  assert.is(e.abbrev, 4); // shares 6 nibbles with a: depth 7 -> 4 bytes
  assert.is(a.abbrev, 4);
  assert.is(x.abbrev, 1);
});

test("prefix lookup by binary search: unique, ambiguous, unknown; matching() in order", () => {
  const b = new Subscribers(() => undefined);
  for (const h of [0x40, 0x10, 0x12, 0xf0, 0x11]) b.add(sid(h, 0xaa));
  assert.is(b.lookupPrefix(Uint8Array.of(0x1)), undefined);
  assert.ok(bytesEqual(b.lookupPrefix(Uint8Array.of(0x12)) as Uint8Array, sid(0x12, 0xaa)));
  assert.ok(bytesEqual(b.lookupPrefix(Uint8Array.of(0xf0, 0xaa)) as Uint8Array, sid(0xf0, 0xaa)));
  assert.is(b.lookupPrefix(Uint8Array.of(0xf0, 0xab)), undefined);
  assert.is(b.lookupPrefix(Uint8Array.of(0x05)), undefined);
  assert.is(b.lookupPrefix(Uint8Array.of(0xff)), undefined);
  b.add(sid(0x12, 0xab));
  assert.is(b.lookupPrefix(Uint8Array.of(0x12)), "ambiguous");
  assert.equal(b.matching(Uint8Array.of(0x12), 8).map((s) => s.sid[1]), [0xaa, 0xab]);
});

/** Q code of each packet's envelope transmitter, from `from`. */
function envelopeCodes(net: SimNet, from: SimNode, out: number[]): void {
  net.tap = (n, _to, bytes) => {
    if (n !== from) return;
    const ctx = newDecodeContext(new SidBook());
    decodeEnvelope(new ByteReader(bytes), ctx);
    out.push(ctx.lastCode);
  };
}

test("noteNamed: the address book's namedGen goes up when a neighbour names a SID it had not named (a relay's header memos are cleared then)", () => {
  const subs = new Subscribers(() => undefined);
  const [x, y, z] = [sid(1), sid(2), sid(3)].map((s) => subs.add(s));
  const n = newNeighbour(x, 0);
  const rec = (receiver: Uint8Array, transmitter?: Uint8Array) => ({ ...newLinkRecord(), receiver, transmitter });
  const g0 = subs.namedGen;
  noteNamed(n, [rec(x.sid)], subs, 100);
  assert.is(subs.namedGen, g0, "x named itself (known from the start): no change");
  noteNamed(n, [rec(y.sid, x.sid)], subs, 100);
  assert.is(subs.namedGen, g0 + 1, "y is new");
  noteNamed(n, [rec(y.sid), rec(x.sid, y.sid)], subs, 100);
  assert.is(subs.namedGen, g0 + 1, "nothing new");
  noteNamed(n, [rec(z.sid)], subs, 2);
  assert.is(subs.namedGen, g0 + 1, "over the cap: not remembered, no change");
  assert.ok(!n.knows.has(z));
});

test("a LAN: SIDs abbreviated once named; a node that joins later gets them in full, then abbreviated", () => {
  const net = new SimNet({ seed: 7 });
  const [a, b, c] = ["A", "B", "C"].map((x) => net.addNode(x));
  net.link("lan", [a!, b!, c!], 0, 2, 0.5);
  const codes: number[] = [];
  envelopeCodes(net, a!, codes);
  net.start(a!);
  net.start(b!);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a!, b!) && net.hasRoute(b!, a!), 5000) !== undefined);
  net.runFor(3000);
  assert.is(codes[0], ADDR_FULL, "A's first packet names it in full");
  const late = codes.slice(-6);
  assert.ok(late.every((q) => q >= 1 && q < 32), `A abbreviates once B named it: ${late}`);
  // Every link-state record A sends now decodes in B's book (B knows every SID in it).
  const bBook = new SidBook();
  bBook.learnSid(a!.identity.sid);
  bBook.learnSid(b!.identity.sid);
  let records = 0;
  net.tap = (n, _to, bytes) => {
    if (n !== a) return;
    const p = decodePacket(bytes, bBook);
    assert.ok(p.envelope.transmitter && bytesEqual(p.envelope.transmitter, a!.identity.sid));
    for (const f of p.frames) {
      if (f.ciphered || f.signed) continue;
      const m = decodeMdpMessage(f.payload);
      if (m.dstPort !== PORT_LINKSTATE) continue;
      const ls = decodeLinkState(m.data, bBook, a!.identity.sid);
      assert.is(ls.unresolved.length, 0);
      records += ls.records.length;
    }
  };
  net.runFor(2000);
  assert.ok(records > 0);
  // C comes up on the same LAN: A writes its SID in full until C has named it.
  codes.length = 0;
  envelopeCodes(net, a!, codes);
  net.start(c!);
  const t0 = net.time;
  const up = net.runUntilTrue(() => [a!, b!].every((x) => net.hasRoute(c!, x) && net.hasRoute(x, c!)), 5000);
  assert.ok(up !== undefined, "C converged");
  console.log(`  C routes both ways to A and B ${(up! - t0).toFixed(0)} ms after it started (${c!.node.stats.explainsSent} please-explain); A's envelope address codes meanwhile: ${codes.join(",")}`);
  assert.ok(up! - t0 <= 1500, `C converged after ${up! - t0} ms`);
  net.runFor(3000);
  assert.ok(codes.slice(-4).every((q) => q >= 1 && q < 32), `A abbreviates again once C named it: ${codes.slice(-4)}`);
  // C may hear an abbreviated packet sent before A or B heard it: at most one question to each.
  assert.is(a!.node.stats.explainsSent + b!.node.stats.explainsSent, 0, "A and B needed no explanation");
  assert.ok(c!.node.stats.explainsSent <= 2, `C asked ${c!.node.stats.explainsSent} times`);
});

test("a node that restarts and forgot every SID asks (please-explain) and recovers", () => {
  const net = new SimNet({ seed: 9 });
  const [a, b] = net.line(["A", "B"]);
  net.start(a!);
  net.start(b!);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a!, b!) && net.hasRoute(b!, a!), 5000) !== undefined);
  net.runFor(3000);
  restartNode(net, b!);
  const t0 = net.time;
  const up = net.runUntilTrue(() => net.hasRoute(a!, b!) && net.hasRoute(b!, a!), 10_000);
  assert.ok(up !== undefined, "B routes to A again after its restart");
  console.log(`  restarted B routes both ways ${(up! - t0).toFixed(0)} ms after it restarted; explains sent by B ${b!.node.stats.explainsSent}, answered by A ${a!.node.stats.explainsAnswered}`);
  assert.ok(up! - t0 <= 3000, `${up! - t0} ms`);
});

test.run();
