// Reconvergence after a relay dies (issue 12: <= 2.5 s). Routes avoid a
// direct neighbour that fell silent (~1.5 s) long before its links expire
// (~4 s); a node left with no other way than through the silent neighbour
// keeps routing through it, but must say so in its adverts: otherwise a
// neighbour that routes through it, and that has a way of its own, keeps its
// route until the dead relay's links expire, and replies stall ~2.5 s longer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, type SimNode } from "../helpers/simnet";
import { PORT_ECHO } from "../../src/wire/types";
import { buildGrid, converged, pathOf, runUntilPolled } from "../helpers/sim-grid";

/** A 100 ms `mdp ping` stream from a to z while `ms` of simulated time pass; reply arrival times go to `arrivals`. */
function pingFor(net: SimNet, a: SimNode, z: SimNode, ms: number, arrivals: number[]): void {
  const end = net.time + ms;
  let seq = arrivals.length;
  while (net.time < end) {
    net.send(a, { srcPort: 500, dstSid: z.identity.sid, dstPort: PORT_ECHO, payload: Uint8Array.of(seq++ & 0xff, 0, 0, 0) });
    for (let k = 0; k < 10; k++) {
      net.runFor(10);
      for (; a.inbox.length > 0; a.inbox.shift()) arrivals.push(net.time);
    }
  }
}

/** Kill `relay` under the ping stream; the time from the kill to the first reply after the gap (Infinity: none within 10 s). */
function reconvergeAfterKill(net: SimNet, a: SimNode, z: SimNode, relay: SimNode): number {
  const arrivals: number[] = [];
  a.node.bind(undefined, 500);
  pingFor(net, a, z, 1000, arrivals);
  assert.ok(arrivals.length >= 8, `pings answered before the kill: ${arrivals.length}`);
  const killedAt = net.time;
  net.stop(relay);
  for (let t = 0; t < 10_000; t += 100) {
    pingFor(net, a, z, 100, arrivals);
    const after = arrivals.filter((x) => x > killedAt);
    // replies in flight at the kill come within a few ms; then the gap
    const resumed = after.find((x, i) => (i === 0 ? x - killedAt : x - after[i - 1]) > 300);
    if (resumed !== undefined) return resumed - killedAt;
  }
  return Infinity;
}

test("ring of 7: the reply path's last-resort node says its relay fell silent, so the reply path reroutes in <= 2.5 s", () => {
  // a - R - S - z - x3 - x2 - x1 - a: a reaches z via R (3 hops) and z reaches
  // a via S and R (3 hops; the other way round is 4). When R dies, a routes
  // around it by itself; S has no other way to a (z routes a through S), so
  // S keeps R as a last resort, and z must learn from S's adverts to take x3.
  const net = new SimNet({ seed: 31 });
  const names = ["a", "R", "S", "z", "x3", "x2", "x1"];
  const ring = names.map((n) => net.addNode(n));
  for (let i = 0; i < ring.length; i++) net.link(`l${i}`, [ring[i], ring[(i + 1) % ring.length]], 0, 1, 0.2);
  for (const n of ring) { net.start(n); net.runFor(20); }
  const [a, R, S, z] = ring;
  assert.ok(net.runUntilTrue(() => ring.every((n) => n.node.peers().length === ring.length - 1), 20_000) !== undefined, "converged");
  net.runFor(5000);
  assert.is(net.hops(a, z), 3);
  assert.is(net.hops(z, a), 3);
  const reconv = reconvergeAfterKill(net, a, z, R);
  console.log(`  ring of 7, ${R.name} killed: pings answered again after ${Math.round(reconv)} ms (${S.name}: last resort)`);
  assert.ok(reconv <= 2500, `reconverged after ${reconv} ms`);
});

test("2x5 grid (the namespace benchmark's 10 nodes), relay in the middle of the corner route killed: replies again in <= 2.5 s", () => {
  // As bench/mesh-scale.ts: a = n0_0 pings z = n1_4; the relay in the middle
  // of a's route to z dies. Seed 3 is one where z's replies go n1_4 -> n0_4
  // -> n0_3 (the relay) and n0_4 is left with no other way: the 3.9 s
  // reconvergence seen in 1 of 4 benchmark runs (4.0 s without the fix; 11 of
  // the first 150 seeds did this when n0_3 dies; seed 54 did until advert
  // repeats were batched, which moved every later packet; now seeds 3, 27, 32,
  // 38, 47, 69 do, each answered again after 1440 ms).
  const g = buildGrid(2, 5, 3, 20);
  assert.ok(runUntilPolled(g, () => converged(g), 60_000) !== undefined, "converged");
  g.net.runFor(5498);
  const a = g.at(0, 0), z = g.at(1, 4);
  const path = pathOf(g, a, z)!;
  const relay = path[Math.floor(path.length / 2)];
  const back = pathOf(g, z, a)!;
  assert.equal(back.slice(0, 3).map((n) => n.name), ["n1_4", "n0_4", "n0_3"], "z's replies go through n0_4 and the relay");
  assert.is(relay.name, "n0_3");
  const reconv = reconvergeAfterKill(g.net, a, z, relay);
  console.log(`  2x5 grid, ${relay.name} killed: pings answered again after ${Math.round(reconv)} ms`);
  assert.ok(reconv <= 2500, `reconverged after ${reconv} ms`);
});

test.run();
