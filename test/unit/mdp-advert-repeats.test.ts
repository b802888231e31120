// Full adverts in a steady mesh repeat byte for byte: the sender encodes them
// once per interface (send.ts advertFrames) and a receiver with nothing
// changed since does not decode them again (link-state-in.ts, stats.linkStateRepeats);
// any change is still applied.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildGrid, converged, pathOf, runUntilPolled } from "../helpers/sim-grid";
import { toHex } from "../../src/wire/bytes";
import { FULL_ADVERT_INTERVAL_MS } from "../../src/mdp/constants";

test("3x3 grid: repeated full adverts are recognised; a relay's death still changes every route through it", () => {
  const g = buildGrid(3, 3, 77, 20);
  assert.ok(runUntilPolled(g, () => converged(g), 30_000) !== undefined, "converged");
  g.net.runFor(15_000);
  const repeats = (): number => g.nodes.reduce((s, n) => s + n.node.stats.linkStateRepeats, 0);
  const routeChanges = (): number => g.nodes.reduce((s, n) => s + n.node.stats.routeChanges, 0);
  const r0 = repeats(), c0 = routeChanges();
  g.net.runFor(3 * FULL_ADVERT_INTERVAL_MS);
  // 12 links, both ways, 3 full adverts each (one payload at this size)
  const seen = repeats() - r0;
  console.log(`  steady 30 s: ${seen} full-advert payloads recognised as repeats, ${routeChanges() - c0} route changes`);
  assert.ok(seen >= 12 * 2 * 2, `${seen} repeats`);
  assert.is(routeChanges() - c0, 0);

  const mid = g.at(1, 1);
  g.net.stop(mid);
  const a = g.at(0, 0), z = g.at(2, 2);
  assert.ok(runUntilPolled(g, () => pathOf(g, a, z) !== undefined && !pathOf(g, a, z)!.includes(mid), 10_000) !== undefined, "rerouted");
  g.net.runFor(2 * FULL_ADVERT_INTERVAL_MS);
  const midHex = toHex(mid.identity.sid);
  for (const n of g.nodes) {
    if (n === mid) continue;
    const peers = n.node.peers();
    assert.is(peers.filter((p) => toHex(p.sid) !== midHex).length, 7, `${n.name} routes to the 7 others`);
    for (const p of peers) assert.ok(!p.nextHop || toHex(p.nextHop) !== midHex, `${n.name} routes via the dead relay`);
  }
});

test.run();
