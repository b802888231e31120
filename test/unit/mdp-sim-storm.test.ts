// Regression for the 40-node announcement storm (issue 12). In a grid of real
// daemons from 40 nodes on, every node broadcast ~165 link-state packets/s of
// ~1 100 bytes for good. Two causes fed each other: every change-triggered
// advert (up to one per 20 ms) re-sent every route changed within the last
// 3 s, and every advert for 1.6 s after a new neighbour carried all routes, so
// the bytes grew as N^2 while routes settled; and routes kept changing because
// a fresh link's 15-packet ACK history counted packets never sent as lost (a
// unicast link carries ~2 packets/s: "drop rates" fell from 12 to 0 over 7 s,
// each step re-choosing routes and re-advertising them, and the changed drop
// rates crossed the mesh one 5 s refresh per hop). In the SimNet, where CPU is
// free, that was a 10-20 s burst of ~140 kB/s per node; on 2 cores it took all
// the CPU, the daemons lost packets, loss changed drop rates, and the burst
// never ended. On the old code this test fails: 100 kB/s per node on average
// over the first 10 s, 720 kB in one second from one node, 6 765 route changes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildGrid, converged, measure } from "../helpers/sim-grid";

test("50-node grid (5x10): link-state traffic bounded while converging, quiet once settled", () => {
  const g = buildGrid(5, 10, 12, 50);
  const t0 = g.net.time - 50 * 50; // when the first node started
  const startup = measure(g, 10_000);
  const conv = converged(g);
  const settled = measure(g, 20_000);
  console.log(`  50 nodes: converged ${conv}; first 10 s: ${startup.bytes.toFixed(0)} B/s/node mean, peak ${startup.peakBytes} B in one second on one node, ${startup.routeChanges} route changes; next 20 s: ${settled.bytes.toFixed(0)} B/s/node (${settled.packets.toFixed(1)} pkt/s), ${settled.routeChanges} route changes (t0 ${t0.toFixed(0)})`);
  assert.ok(conv, "every node has a route to every other within 12.5 s");
  assert.ok(startup.peakBytes < 70_000, `peak ${startup.peakBytes} B/s on one node (the storm: 720 000)`);
  assert.ok(startup.bytes < 12_000, `mean ${startup.bytes.toFixed(0)} B/s/node while converging`);
  assert.is(settled.routeChanges, 0, "routes still changing 10 s after start (flapping)");
  assert.ok(settled.bytes < 4_000, `${settled.bytes.toFixed(0)} B/s/node once settled`);
  assert.ok(settled.peakBytes < 20_000, `peak ${settled.peakBytes} B in one second once settled`);
});

test.run();
