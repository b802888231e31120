// The must-show: a 5-hop line (6 nodes) with random loss on every link.
// Per-hop retransmission must deliver >= 99% of 1000 unicast datagrams end to
// end at 10% loss (plain forwarding would give 0.9^5 = ~59%), and routes must
// be usable within 5 s of the last node starting, even at 33% loss.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, type SimNode } from "../helpers/simnet";

const NAMES = ["A", "B", "C", "D", "E", "F"];

interface Result {
  routeMs: number | undefined;
  delivered: number;
  duplicates: number;
  stats: string;
}

function runLine(loss: number, seed: number, count: number, intervalMs: number, maxTransmissions?: number): Result {
  const net = new SimNet({ seed, nodeOptions: maxTransmissions ? { maxTransmissions } : {} });
  const nodes = net.line(NAMES, loss, 5);
  const a = nodes[0], f = nodes[nodes.length - 1];
  // Start in order, the far end last.
  for (let i = 0; i < nodes.length - 1; i++) {
    net.start(nodes[i]);
    net.runFor(300);
  }
  const t0 = net.time;
  net.start(f);
  const routed = net.runUntilTrue(() => net.hasRoute(a, f) && net.hasRoute(f, a), 20000);
  const routeMs = routed === undefined ? undefined : routed - t0;
  f.node.bind(undefined, 77);
  for (let i = 0; i < count; i++) {
    const payload = new Uint8Array(64);
    payload[0] = i >> 8;
    payload[1] = i & 0xff;
    const r = net.send(a, { srcPort: 600, dstSid: f.identity.sid, dstPort: 77, payload });
    assert.ok(r.ok);
    net.runFor(intervalMs);
  }
  net.runFor(15000);
  const seen = new Set<number>();
  let duplicates = 0;
  for (const d of f.inbox) {
    const k = (d.payload[0] << 8) | d.payload[1];
    if (seen.has(k)) duplicates++;
    seen.add(k);
  }
  const s = (n: SimNode) => n.node.stats;
  const sum = (k: keyof ReturnType<typeof s>) => nodes.reduce((acc, n) => acc + (s(n)[k] as number), 0);
  const stats = `retransmissions=${sum("retransmissions")} nacks=${sum("nacks")} retryDrops=${sum("retryDrops")} noRouteDrops=${sum("noRouteDrops")} queueDrops=${sum("queueDrops")} resequenced=${sum("resequenced")} routeChanges=${sum("routeChanges")} peerRestarts=${sum("peerRestarts")} linkResets=${sum("linkResets")}`;
  return { routeMs, delivered: seen.size, duplicates, stats };
}

for (const [loss, seed] of [[0.1, 11], [0.2, 12], [0.33, 13]] as const) {
  test(`5-hop line at ${Math.round(loss * 100)}% loss per link: route within 5 s, >= 99% of 1000 datagrams delivered`, () => {
    const r = runLine(loss, seed, 1000, 20);
    const pct = r.delivered / 10;
    console.log(`  loss ${Math.round(loss * 100)}%: first route A<->F ${r.routeMs === undefined ? "never" : Math.round(r.routeMs)} ms after F started; delivered ${r.delivered}/1000 (${pct.toFixed(1)}%), ${r.duplicates} duplicates; ${r.stats}`);
    assert.ok(r.routeMs !== undefined && r.routeMs <= 5000, `route took ${r.routeMs} ms`);
    assert.ok(r.delivered >= 990, `delivered ${r.delivered}`);
    assert.ok(r.stats.includes("peerRestarts=0"), "loss must not look like a restart");
  });
}

test("time to first route on the 5-hop line over 20 seeds (33% loss): always within 5 s", () => {
  const times: number[] = [];
  for (let seed = 100; seed < 120; seed++) {
    const net = new SimNet({ seed });
    const nodes = net.line(NAMES, 0.33, 5);
    for (let i = 0; i < nodes.length - 1; i++) { net.start(nodes[i]); net.runFor(300); }
    const t0 = net.time;
    const a = nodes[0], f = nodes[5];
    net.start(f);
    const t = net.runUntilTrue(() => net.hasRoute(a, f) && net.hasRoute(f, a), 20000);
    times.push(t === undefined ? Infinity : Math.round(t - t0));
  }
  const sorted = [...times].sort((x, y) => x - y);
  console.log(`  33% loss, ms from last start to A<->F route: ${times.join(" ")} (median ${sorted[10]}, max ${sorted[19]})`);
  assert.ok(Math.max(...times) <= 5000, `worst ${Math.max(...times)} ms`);
});

test("without per-hop retransmission the same 10% line loses about 41% (the baseline)", () => {
  const r = runLine(0.1, 11, 300, 20, 1);
  console.log(`  one transmission per hop: delivered ${r.delivered}/300 (${(r.delivered / 3).toFixed(1)}%)`);
  assert.ok(r.delivered < 0.75 * 300 && r.delivered > 0.4 * 300, `delivered ${r.delivered}`);
});

test.run();
