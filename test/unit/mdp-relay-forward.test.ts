// A relay's forwarding path (issue 11, relay CPU): what a relay sends on is the
// frame it received, byte for byte, but for the fields that must change per hop
// (next hop, TTL, frame sequence, ACK_SOON; the addresses' encoding follows the
// new packet); and with MeshNodeOptions.serviceOncePerBurst (the daemon) a
// burst of packets is serviced, packed and sent in one pass.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, sameBytes, type SimNode } from "../helpers/simnet";
import { SidBook } from "../helpers/sid-book";
import { decodePacket } from "../../src/wire/packet";
import type { FrameRepr } from "../../src/wire/types";
import { PORT_LINKSTATE } from "../../src/wire/types";
import { decodeMdpMessage } from "../../src/wire/mdp-ports";

const PORT = 512;

/** A line of nodes, links of 1 ms and no jitter: the SimNet's per-packet
 * jitter reorders the packets of a burst, which a real link does not (and the
 * receiver then takes its neighbour for restarted: linkResets). */
function fifoLine(net: SimNet, names: string[]): SimNode[] {
  const nodes = names.map((n) => net.addNode(n));
  for (let i = 0; i + 1 < nodes.length; i++) net.link(`${names[i]}${names[i + 1]}`, [nodes[i], nodes[i + 1]], 0, 1, 0);
  return nodes;
}

/** a - r - b, routes up, b and a bound to PORT. */
function line(seed: number, serviceOncePerBurst: boolean): { net: SimNet; a: SimNode; r: SimNode; b: SimNode } {
  const net = new SimNet({ seed, nodeOptions: { serviceOncePerBurst } });
  const [a, r, b] = fifoLine(net, ["a", "r", "b"]);
  for (const n of [a, r, b]) net.start(n);
  const t = net.runUntilTrue(() => net.hops(a, b) === 2 && net.hops(b, a) === 2, 10_000);
  assert.ok(t !== undefined, "no 2-hop route a <-> b within 10 s");
  a.node.bind(undefined, PORT);
  b.node.bind(undefined, PORT);
  b.inbox.length = 0;
  return { net, a, r, b };
}

/** The data frames of an overlay packet (link-state frames are far shorter), decoded with a book that knows every SID. */
function dataFrames(bytes: Uint8Array, book: SidBook): FrameRepr[] {
  const pkt = decodePacket(bytes, book);
  assert.is(pkt.error, undefined);
  return pkt.frames.filter((f) => f.payload.length > 100);
}

for (const once of [false, true]) {
  test(`a relay sends on each frame's payload and header fields unchanged, but for next hop, TTL and sequence (serviceOncePerBurst ${once})`, () => {
    const { net, a, r, b } = line(11, once);
    // b fetches a's signing key with the first signed datagram (keymap): before that it drops them
    net.send(a, { srcPort: PORT, dstSid: b.identity.sid, dstPort: PORT, payload: Uint8Array.of(0), noCrypt: true });
    net.runFor(1_000);
    b.inbox.length = 0;
    const fwd0 = r.node.stats.framesForwarded;
    const book = new SidBook();
    for (const n of [a, r, b]) book.learnSid(n.identity.sid);
    const fromA: FrameRepr[] = [];
    const fromR: FrameRepr[] = [];
    net.tap = (from, to, bytes) => {
      if (from === a && to === "r@ar") fromA.push(...dataFrames(bytes, book).map(copyFrame));
      if (from === r && to === "b@rb") fromR.push(...dataFrames(bytes, book).map(copyFrame));
    };
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const p = new Uint8Array(900 + i);
      p.fill(i + 1);
      payloads.push(p);
      // signed (not ciphered): the payload on the wire is the plaintext and its signature
      assert.ok(net.send(a, { srcPort: PORT, dstSid: b.identity.sid, dstPort: PORT, payload: p, noCrypt: true }).ok);
      if (i % 8 === 7) net.runFor(2);
    }
    net.runFor(2_000);
    const got = b.inbox.filter((d) => d.remotePort === PORT);
    assert.is(got.length, 40, "all 40 datagrams delivered");
    assert.is(r.node.stats.framesForwarded - fwd0, 40);
    assert.is(r.node.stats.linkResets, 0);
    // Every frame a sent (the first copy of each) went on from r, in order.
    const firstA = unique(fromA), firstR = unique(fromR);
    assert.is(firstA.length, 40);
    assert.is(firstR.length, 40);
    for (let i = 0; i < 40; i++) {
      const x = firstA[i], y = firstR[i];
      assert.ok(sameBytes(x.payload, y.payload), `frame ${i}: payload bytes differ`);
      assert.ok(sameBytes(x.source, a.identity.sid) && sameBytes(y.source, a.identity.sid), `frame ${i}: source`);
      assert.ok(sameBytes(x.destination, b.identity.sid) && sameBytes(y.destination, b.identity.sid), `frame ${i}: destination`);
      // a names r as next hop; r's next hop is b itself, the final destination: ONE_HOP
      assert.ok(!x.oneHop && sameBytes(x.nextHop, r.identity.sid), `frame ${i}: a's next hop is r`);
      assert.ok(y.oneHop && y.nextHop === undefined, `frame ${i}: r sends it one hop to b`);
      // (a ONE_HOP frame carries no TTL/QoS byte: it reads as TTL 1, queue 0)
      assert.is(y.ttl, 1, `frame ${i}: ONE_HOP reads as TTL 1`);
      assert.is(x.type, y.type);
      assert.is(x.ciphered, y.ciphered);
      assert.is(x.signed, y.signed);
      assert.ok(x.signed && !x.ciphered);
      assert.ok(x.ackSoon && y.ackSoon, "per-hop reliable on both hops (ACK_SOON)");
      assert.ok(y.seq >= 0 && y.seq <= 255);
    }
    // The payload ends in the datagram a sent (ports, then data, then a's signature)
    assert.equal([...got[5].payload], [...payloads[5]]);
  });
}

test("a 3-hop relay decrements TTL and keeps the frame otherwise (a - r - s - b)", () => {
  const net = new SimNet({ seed: 12, nodeOptions: { serviceOncePerBurst: true } });
  const [a, r, s, b] = fifoLine(net, ["a", "r", "s", "b"]);
  for (const n of [a, r, s, b]) net.start(n);
  assert.ok(net.runUntilTrue(() => net.hops(a, b) === 3, 15_000) !== undefined, "no 3-hop route");
  b.node.bind(undefined, PORT);
  b.inbox.length = 0;
  const book = new SidBook();
  for (const n of [a, r, s, b]) book.learnSid(n.identity.sid);
  let fromA: FrameRepr | undefined, fromR: FrameRepr | undefined;
  net.tap = (from, to, bytes) => {
    const f = dataFrames(bytes, book)[0];
    if (!f) return;
    if (from === a && to === "r@ar") fromA ??= copyFrame(f);
    if (from === r && to === "s@rs") fromR ??= copyFrame(f);
  };
  const p = new Uint8Array(700).fill(7);
  assert.ok(net.send(a, { srcPort: PORT, dstSid: b.identity.sid, dstPort: PORT, payload: p, noCrypt: true, noSign: true, ttl: 9 }).ok);
  net.runFor(1_000);
  assert.is(b.inbox.filter((d) => d.remotePort === PORT).length, 1);
  assert.ok(fromA && fromR);
  assert.is(fromA!.ttl, 9);
  assert.is(fromR!.ttl, 8, "TTL one less");
  assert.ok(sameBytes(fromA!.nextHop, r.identity.sid));
  assert.ok(sameBytes(fromR!.nextHop, s.identity.sid), "next hop: s");
  assert.ok(sameBytes(fromA!.payload, fromR!.payload));
  assert.is(fromR!.queue, fromA!.queue);
  assert.is(fromR!.type, fromA!.type);
  assert.is(fromR!.signed, false);
  assert.is(fromR!.ciphered, false);
  const m = decodeMdpMessage(fromR!.payload); // plain: ports and data as a sent them
  assert.is(m.dstPort, PORT);
  assert.ok(m.dstPort !== PORT_LINKSTATE);
  assert.equal([...m.data], [...p]);
});

/** `count` data packets a sends to b through r, held back from r (to hand them to r by hand). */
function heldFromA(net: SimNet, a: SimNode, r: SimNode, b: SimNode, count: number): Uint8Array[] {
  const held: Uint8Array[] = [];
  net.dropAt(r, { from: a, kind: "unicast" });
  net.tap = (from, to, bytes) => { if (from === a && to === "r@ar") held.push(bytes); };
  for (let i = 0; i < count; i++) {
    assert.ok(net.send(a, { srcPort: PORT, dstSid: b.identity.sid, dstPort: PORT, payload: new Uint8Array(800).fill(i), noCrypt: true, noSign: true }).ok);
  }
  net.runFor(1); // (with serviceOncePerBurst a services its sends once per burst too)
  const data = held.filter((p) => p.length > 800);
  assert.is(data.length, count, `a sent ${count} data packets to r`);
  return data;
}

test("serviceOncePerBurst: a burst of packets into a relay is serviced once, and every frame of it goes on in that pass", () => {
  const { net, a, r, b } = line(13, true);
  const bursts = heldFromA(net, a, r, b, 8);
  const rn = r.node;
  const passes = rn.stats.servicePasses, fwd = rn.stats.framesForwarded, out = rn.stats.packetsOut;
  const now = net.time;
  for (const p of bursts) rn.handlePacket(now, 1, "a@ar", p);
  assert.is(rn.stats.servicePasses, passes, "no service pass inside handlePacket");
  assert.is(rn.stats.framesForwarded, fwd + 8, "all 8 frames taken in");
  assert.is(rn.pollTransmit(), undefined, "nothing sent before the pass");
  assert.is(rn.pollTimeout(), now, "the node asks to be serviced at once");
  rn.handleTimeout(now);
  assert.is(rn.stats.servicePasses, passes + 1, "one pass for the burst");
  let data = 0;
  for (let t = rn.pollTransmit(); t; t = rn.pollTransmit()) if (t.to === "b@rb" && t.bytes.length > 800) data++;
  assert.is(data, 8, "the 8 frames went on to b in that pass");
  assert.ok(rn.stats.packetsOut >= out + 8);
});

test("without serviceOncePerBurst every packet is serviced as it comes (MeshNode's default)", () => {
  const { net, a, r, b } = line(14, false);
  const bursts = heldFromA(net, a, r, b, 4);
  const rn = r.node;
  const passes = rn.stats.servicePasses;
  for (const p of bursts) rn.handlePacket(net.time, 1, "a@ar", p);
  assert.is(rn.stats.servicePasses, passes + 4);
});

/** Frames kept past the tap callback (decoded views point into the packet). */
function copyFrame(f: FrameRepr): FrameRepr {
  return { ...f, source: f.source?.slice(), destination: f.destination?.slice(), nextHop: f.nextHop?.slice(), payload: f.payload.slice() };
}

/** The first copy of each frame (retransmissions repeat the payload). */
function unique(frames: FrameRepr[]): FrameRepr[] {
  const out: FrameRepr[] = [];
  for (const f of frames) if (!out.some((g) => sameBytes(g.payload, f.payload))) out.push(f);
  return out;
}

test.run();
