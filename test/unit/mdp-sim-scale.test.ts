// SimNet scale kit (issue 12): grids of 50, 100 and 200 nodes (one link to the
// right and lower neighbour each, no loss), started one after the other.
// Deterministic figures per size: convergence time, route-table sizes, bytes,
// packets and frames per node per second in steady state, the worst second of
// any one node (no announcement storm), and reconvergence after the relay in
// the middle of the corner-to-corner route dies. SCALE_SIZES=50,100,200 picks
// sizes; the default is 50 and 100 (~4 s and ~15 s on an idle 2-core
// machine); mdp-sim-scale-200.test.ts runs the 200-node grid (~90 s).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildGrid, converged, measure, pathOf, runUntilPolled } from "../helpers/sim-grid";

interface Bounds { converge: number; bytes: number; packets: number; peak: number; reconverge: number }
// Bytes: UDP payload; with abbreviated SIDs 375 / 546 B/s/node at 50 / 100 (full SIDs: 1 671 / 2 745).
// Serval DNA sends 1 888 / 2 777 B/s/node on these grids (namespaces, with 42 B of headers per packet).
const SIZES: [number, number, Bounds][] = [
  [5, 10, { converge: 6_000, bytes: 1_000, packets: 20, peak: 20_000, reconverge: 2_500 }],
  [10, 10, { converge: 12_000, bytes: 1_500, packets: 22, peak: 40_000, reconverge: 2_500 }],
  [10, 20, { converge: 25_000, bytes: 3_000, packets: 25, peak: 80_000, reconverge: 2_500 }],
];
const pick = (process.env.SCALE_SIZES ?? "50,100").split(",").filter(Boolean).map(Number);
if (!pick.includes(200)) console.log("  200-node grid: in test/unit/mdp-sim-scale-200.test.ts");

for (const [rows, cols, b] of SIZES) {
  const n = rows * cols;
  if (!pick.includes(n)) continue;
  test(`${n}-node grid (${rows}x${cols}): converges, steady control traffic bounded, no storm, reconverges`, () => {
    const wall = Date.now();
    const g = buildGrid(rows, cols, 100 + n, 20);
    const started = g.net.time;
    const t = runUntilPolled(g, () => converged(g), 60_000);
    assert.ok(t !== undefined, "converged within 60 s");
    const conv = t! - started;
    g.net.runFor(10_000);
    const s = measure(g, 20_000);
    const sizes = g.nodes.map((x) => x.node.tableSizes());
    const routesMax = Math.max(...sizes.map((x) => x.routes));
    const nbMax = Math.max(...sizes.map((x) => x.neighbours));
    // Kill the relay in the middle of the corner-to-corner route.
    const a = g.at(0, 0), z = g.at(rows - 1, cols - 1);
    const path = pathOf(g, a, z);
    assert.ok(path, "corner-to-corner route");
    const relay = path![Math.floor(path!.length / 2)];
    g.net.stop(relay);
    const killedAt = g.net.time;
    const back = runUntilPolled(g, () => pathOf(g, a, z) !== undefined && pathOf(g, z, a) !== undefined, 30_000, 20);
    const reconv = back === undefined ? Infinity : back - killedAt;
    const after = measure(g, 10_000);
    console.log(`  ${n} nodes (${rows}x${cols}, ${path!.length - 1} hops corner to corner): converged ${(conv / 1000).toFixed(1)} s after the last start; ` +
      `steady ${s.bytes.toFixed(0)} B/s/node, ${s.packets.toFixed(1)} pkt/s, ${s.frames.toFixed(1)} frames/s, worst second ${s.peakBytes} B, ` +
      `route changes ${s.routeChanges}; routes/node ${routesMax} (neighbours <= ${nbMax}); relay ${relay.name} killed: corners route again after ${(reconv / 1000).toFixed(2)} s, ` +
      `next 10 s ${after.bytes.toFixed(0)} B/s/node, worst second ${after.peakBytes} B; wall ${((Date.now() - wall) / 1000).toFixed(1)} s`);
    assert.ok(conv <= b.converge, `converged after ${conv} ms`);
    assert.is(s.routeChanges, 0, "routes change in steady state (flapping)");
    assert.ok(s.bytes <= b.bytes, `${s.bytes.toFixed(0)} B/s/node`);
    assert.ok(s.packets <= b.packets, `${s.packets.toFixed(1)} pkt/s/node`);
    assert.ok(s.peakBytes <= b.peak, `worst second ${s.peakBytes} B`);
    assert.is(routesMax, n - 1);
    assert.ok(reconv <= b.reconverge, `reconverged after ${reconv} ms`);
    // The routes through the dead relay change: each changed record goes out 4 times on 4 interfaces.
    assert.ok(after.peakBytes <= 2 * b.peak, `worst second after the kill ${after.peakBytes} B`);
  });
}

test.run();
