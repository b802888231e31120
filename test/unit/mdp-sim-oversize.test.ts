// Frames whose payload is just below servald's 1200-byte limit must be sent and
// forwarded over many hops: a relayed frame carries source, destination and next
// hop (3 full SIDs), which with the envelope no longer fits the 1200-byte MTU,
// so such a frame goes alone in a packet of up to PACKET_HARD_MAX bytes. With
// SIDs abbreviated (neighbours that know them) the same frames fit the MTU.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet } from "../helpers/simnet";
import { MDP_MAX_DATA, PACKET_HARD_MAX, DEFAULT_MTU } from "../../src/mdp/constants";

const NAMES = ["A", "B", "C", "D", "E", "F"];

function run(loss: number, seed: number, encrypted: boolean, abbreviateSids = false) {
  // Full SIDs by default: what a relay sends to a neighbour that does not know them yet.
  const net = new SimNet({ seed, nodeOptions: { abbreviateSids } });
  const nodes = net.line(NAMES, loss, 5);
  const a = nodes[0], f = nodes[5];
  for (const n of nodes) { net.start(n); net.runFor(200); }
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, f) && net.hasRoute(f, a), 20000) !== undefined, "no route");
  let maxPacket = 0, over = 0;
  net.tap = (_from, _to, bytes) => {
    maxPacket = Math.max(maxPacket, bytes.length);
    if (bytes.length > DEFAULT_MTU) over++;
  };
  f.node.bind(undefined, 77);
  const N = 100;
  for (let i = 0; i < N; i++) {
    const payload = new Uint8Array(MDP_MAX_DATA).fill(i);
    payload[0] = i;
    const r = net.send(a, { srcPort: 600, dstSid: f.identity.sid, dstPort: 77, payload, ...(encrypted ? {} : { noCrypt: true, noSign: true }) });
    assert.ok(r.ok, JSON.stringify(r));
    net.runFor(20);
  }
  net.runFor(10000);
  const got = new Set<number>();
  for (const d of f.inbox) {
    assert.is(d.payload.length, MDP_MAX_DATA);
    got.add(d.payload[0]);
  }
  const framesDropped = nodes.reduce((s, n) => s + n.node.stats.framesDropped, 0);
  const oversize = nodes.reduce((s, n) => s + n.node.stats.oversizePackets, 0);
  return { delivered: got.size, N, maxPacket, over, framesDropped, oversize };
}

test(`${MDP_MAX_DATA}-byte authcrypted datagrams cross a 5-hop line; relayed packets exceed the MTU but stay <= ${PACKET_HARD_MAX}`, () => {
  const r = run(0, 3, true);
  console.log(`  lossless: delivered ${r.delivered}/${r.N}, largest packet ${r.maxPacket} B, ${r.over} packets > ${DEFAULT_MTU}, oversizePackets=${r.oversize}, framesDropped=${r.framesDropped}`);
  assert.is(r.delivered, r.N);
  assert.is(r.framesDropped, 0);
  assert.ok(r.maxPacket > DEFAULT_MTU, `largest ${r.maxPacket}`);
  assert.ok(r.maxPacket <= PACKET_HARD_MAX, `largest ${r.maxPacket}`);
  assert.ok(r.oversize >= r.N * 4, `oversize ${r.oversize}`); // at least every relay hop
});

test(`${MDP_MAX_DATA}-byte datagrams over 5 hops, SIDs abbreviated: all delivered, every packet within the MTU`, () => {
  const r = run(0, 3, true, true);
  console.log(`  abbreviated SIDs: delivered ${r.delivered}/${r.N}, largest packet ${r.maxPacket} B, ${r.over} packets > ${DEFAULT_MTU}, oversizePackets=${r.oversize}`);
  assert.is(r.delivered, r.N);
  assert.is(r.framesDropped, 0);
  assert.is(r.over, 0);
});

test(`${MDP_MAX_DATA}-byte datagrams over 5 hops at 10% loss per link: all delivered`, () => {
  const r = run(0.1, 4, true);
  console.log(`  10% loss: delivered ${r.delivered}/${r.N}, largest packet ${r.maxPacket} B, framesDropped=${r.framesDropped}`);
  assert.is(r.delivered, r.N);
  assert.ok(r.maxPacket <= PACKET_HARD_MAX);
});

test.run();
