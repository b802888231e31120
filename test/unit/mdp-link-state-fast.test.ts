// The receive fast path of a steady neighbour's link state (link-state-in.ts
// receiveAckOnly: one ACK record about us, read straight from its bytes) leaves
// the same state as the generic decoder (decodeLinkState, noteNamed,
// applyLinkRecords, receiveAckRecord) it stands for. Two copies of the same
// SimNet run side by side, one with the fast paths off (this one and the whole
// packet's, ingress.ts receiveSteady: mdp-steady-packet-fast.test.ts): after every step, and
// after every constructed or mutated payload, the whole state of every node
// (stateSnapshot) and every byte sent are the same. Malformed or unusual
// payloads fall back to the generic path.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, type SimNode } from "../helpers/simnet";
import { snapshotDifference, stateSnapshot } from "../helpers/state-snapshot";
import { prng } from "../helpers/prng";
import { lossyGrid2x3 } from "../helpers/sim-grid";
import { identityFromSeed } from "../../src/crypto/identity";
import { toHex } from "../../src/wire/bytes";
import { LS_BROADCAST, LS_HAS_ACK, LS_HAS_DROP_RATE, LS_HAS_INTERFACE, LS_NO_PATH, LS_UNICAST, type Sid } from "../../src/wire/types";
import {
  FAST_PATH_SKIP, assertSameRun, inside as insideOf, instrument as instrumentNodes, type FastPathCount, type Inside, type LossyGrid,
} from "../helpers/fast-path";
import { MeshNode } from "../../src/mdp/node";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { decodePacket } from "../../src/wire/packet";
import { readPcapFile, udpDatagrams } from "../helpers/pcap";
import { INTEROP, interopKeys } from "../helpers/wire-interop";
import { SidBook } from "../helpers/sid-book";
import { join } from "node:path";

const SKIP = FAST_PATH_SKIP;
const inside = (sn: SimNode): Inside => insideOf(sn.node);
const instrument = (on: SimNode[], off: SimNode[]): FastPathCount => instrumentNodes(on.map((s) => s.node), off.map((s) => s.node));

/** A 2x3 grid, links with 0-8 % loss, one node with a second identity: twice, the same. */
const grid = (): LossyGrid => lossyGrid2x3(4242, 4, 0x42, [0.08, 0, 0.03, 0.05, 0, 0.02, 0.08], 0.04);

test("a lossy 2x3 grid, fast path on and off: the same state after every step, the same bytes sent", () => {
  const a = grid(), b = grid();
  const count = instrument(a.nodes, b.nodes);
  for (let step = 0; step < 60; step++) {
    a.net.runFor(500);
    b.net.runFor(500);
    assertSameRun(a, b);
  }
  console.log(`  30 s: ${count.acks} payloads and ${count.packets} whole packets took the fast paths, ${a.wire.length} packets sent`);
  assert.ok(count.acks > 500, `${count.acks} fast-path payloads`);
});

/** One link record's bytes: length, flags, receiver, version, transmitter, tail (interface, ACK, drop rate, future). */
function rec(flags: number, receiver: number[], version: number, transmitter: number[], tail: number[]): number[] {
  const body = [flags, ...receiver, version, ...transmitter, ...tail];
  return [body.length + 1, ...body];
}
const abbr = (sid: Sid, q: number): number[] => [q, ...sid.subarray(0, q)];
const full = (sid: Sid): number[] => [0x20, ...sid];

test("constructed and mutated payloads: the same state as the generic decoder, malformed ones never take the fast path", () => {
  const pair = (): { net: SimNet; a: SimNode; b: SimNode } => {
    const net = new SimNet({ seed: 99 });
    const a = net.addNode("A");
    const b = net.addNode("B", undefined, [identityFromSeed(new Uint8Array(32).fill(0x17))]);
    net.link("ab", [a, b], 0, 2, 0.5);
    net.start(a);
    net.start(b);
    net.runFor(8000);
    return { net, a, b };
  };
  const x = pair(), y = pair();
  const count = instrument([x.b], [y.b]);
  const me = x.b.identity.sid, second = inside(x.b).cx.identities[1].sid, them = x.a.identity.sid;
  const B = LS_BROADCAST | LS_HAS_INTERFACE;
  const A = LS_HAS_ACK;
  const ack = [0x5a, 0xff, 0xff, 0x7f, 0xfe];
  const valid: number[][] = [];
  for (const q of [1, 2, 3, 4, 5, 8, 31]) valid.push(rec(B | A, [0xff], 1, abbr(me, q), [1, ...ack]));
  valid.push(rec(B | A, [0xff], 1, full(me), [1, ...ack]));
  valid.push(rec(B | A | LS_HAS_DROP_RATE, [0xff], 1, abbr(me, 2), [1, ...ack, 7]));
  valid.push(rec(B | LS_HAS_DROP_RATE, [0xff], 1, abbr(me, 2), [1, 3]));
  valid.push(rec(B, [0xff], 1, abbr(me, 3), [1]));
  valid.push(rec(LS_UNICAST | LS_HAS_INTERFACE | A, [0xff], 1, abbr(me, 2), [1, ...ack]));
  valid.push(rec(B | A | 0x40, [0xff], 9, abbr(me, 2), [1, ...ack, 0xaa, 0xbb])); // future flag and fields
  valid.push(rec(B | A, [0xff], 1, abbr(me, 2), [200, ...ack])); // no such interface
  const odd: number[][] = [
    [...rec(B | A, [0xff], 1, abbr(me, 2), [1, ...ack]), 0], // a terminator after it
    [...rec(B | A, [0xff], 1, abbr(me, 2), [1, ...ack]), ...rec(B | A, [0xff], 1, abbr(me, 2), [1, 0x5b, 0, 0, 0, 1])],
    rec(B | A, full(them), 1, abbr(me, 2), [1, ...ack]), // the receiver in full
    rec(B | A, [0xff], 1, abbr(second, 3), [1, ...ack]), // our second identity
    rec(B | A, [0xff], 1, full(second), [1, ...ack]),
    rec(B | A, [0xff], 1, [0xff], [1, ...ack]), // transmitter SELF: a link of theirs
    rec(B | A, [0xff], 1, [0xfe], [1, ...ack]), // PREVIOUS
    rec(B | A, [0xff], 1, [0, 1], [1, ...ack]),
    rec(B | A, [0xff], 1, [0x21, ...me, 0], [1, ...ack]),
    rec(B | A, [0xff], 1, [0xfc], [1, ...ack]),
    rec(B | A, [0xff], 1, abbr(Uint8Array.of(me[0] ^ 0x80, 1, 2, 3), 3), [1, ...ack]), // nobody we know
    rec(LS_BROADCAST, [0xff], 1, abbr(me, 2), [...ack]), // no interface
    rec(B | LS_NO_PATH, [0xff], 1, [], []),
    rec(B | A, [0xff], 1, abbr(me, 2), [1, 1, 2]), // fields past the record
    rec(B | A | LS_HAS_DROP_RATE, [0xff], 1, abbr(me, 2), [1, ...ack]),
    rec(B | A, [0xff], 1, abbr(me, 2), [1, ...ack]).slice(0, 9), // truncated
    [0], [], [1], [2, B],
  ];
  const nx = inside(x.b).cx.nt.byHex.get(toHex(them))!, ny = inside(y.b).cx.nt.byHex.get(toHex(them))!;
  assert.ok(nx && ny, "B has A as its neighbour");
  let n = 0;
  const feed = (bytes: number[], why: string): boolean => {
    const before = count.acks;
    const d = Uint8Array.from(bytes);
    inside(x.b).linkStateIn.receiveLinkState(x.net.time, nx, them, d);
    inside(y.b).linkStateIn.receiveLinkState(y.net.time, ny, them, Uint8Array.from(bytes));
    const diff = snapshotDifference(stateSnapshot(x.b.node, SKIP), stateSnapshot(y.b.node, SKIP));
    if (diff !== undefined) assert.unreachable(`${why} ${toHex(d)}: the state differs ${diff}`);
    n++;
    return count.acks > before;
  };
  for (const p of valid) assert.ok(feed(p, "valid"), `fast path taken for ${toHex(Uint8Array.from(p))}`);
  for (const p of odd) assert.not.ok(feed(p, "odd"), `generic path for ${toHex(Uint8Array.from(p))}`);
  // A SID sharing our first byte: a 1-byte prefix is ambiguous now, not a 2-byte one.
  for (const s of [x, y]) inside(s.b).cx.subs.add(Uint8Array.from([me[0], me[1] ^ 1, ...new Uint8Array(30)]));
  assert.not.ok(feed(rec(B | A, [0xff], 1, abbr(me, 1), [1, ...ack]), "ambiguous"), "a 1-byte prefix is ambiguous");
  assert.ok(feed(rec(B | A, [0xff], 1, abbr(me, 2), [1, ...ack]), "2 bytes"), "a 2-byte prefix is ours alone");
  // Mutations of the valid ones: flipped, dropped and added bytes.
  const rnd = prng(7);
  const pick = (k: number): number => Math.floor(rnd() * k);
  let fast = 0;
  for (let i = 0; i < 600; i++) {
    const p = valid[pick(valid.length)].slice();
    const how = pick(4);
    if (how === 0) p[pick(p.length)] = pick(256);
    else if (how === 1) p[pick(Math.min(6, p.length))] ^= 1 << pick(8);
    else if (how === 2) p.length = pick(p.length);
    else p.push(pick(256));
    if (feed(p, `mutation ${i}`)) fast++;
  }
  // and both nodes carry on the same
  x.net.runFor(3000);
  y.net.runFor(3000);
  assert.is(snapshotDifference(stateSnapshot(x.b.node, SKIP), stateSnapshot(y.b.node, SKIP)), undefined);
  console.log(`  ${n} payloads, ${count.acks} on the fast path (${fast} of 600 mutations)`);
  assert.ok(fast > 50 && fast < 550, `${fast} mutations on the fast path`);
});

test("Serval DNA's own packets (captures, replayed into A's identity): the same state with the fast path on and off", () => {
  const keys = interopKeys();
  const sidA = keys.find((k) => toHex(k.sid).startsWith("70814EA8"));
  assert.ok(sidA, "A's keys are in the fixtures");
  let hits = 0, packets = 0, total = 0;
  for (const file of ["01_startup_discovery.pcap", "02_msp_hello.pcap", "04_forward_hello.pcap", "08_idle_60s.pcap"]) {
    const all = udpDatagrams(readPcapFile(join(INTEROP, file)), 4110);
    const ts0 = all[0].ts;
    const book = new SidBook(() => undefined);
    for (const k of keys) book.learnSid(k.sid);
    const ifIndex = decodePacket(all.find((d) => d.srcIp === "10.200.0.1")!.payload, book).envelope.interfaceIndex;
    const fromB = all.filter((d) => d.srcIp === "10.200.0.2");
    const make = (fast: boolean): { node: MeshNode; count: FastPathCount } => {
      const rnd = prng(5);
      const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      const node = new MeshNode({ identities: [sidA!], crypto: createNaclCrypto(bytes), random: bytes, now: 0 });
      node.addInterface({ index: ifIndex, name: "vA", broadcastAddress: "10.200.0.255:4110" });
      node.learnSid(keys.find((k) => toHex(k.sid).startsWith("9821453A"))!.sid); // (mid-session captures abbreviate B)
      return { node, count: fast ? instrumentNodes([node], []) : instrumentNodes([], [node]) };
    };
    const x = make(true), y = make(false);
    for (const d of fromB) {
      const now = (d.ts - ts0) * 1000;
      for (const r of [x, y]) {
        for (let t = r.node.pollTimeout(); t !== undefined && t < now; t = r.node.pollTimeout()) {
          r.node.handleTimeout(t);
          while (r.node.pollTransmit()) { /* (what A would send: not replayed) */ }
        }
        r.node.handlePacket(now, ifIndex, `${d.srcIp}:${d.srcPort}`, d.payload);
        while (r.node.pollTransmit()) { /* as above */ }
      }
      const diff = snapshotDifference(stateSnapshot(x.node, SKIP), stateSnapshot(y.node, SKIP));
      if (diff !== undefined) assert.unreachable(`${file} at ${now.toFixed(0)} ms: the state differs ${diff}`);
      total++;
    }
    hits += x.count.acks;
    packets += x.count.packets;
  }
  console.log(`  ${total} packets from Serval DNA, ${hits} link-state payloads and ${packets} whole packets on the fast paths`);
  assert.ok(total > 100, `${total} packets replayed`);
});

test.run();
