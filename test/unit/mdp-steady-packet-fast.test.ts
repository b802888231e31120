// The whole-packet receive fast path of a steady neighbour's tick (ingress.ts
// receiveSteady: the envelope and its one link-state frame read straight from
// the packet's bytes) leaves the same state as the generic path (decodePacket,
// receivePacket, receiveFrame, frameIsNew, deliverFrame, Ports.deliver,
// receiveLinkState) it stands for. Two copies of the same nodes, one with the
// fast paths off, are given the same packets: after every step or packet the
// whole state of every node (stateSnapshot) and every byte sent are the same.
// Packets of any other shape, and packets from a transmitter whose address no
// longer resolves as it did, take the generic path.
// (mdp-link-state-fast.test.ts runs both fast paths together, with Serval DNA's packets too.)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, type SimNode } from "../helpers/simnet";
import { snapshotDifference, stateSnapshot } from "../helpers/state-snapshot";
import { FAST_PATH_SKIP, assertSameRun, inside, instrument, setFastPaths, type LossyGrid } from "../helpers/fast-path";
import { lossyGrid2x3 } from "../helpers/sim-grid";
import { prng } from "../helpers/prng";
import { identityFromSeed } from "../../src/crypto/identity";
import { toHex } from "../../src/wire/bytes";
import { ENCAP_SINGLE, FRAME_ACK_SOON, FRAME_CIPHERED, FRAME_LEGACY_TYPE, FRAME_SIGNED } from "../../src/wire/types";
import { PACKET_INTERFACE, PACKET_SEQ, PACKET_UNICAST } from "../../src/wire/envelope";

function sameState(a: SimNode, b: SimNode, why: string): void {
  const d = snapshotDifference(stateSnapshot(a.node, FAST_PATH_SKIP), stateSnapshot(b.node, FAST_PATH_SKIP));
  if (d !== undefined) assert.unreachable(`${why}: the state differs ${d}`);
}

/** A 2x3 grid, links with 0-8 % loss, a shared link of three, a node with two identities. */
const grid = (): LossyGrid => lossyGrid2x3(777, 2, 9, [0.06, 0, 0.03, 0.08, 0.01, 0.02, 0], 0.05);

test("a lossy 2x3 grid, the packet fast path on (its payload fast path off) and both off: the same state after every step", () => {
  const a = grid(), b = grid();
  const count = instrument(a.nodes.map((s) => s.node), b.nodes.map((s) => s.node));
  // (the payload fast path off: every tick's payload goes to the generic link-state decoder from receiveSteady)
  for (const s of a.nodes) setFastPaths(s.node, true, false);
  for (let step = 0; step < 50; step++) {
    a.net.runFor(500);
    b.net.runFor(500);
    assertSameRun(a, b);
  }
  console.log(`  25 s: ${count.packets} packets took the packet fast path, ${count.acks} payloads the payload one, ${a.wire.length} sent`);
  assert.ok(count.packets > 800, `${count.packets} fast-path packets`);
  assert.is(count.acks, 0);
});

interface Pair { net: SimNet; a: SimNode; b: SimNode; c: SimNode; tick: Uint8Array; from: string; ifIndex: number }

/** A - B and C - B, steady; `tick`: A's last steady packet to B (envelope, one link-state frame). */
function pair(): Pair {
  const net = new SimNet({ seed: 31 });
  const a = net.addNode("A"), b = net.addNode("B"), c = net.addNode("C");
  net.link("ab", [a, b], 0, 2, 0.5);
  net.link("cb", [c, b], 0, 2, 0.5);
  for (const n of [a, b, c]) net.start(n);
  let tick: Uint8Array | undefined;
  net.tap = (from, to, bytes) => {
    // (broadcast, a link sequence, a one-hop SENDER_SAME broadcast frame filling the packet, ports 2 -> 2)
    if (from !== a || to !== "bcast@ab" || bytes[2] > 31) return;
    const at = 3 + bytes[2];
    const len = bytes[at + 5] * 256 + bytes[at + 6];
    if (bytes[at] === (PACKET_INTERFACE | PACKET_SEQ) && bytes[at + 3] === 0x07 && at + 7 + len === bytes.length && bytes[at + 7] === 0x05) tick = bytes.slice();
  };
  net.runFor(12_000);
  net.tap = undefined;
  assert.ok(tick, "A sent a steady tick");
  return { net, a, b, c, tick: tick!, from: "A@ab", ifIndex: 1 };
}

/** The parts of a tick: envelope up to its flags, its flags, interface, link sequence, frame flags, frame seq, payload. */
interface Tick { head: number[]; flags: number; iface: number; seq: number; fflags: number; fseq: number; payload: number[] }

function parse(t: Uint8Array): Tick {
  const q = t[2];
  const at = 3 + q;
  const flags = t[at];
  assert.ok(flags & PACKET_INTERFACE && flags & PACKET_SEQ, "a tick names its interface and sequence");
  return {
    head: Array.from(t.subarray(0, at)), flags, iface: t[at + 1], seq: t[at + 2], fflags: t[at + 3], fseq: t[at + 4],
    payload: Array.from(t.subarray(at + 7)),
  };
}

function build(k: Tick, extra: number[] = []): number[] {
  const env = [...k.head, k.flags];
  if (k.flags & PACKET_INTERFACE) env.push(k.iface);
  if (k.flags & PACKET_SEQ) env.push(k.seq);
  const body = [...k.payload, ...extra];
  return [...env, k.fflags, k.fseq, body.length >> 8, body.length & 0xff, ...body];
}

test("constructed and mutated packets: the same state as the generic path; other shapes never take the fast path", () => {
  const x = pair(), y = pair();
  assert.is(toHex(x.tick), toHex(y.tick));
  const count = instrument([x.b.node], [y.b.node]);
  const base = parse(x.tick);
  let fed = 0, seqNo = base.seq, fseqNo = base.fseq;
  /** A's next link and frame sequence, so each packet is new to B. */
  const next = (k: Tick): Tick => ({ ...k, seq: (seqNo = (seqNo + 1) & 0xff), fseq: (fseqNo = (fseqNo + 1) & 0xff) });
  const feed = (bytes: number[], why: string, from = x.from): boolean => {
    const before = count.packets;
    x.b.node.handlePacket(x.net.time, x.ifIndex, from, Uint8Array.from(bytes));
    y.b.node.handlePacket(y.net.time, y.ifIndex, from, Uint8Array.from(bytes));
    while (x.b.node.pollTransmit()) { /* (not delivered: B's answers are compared as state) */ }
    while (y.b.node.pollTransmit()) { /* as above */ }
    sameState(x.b, y.b, `${why} ${toHex(Uint8Array.from(bytes))}`);
    fed++;
    return count.packets > before;
  };
  const q = base.head[2];
  const aSid = Array.from(x.a.identity.sid);
  // The steady shape, and the variants of it the fast path takes (once the
  // generic path has seen the transmitter written that way, and the neighbour
  // table holds still: C's first packet on A's link adds out-links).
  const valid: [string, (k: Tick) => number[]][] = [
    ["as sent", (k) => build(k)],
    ["unicast", (k) => build({ ...k, flags: k.flags | PACKET_UNICAST })],
    ["no interface", (k) => build({ ...k, flags: k.flags & ~PACKET_INTERFACE })],
    ["other envelope flag bits", (k) => build({ ...k, flags: k.flags | 0x30 })],
    ["transmitter in full", (k) => build({ ...k, head: [1, 1, 0x20, ...aSid] })],
    ["a longer abbreviation", (k) => build({ ...k, head: [1, 1, 7, ...aSid.slice(0, 7)] })],
    ["a payload that is no ACK record", (k) => build({ ...k, payload: [0x05, 0] })],
    ["an empty link-state payload", (k) => build({ ...k, payload: [0x05] })],
    ["two frames", (k) => [...build(k), k.fflags, (k.fseq + 1) & 0xff, 0, 2, 0x05, 0]],
    ["three frames, the same one twice", (k) => [...build(k), k.fflags, (k.fseq + 1) & 0xff, 0, 2, 0x05, 0, k.fflags, (k.fseq + 1) & 0xff, 0, 2, 0x05, 0]],
    ["two ACK records in two frames", (k) => [...build(k), k.fflags, (k.fseq + 1) & 0xff, 0, k.payload.length, ...k.payload]],
    ["another transmitter's prefix", (k) => build({ ...k, head: [1, 1, q, ...Array.from(x.c.identity.sid.subarray(0, q))] })],
  ];
  for (const [why, make] of valid) {
    feed(make(next(base)), `${why} (first)`);
    feed(make(next(base)), `${why} (second)`);
    assert.ok(feed(make(next(base)), why), `fast path for: ${why}`);
  }
  // A repeated packet and a repeated frame: dropped the same way. (A's address
  // as it writes it again first: the memo held A in full and the longer abbreviation since)
  assert.not.ok(feed(build(next(base)), "A's own abbreviation again"));
  const k0 = next(base);
  assert.ok(feed(build(k0), "new"));
  assert.ok(feed(build(k0), "the same packet again"));
  assert.ok(feed(build({ ...k0, seq: (seqNo = (seqNo + 1) & 0xff) }), "the same frame in a new packet"));
  const other: [string, (k: Tick) => number[]][] = [
    ["version 0", (k) => { const b = build(k); b[0] = 0; return b; }],
    ["version 2", (k) => { const b = build(k); b[0] = 2; return b; }],
    ["single encapsulation", (k) => { const b = build(k); b[1] = ENCAP_SINGLE; return b; }],
    ["no link sequence", (k) => build({ ...k, flags: k.flags & ~PACKET_SEQ })],
    ["ACK_SOON", (k) => build({ ...k, fflags: k.fflags | FRAME_ACK_SOON })],
    ["signed", (k) => build({ ...k, fflags: k.fflags | FRAME_SIGNED })],
    ["ciphered", (k) => build({ ...k, fflags: k.fflags | FRAME_CIPHERED })],
    ["legacy type", (k) => build({ ...k, fflags: k.fflags | FRAME_LEGACY_TYPE })],
    ["not SENDER_SAME", (k) => build({ ...k, fflags: k.fflags & ~1 })],
    ["a second frame with ACK_SOON", (k) => [...build(k), k.fflags | FRAME_ACK_SOON, (k.fseq + 1) & 0xff, 0, 2, 0x05, 0]],
    ["a second frame to port 3", (k) => [...build(k), k.fflags, (k.fseq + 1) & 0xff, 0, 2, 0x07, 0]],
    ["an empty second frame", (k) => [...build(k), k.fflags, (k.fseq + 1) & 0xff, 0, 0]],
    ["an empty first frame", (k) => [...build({ ...k, payload: [] }), k.fflags, (k.fseq + 1) & 0xff, 0, 2, 0x05, 0]],
    ["a second frame longer than the packet", (k) => [...build(k), k.fflags, (k.fseq + 1) & 0xff, 0, 3, 0x05, 0]],
    ["a second frame cut short", (k) => [...build(k), k.fflags, (k.fseq + 1) & 0xff, 0]],
    ["a frame longer than the packet", (k) => build(k).slice(0, -1)],
    ["ports 2 -> 2 not packed as one", (k) => build({ ...k, payload: [0x04, 0x02, ...k.payload.slice(1)] })],
    ["port 3", (k) => build({ ...k, payload: [0x07, ...k.payload.slice(1)] })],
    ["transmitter SELF", (k) => build({ ...k, head: [1, 1, 0xff] })],
    ["transmitter by signing key", (k) => build({ ...k, head: [1, 1, 0xfb, ...aSid] })],
    ["a prefix nobody has", (k) => build({ ...k, head: [1, 1, q, aSid[0] ^ 0x55, ...aSid.slice(1, q)] })],
    ["truncated", (k) => build(k).slice(0, 5 + q)],
    ["envelope only", (k) => build(k).slice(0, 3 + q + 3)],
  ];
  for (const [why, make] of other) assert.not.ok(feed(make(next(base)), why), `generic path for: ${why}`);
  // The address book or the neighbour table changed: the generic path, once.
  assert.ok(feed(build(next(base)), "steady"));
  for (const s of [x, y]) s.b.node.learnSid(identityFromSeed(new Uint8Array(32).fill(0x61)).sid);
  assert.not.ok(feed(build(next(base)), "a new SID"), "generic after the address book changed");
  assert.ok(feed(build(next(base)), "steady again"));
  // (a packet from a new transmitter makes it a neighbour: the table's version moves)
  feed([1, 1, 0x20, ...Array.from(identityFromSeed(new Uint8Array(32).fill(0x62)).sid), PACKET_INTERFACE | PACKET_SEQ, 1, 9], "a new neighbour", "Z@ab");
  assert.not.ok(feed(build(next(base)), "after a new neighbour"), "generic after the neighbour table changed");
  assert.ok(feed(build(next(base)), "steady once more"));
  // Mutations of the steady packet: flipped, dropped and added bytes.
  const rnd = prng(11);
  const pick = (n: number): number => Math.floor(rnd() * n);
  let fast = 0;
  for (let i = 0; i < 800; i++) {
    const p = build(next(base));
    const how = pick(4);
    if (how === 0) p[pick(p.length)] = pick(256);
    else if (how === 1) p[pick(p.length)] ^= 1 << pick(8);
    else if (how === 2) p.length = pick(p.length);
    else p.push(pick(256));
    if (feed(p, `mutation ${i}`)) fast++;
  }
  // and the nodes carry on the same
  x.net.runFor(5000);
  y.net.runFor(5000);
  sameState(x.b, y.b, "5 s later");
  const nx = inside(x.b.node).cx.stats, ny = inside(y.b.node).cx.stats;
  console.log(`  ${fed} packets, ${count.packets} on the fast path (${fast} of 800 mutations); ` +
    `${nx.duplicatePackets} repeated packets, ${nx.duplicateFrames} repeated frames, ${nx.peerRestarts} restarts`);
  assert.ok(fast > 150 && fast < 700, `${fast} mutations on the fast path`);
  assert.is(nx.duplicatePackets, ny.duplicatePackets);
  assert.ok(nx.duplicatePackets > 0 && nx.duplicateFrames > 0, "repeats were dropped on the fast path too");
});

test.run();
