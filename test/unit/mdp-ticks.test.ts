// A node's interfaces tick together (adverts.ts service): an interface that
// comes up later ticks at once and from then on with the others, so a node
// with an interface per link wakes once per tick, not once per interface.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MeshNode } from "../../src/mdp/node";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { identityFromSeed } from "../../src/crypto/identity";
import { prng } from "../helpers/prng";

/** Drive `node` by its own deadlines until `until`, collecting [time, interface] of every packet sent. */
function runUntil(node: MeshNode, from: number, until: number, sent: [number, number][]): number {
  let now = from;
  for (let spins = 0; spins < 10000; spins++) {
    const t = node.pollTimeout();
    if (t === undefined || t > until) return until;
    now = Math.max(now, t);
    node.handleTimeout(now);
    for (let p = node.pollTransmit(); p; p = node.pollTransmit()) sent.push([now, p.ifIndex]);
  }
  throw new Error("node kept waking at the same time");
}

test("an interface that comes up later ticks with the ones already there", () => {
  const rnd = prng(5);
  const random = (n: number): Uint8Array => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256); return b; };
  const crypto = createNaclCrypto(random);
  const node = new MeshNode({ identities: [identityFromSeed(random(32))], crypto, now: 0, random });
  node.addInterface({ index: 1, name: "v1", broadcastAddress: "b1:4110" });
  const sent: [number, number][] = [];
  let now = runUntil(node, 0, 2_337, sent);
  // (the driver hands the core the time of the input that brings the interface)
  node.handleTimeout(now);
  node.addInterface({ index: 2, name: "v2", broadcastAddress: "b2:4110" });
  now = runUntil(node, now, 12_000, sent);
  const on = (i: number): number[] => sent.filter(([, f]) => f === i).map(([t]) => t);
  const first2 = on(2)[0];
  assert.ok(first2 !== undefined && first2 < 2_337 + 1_000, `interface 2 ticked at ${first2}`);
  const after1 = on(1).filter((t) => t >= first2);
  // Idle ticks (no neighbours): an envelope on each interface, both at the same times.
  assert.ok(after1.length >= 8, `ticks on interface 1 after interface 2 came: ${after1.length}`);
  assert.equal(on(2), after1, "the two interfaces tick at the same times");
  assert.equal(new Set(sent.map(([t]) => t)).size, on(1).length, "one wakeup per tick, whatever the interfaces");
});

test.run();
