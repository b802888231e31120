// Idle cost: control traffic of a settled mesh (ticks, ACK records, adverts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet } from "../helpers/simnet";
import { buildGrid, converged, runUntilPolled } from "../helpers/sim-grid";
import { REACHABLE_UNICAST } from "../../src/mdp/routing";

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

test("idle point-to-point link: broadcast and unicast ticks take turns where the neighbour gets its ACKs by unicast; a broadcast every tick where it does not", () => {
  const net = new SimNet({ seed: 32 });
  const [a, b] = net.line(["A", "B"]);
  const count = { bcast: 0, unicast: 0 };
  net.tap = (from, to) => {
    if (from !== a) return;
    if (to.startsWith("bcast@")) count.bcast++;
    else count.unicast++;
  };
  net.start(a);
  net.start(b);
  net.runFor(10_000);
  count.bcast = count.unicast = 0;
  net.runFor(30_000);
  const steady = { bcast: count.bcast / 30, unicast: count.unicast / 30 };
  // B stops hearing A's unicast: A's ACKs to it then go in the broadcast tick, every tick.
  const rule = net.dropAt(b, { from: a, kind: "unicast" });
  net.runFor(10_000);
  count.bcast = count.unicast = 0;
  net.runFor(10_000);
  const noUnicast = count.bcast / 10;
  net.undropAt(rule);
  net.runFor(10_000);
  count.bcast = count.unicast = 0;
  net.runFor(30_000);
  const again = { bcast: count.bcast / 30, unicast: count.unicast / 30 };
  console.log(`  A -> B per second: steady ${steady.bcast.toFixed(2)} broadcast + ${steady.unicast.toFixed(2)} unicast; ` +
    `B deaf to A's unicast: ${noUnicast.toFixed(2)} broadcast; healed: ${again.bcast.toFixed(2)} + ${again.unicast.toFixed(2)}`);
  // Every BROADCAST_KEEPALIVE_TICKS (2) ticks a broadcast (with B's ACK), the other tick a unicast ACK (plus the periodic full advert).
  assert.ok(steady.bcast >= 0.9 && steady.bcast <= 1.3, `steady broadcasts ${steady.bcast}/s`);
  assert.ok(steady.unicast >= 0.9 && steady.unicast <= 1.3, `steady unicasts ${steady.unicast}/s`);
  assert.ok(noUnicast >= 1.9, `broadcast ticks while B hears no unicast: ${noUnicast}/s`);
  assert.ok(again.bcast <= 1.3 && again.unicast >= 0.9 && again.unicast <= 1.3, `after healing: ${again.bcast} + ${again.unicast}/s`);
  // Both still reach each other by unicast (the ACKs in the broadcast keep the unicast links).
  assert.is(a.node.peers()[0].reachable, REACHABLE_UNICAST);
  assert.is(b.node.peers()[0].reachable, REACHABLE_UNICAST);
  assert.ok(a.node.peers().length === 1 && b.node.peers().length === 1, "A and B stay neighbours");
});

test("idle lossy point-to-point link: broadcast and unicast ticks every tick (a neighbour losing packets must not judge us silent)", () => {
  const net = new SimNet({ seed: 33 });
  const [a, b] = net.line(["A", "B"], 0.1);
  let bcast = 0;
  net.tap = (from, to) => { if (from === a && to.startsWith("bcast@")) bcast++; };
  net.start(a);
  net.start(b);
  net.runFor(10_000);
  bcast = 0;
  net.runFor(30_000);
  console.log(`  10% loss: A -> B ${(bcast / 30).toFixed(2)} broadcasts/s`);
  assert.ok(bcast / 30 >= 1.9, `broadcasts ${bcast / 30}/s`);
});

test("steady 3x3 grid: routes are not recomputed while every neighbour keeps talking (a passed silence deadline only looks)", () => {
  const g = buildGrid(3, 3, 33, 20);
  const t = runUntilPolled(g, () => converged(g), 30_000);
  assert.ok(t !== undefined, "converged within 30 s");
  g.net.runFor(10_000);
  const before = g.nodes.map((n) => n.node.stats.routeRecomputes);
  const changesBefore = g.nodes.map((n) => n.node.stats.routeChanges);
  g.net.runFor(30_000);
  const perNodeS = g.nodes.reduce((s, n, i) => s + n.node.stats.routeRecomputes - before[i], 0) / g.nodes.length / 30;
  const changes = g.nodes.reduce((s, n, i) => s + n.node.stats.routeChanges - changesBefore[i], 0);
  console.log(`  steady 3x3: ${perNodeS.toFixed(2)} route recomputations per node per second, ${changes} route changes`);
  assert.is(changes, 0, "routes change in steady state");
  // Before: every silence deadline recomputed (~0.9 per node per second).
  assert.ok(perNodeS < 0.1, `${perNodeS.toFixed(2)} recomputations per node per second`);
});

test.run();
