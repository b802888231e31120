// Idle cost: control traffic of a settled mesh (ticks, ACK records, adverts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet } from "../helpers/simnet";

test("idle 3-node line: control bytes per second per neighbour stay small", () => {
  const net = new SimNet({ seed: 31 });
  const nodes = net.line(["A", "B", "C"]);
  for (const n of nodes) net.start(n);
  net.runFor(10_000);
  const before = nodes.map((n) => ({ b: n.node.stats.bytesOut, p: n.node.stats.packetsOut }));
  net.runFor(60_000);
  const rate = nodes.map((n, i) => ({
    bytes: (n.node.stats.bytesOut - before[i].b) / 60,
    packets: (n.node.stats.packetsOut - before[i].p) / 60,
  }));
  const perNeighbour = rate[1].bytes / 2; // B has two neighbours
  console.log(`  idle: A ${rate[0].bytes.toFixed(0)} B/s (${rate[0].packets.toFixed(1)} pkt/s, 1 neighbour), B ${rate[1].bytes.toFixed(0)} B/s (${rate[1].packets.toFixed(1)} pkt/s, 2 neighbours) = ${perNeighbour.toFixed(0)} B/s per neighbour`);
  assert.ok(rate[0].bytes < 400, `A sends ${rate[0].bytes} B/s`);
  assert.ok(perNeighbour < 400, `B sends ${perNeighbour} B/s per neighbour`);
  for (const n of nodes) assert.is(n.node.queuedFrames, 0);
});

test.run();
