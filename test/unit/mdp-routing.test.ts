// Route selection from neighbours' advertised trees (spec 6.7), table-driven.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { computeRoutes, GAP_MAX_MS, REACHABLE_INDIRECT, REACHABLE_NONE, REACHABLE_UNICAST, silenceLimit, type Route } from "../../src/mdp/routing";
import { newDestination, newNeighbour, type Iface, type Neighbour } from "../../src/mdp/neighbours";
import { SeqWindow64 } from "../../src/mdp/link-window";
import { advertRecords } from "../../src/mdp/advert-records";
import { DROP_RATE_NONE } from "../../src/mdp/constants";

const NOW = 10_000;
const SELF = "SELF";

function sidOf(hex: string): Uint8Array {
  const s = new Uint8Array(32);
  for (let i = 0; i < hex.length && i < 32; i++) s[i] = hex.charCodeAt(i);
  return s;
}

const iface = { index: 1, name: "x", mtu: 1200, broadcastAddress: "b", tickMs: 500, nextTickAt: 0 } as Iface;
iface.broadcast = newDestination(iface, "b", false, 300);

/** A direct neighbour `name` advertising links "transmitter -> receiver" with drop rates. */
function neighbour(name: string, links: [receiver: string, transmitter: string, drop: number][], txDrop = 0): Neighbour {
  const sub = { sid: sidOf(name), hex: name, signKey: undefined, local: false, lastUsed: 0, explainedAt: 0, keyRequestAt: 0, abbrev: 1 };
  const n = newNeighbour(sub, NOW);
  const dest = newDestination(iface, name, true, 300);
  n.outLinks.push({ dest, timeout: NOW + 1000 });
  n.chosen = n.outLinks[0];
  n.linkInTimeout = NOW + 1000;
  n.linksIn.push({ iface, theirIf: 0, unicast: true, address: name, window: new SeqWindow64(), lastRxAt: NOW, unacked: 0, dupRun: 0 });
  n.txDropRate = txDrop;
  for (const [r, t, d] of links) n.adverts.set(r, { transmitter: t, version: 1, dropRate: d });
  return n;
}

function run(ns: Neighbour[], routes = new Map<string, Route>()): Map<string, Route> {
  computeRoutes(routes, ns, SELF, NOW, sidOf, (h) => h === SELF);
  return routes;
}

test("silence limit: 3 ticks or gaps, x (1 + 4 loss), in int32 (per packet on an FPU-less router)", () => {
  assert.is(silenceLimit(500, 0, 0), 1500);
  assert.is(silenceLimit(500, 800, 0), 2400); // a slower peer's gap
  assert.is(silenceLimit(500, 0, 1024), 3000); // 25 % loss: x 2
  assert.is(silenceLimit(500, 0, 4096), 7500); // all lost: x 5
  for (const gap of [0, 1, 499, 501, 1234, 9999, GAP_MAX_MS]) {
    for (const q of [0, 1, 82, 205, 1000, 2048, 4095, 4096]) {
      const v = silenceLimit(500, gap, q);
      assert.ok((v | 0) === v, `silenceLimit(500, ${gap}, ${q}) = ${v}: not an int32`);
      const exact = Math.max(500, gap) * 3 * (1 + 4 * q / 4096);
      assert.ok(v <= exact && exact - v < 1, `silenceLimit(500, ${gap}, ${q}) = ${v}, exactly ${exact}`);
    }
  }
});

test("direct neighbour: 1 hop, unicast; its neighbours 2 hops via it", () => {
  const b = neighbour("B", [["C", "B", 0], ["D", "C", 0]]);
  const r = run([b]);
  assert.is(r.get("B")!.hops, 1);
  assert.is(r.get("B")!.reachable, REACHABLE_UNICAST);
  assert.is(r.get("C")!.hops, 2);
  assert.is(r.get("C")!.reachable, REACHABLE_INDIRECT);
  assert.is(r.get("C")!.priorHex, "B");
  assert.is(r.get("D")!.hops, 3);
  assert.is(r.get("D")!.priorHex, "C");
  assert.is(r.get("D")!.nextHop, b);
});

const cases: { name: string; b: [string, string, number][]; d: [string, string, number][]; bDrop?: number; dDrop?: number; want: string; hops: number }[] = [
  { name: "fewer hops wins at equal drop", b: [["X", "B", 0]], d: [["Y", "D", 0], ["X", "Y", 0]], want: "B", hops: 2 },
  { name: "lower path drop wins over fewer hops", b: [["X", "B", 8]], d: [["Y", "D", 0], ["X", "Y", 0]], want: "D", hops: 3 },
  { name: "drop rates <= 2 are ignored", b: [["X", "B", 2]], d: [["Y", "D", 0], ["X", "Y", 0]], want: "B", hops: 2 },
  { name: "our own link drop to the neighbour counts", b: [["X", "B", 0]], d: [["X", "D", 0]], bDrop: 6, want: "D", hops: 2 },
  { name: "a path through us is ignored", b: [["X", SELF, 0]], d: [["Y", "D", 0], ["X", "Y", 0]], want: "D", hops: 3 },
  { name: "a path whose parent is missing is ignored", b: [["X", "Q", 0]], d: [["Y", "D", 0], ["X", "Y", 0]], want: "D", hops: 3 },
];
for (const c of cases) {
  test(`selection: ${c.name}`, () => {
    const r = run([neighbour("B", c.b, c.bDrop), neighbour("D", c.d, c.dDrop)]);
    const x = r.get("X")!;
    assert.is(x.nextHop!.sub.hex, c.want);
    assert.is(x.hops, c.hops);
  });
}

test("loops in an advertised tree do not hang and yield no route", () => {
  const r = run([neighbour("B", [["X", "Y", 0], ["Y", "X", 0]])]);
  assert.is(r.get("X"), undefined);
});

test("hysteresis: a near-equal alternative does not steal the route; version bumps only on change", () => {
  const b = neighbour("B", [["X", "B", 0]]);
  const routes = run([b]);
  const v = routes.get("X")!.version;
  const d = neighbour("D", [["X", "D", 0]]);
  run([d, b], routes);
  assert.is(routes.get("X")!.nextHop, b);
  assert.is(routes.get("X")!.version, v);
  // B's path gets much worse: switch, and bump the version.
  b.adverts.set("X", { transmitter: "B", version: 2, dropRate: 10 });
  run([b, d], routes);
  assert.is(routes.get("X")!.nextHop, d);
  assert.is.not(routes.get("X")!.version, v);
});

test("a neighbour that stops hearing us loses its routes (then NO_PATH is advertised)", () => {
  const b = neighbour("B", [["X", "B", 0]]);
  const routes = run([b]);
  b.linkInTimeout = NOW - 1;
  const changed = computeRoutes(routes, [b], SELF, NOW, sidOf, () => false);
  assert.ok(changed);
  assert.is(routes.get("X")!.reachable, REACHABLE_NONE);
  assert.is(routes.get("X")!.lostAt, NOW);
});

test("a silent neighbour kept as the last resort: its record is advertised with drop rate 32 under a new version, and back once heard", () => {
  // B is our only way to X. B falls silent: routes still go through it (no
  // other way), but a neighbour routing through us must see the high cost.
  const b = neighbour("B", [["X", "B", 0]], 1);
  const routes = new Map<string, Route>();
  const runUsable = (usable: boolean): void => { computeRoutes(routes, [b], SELF, NOW, sidOf, (h) => h === SELF, () => usable); };
  const recordOf = (hex: string) => {
    const all = advertRecords(NOW, true, sidOf(SELF), [], routes.values(), sidOf).records;
    return all.find((r) => r.receiver && String.fromCharCode(...r.receiver.slice(0, hex.length)) === hex)!;
  };
  runUsable(true);
  const v0 = routes.get("B")!.version, vx = routes.get("X")!.version;
  assert.is(recordOf("B").dropRate, 1);
  runUsable(false);
  assert.is(routes.get("B")!.nextHop, b, "still the last resort");
  assert.is(routes.get("X")!.nextHop, b);
  assert.is(routes.get("B")!.silent, true);
  assert.is(routes.get("B")!.version, (v0 + 1) & 0xff, "a new version (Serval DNA takes a new drop rate only with one)");
  assert.is(routes.get("B")!.advertOwed > 0, true, "owed a send");
  assert.is(recordOf("B").dropRate, DROP_RATE_NONE);
  assert.is(routes.get("X")!.version, vx, "routes behind it keep their records (the walk up the tree passes B's)");
  runUsable(false);
  assert.is(routes.get("B")!.version, (v0 + 1) & 0xff, "no new version while it stays silent");
  runUsable(true);
  assert.is(routes.get("B")!.silent, false);
  assert.is(routes.get("B")!.version, (v0 + 2) & 0xff);
  assert.is(recordOf("B").dropRate, 1);
});

test.run();
