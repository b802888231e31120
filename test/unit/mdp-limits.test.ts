// Table caps as settings (issue 12; config mdp.max_subscribers, mdp.max_neighbours,
// mdp.max_routes -> MeshLimits): a table at its cap drops what does not fit and
// counts it in MeshStats; it never grows past the cap.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Subscribers } from "../../src/mdp/subscribers";
import { SimNet } from "../helpers/simnet";
import { NEIGHBOURS_MAX, ROUTES_MAX, SUBSCRIBERS_MAX } from "../../src/mdp/constants";
import { meshLimitsFromConfig, checkConfig, ConfigError } from "../../src/daemon/config-schema";

const sid = (...head: number[]) => { const s = new Uint8Array(32); s.set(head); return s; };

test("defaults: 1024 SIDs, 64 neighbours, 1024 routes", () => {
  const net = new SimNet({ seed: 1 });
  const a = net.addNode("A");
  assert.equal(a.node.limits, { subscribers: SUBSCRIBERS_MAX, neighbours: NEIGHBOURS_MAX, routes: ROUTES_MAX });
  assert.equal([SUBSCRIBERS_MAX, NEIGHBOURS_MAX, ROUTES_MAX], [1024, 64, 1024]);
});

test("address book at its cap: forgets the least recently used SID; with every SID in use it keeps none new, and counts", () => {
  const counts = { subscribersEvicted: 0, subscribersRefused: 0 };
  const b = new Subscribers(() => undefined, 16, counts);
  for (let i = 0; i < 20; i++) b.add(sid(i, 1));
  assert.is(b.size, 16);
  assert.is(counts.subscribersEvicted, 4);
  b.canForget = () => false; // all in use (neighbours, routes)
  const s = b.add(sid(0xee, 1));
  assert.is(b.size, 16);
  assert.is(counts.subscribersRefused, 1);
  assert.is(b.get(sid(0xee, 1)), undefined, "not stored");
  assert.is(s.abbrev, 32, "a SID not stored is never abbreviated");
  assert.is(b.lookupPrefix(Uint8Array.of(0xee)), undefined);
  b.add(sid(0xef, 1), true); // our own identities are always kept
  assert.is(b.size, 17);
});

test("neighbour table at its cap: a LAN of 8, mdp.max_neighbours=3: never more than 3, the rest refused and counted", () => {
  const net = new SimNet({ seed: 5, nodeOptions: { limits: { neighbours: 3 } } });
  const nodes = ["A", "B", "C", "D", "E", "F", "G", "H"].map((x) => net.addNode(x));
  net.link("lan", nodes, 0, 2, 0.5);
  let most = 0;
  for (const n of nodes) { net.start(n); net.runFor(50); }
  for (let t = 0; t < 10_000; t += 100) {
    net.runFor(100);
    for (const n of nodes) most = Math.max(most, n.node.tableSizes().neighbours);
  }
  const refused = nodes.reduce((s, n) => s + n.node.stats.neighboursRefused, 0);
  console.log(`  most neighbours on any node ${most}; packets from neighbours over the cap dropped: ${refused} in 10 s`);
  assert.is(most, 3);
  assert.ok(refused > 0);
});

test("route table at its cap: a 12-node line, mdp.max_routes=5: never more than 5 routes, the rest refused and counted", () => {
  const net = new SimNet({ seed: 3, nodeOptions: { limits: { routes: 5 } } });
  const nodes = net.line(Array.from({ length: 12 }, (_, i) => `N${i}`));
  for (const n of nodes) { net.start(n); net.runFor(20); }
  let most = 0;
  for (let t = 0; t < 10_000; t += 100) {
    net.runFor(100);
    for (const n of nodes) most = Math.max(most, n.node.tableSizes().routes);
  }
  const refused = nodes.reduce((s, n) => s + n.node.stats.routesRefused, 0);
  console.log(`  most routes on any node ${most}; routes or tree entries refused ${refused} times in 10 s`);
  assert.is(most, 5);
  assert.ok(refused > 0);
  // Uncapped, the same line gives every node 11 routes.
  const free = new SimNet({ seed: 3 });
  const fn = free.line(Array.from({ length: 12 }, (_, i) => `N${i}`));
  for (const n of fn) { free.start(n); free.runFor(20); }
  free.runFor(10_000);
  assert.is(Math.min(...fn.map((n) => n.node.tableSizes().routes)), 11);
  assert.is(fn.reduce((s, n) => s + n.node.stats.routesRefused, 0), 0);
});

test("config: mdp.max_* are checked strictly and become MeshLimits", () => {
  assert.equal(meshLimitsFromConfig([["mdp.max_neighbours", "8"], ["mdp.max_routes", "256"], ["interfaces.1.match", "eth*"]]),
    { neighbours: 8, routes: 256 });
  assert.equal(meshLimitsFromConfig([]), {});
  for (const [k, v] of [["mdp.max_neighbours", "0"], ["mdp.max_neighbours", "2000"], ["mdp.max_subscribers", "8"],
    ["mdp.max_routes", "1e3"], ["mdp.max_routes", "-5"], ["mdp.max_subscribers", "100000"]]) {
    assert.throws(() => checkConfig(k!, v!), (e: Error) => e instanceof ConfigError && e.message.includes(k!), `${k}=${v}`);
    assert.throws(() => meshLimitsFromConfig([[k!, v!]]), (e: Error) => e instanceof ConfigError);
  }
  checkConfig("mdp.max_subscribers", "65536");
  checkConfig("mdp.max_neighbours", "1");
});

test.run();
