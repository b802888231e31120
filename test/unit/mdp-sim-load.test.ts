// Sustained load: 1000 datagrams of 1000 bytes handed to the node back to back
// (not paced) over a 5-hop line with 10% loss and a 10 Mbit/s rate cap per link
// (a FIFO transmit queue per sender, as tc tbf). Per-hop ARQ must still deliver
// >= 99% end to end: queues may delay frames but must not lose them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, type SimNode } from "../helpers/simnet";

const NAMES = ["A", "B", "C", "D", "E", "F"];

function run(loss: number, seed: number, count: number, size: number, rateMbit: number, queuePackets: number) {
  const net = new SimNet({ seed });
  const nodes = net.line(NAMES, loss, 5);
  for (const l of net.links) { l.rateBps = rateMbit * 1e6; l.queuePackets = queuePackets; }
  const a = nodes[0], f = nodes[5];
  for (const n of nodes) { net.start(n); net.runFor(200); }
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, f) && net.hasRoute(f, a), 20000) !== undefined, "no route");
  f.node.bind(undefined, 77);
  const t0 = net.time;
  let refused = 0;
  for (let i = 0; i < count; i++) {
    const payload = new Uint8Array(size);
    payload[0] = i >> 8;
    payload[1] = i & 0xff;
    const r = net.send(a, { srcPort: 600, dstSid: f.identity.sid, dstPort: 77, payload });
    if (!r.ok) refused++;
  }
  let last = t0;
  const seen = new Set<number>();
  net.runUntilTrue(() => {
    while (f.inbox.length > 0) {
      const d = f.inbox.shift()!;
      seen.add((d.payload[0] << 8) | d.payload[1]);
      last = net.time;
    }
    return seen.size >= count;
  }, 60000);
  net.runFor(2000);
  const sum = (k: keyof SimNode["node"]["stats"]) => nodes.map((n) => n.node.stats[k] as number);
  const stats = (["retransmissions", "nacks", "retryDrops", "noRouteDrops", "queueDrops", "transmitDrops", "resequenced", "duplicateFrames", "routeChanges", "linkResets", "peerRestarts"] as const)
    .map((k) => `${k}=${sum(k).join("/")}`).join(" ");
  return { delivered: seen.size, refused, seconds: (last - t0) / 1000, stats, queueDropped: net.queueDropped };
}

test("5-hop line, 10% loss, 10 Mbit/s links: 1000 x 1000-byte datagrams back to back, >= 99% delivered", () => {
  const r = run(0.1, 21, 1000, 1000, 10, 60);
  console.log(`  delivered ${r.delivered}/1000 in ${r.seconds.toFixed(1)} s (refused ${r.refused}, link queue drops ${r.queueDropped}); ${r.stats}`);
  assert.ok(r.delivered >= 990, `delivered ${r.delivered}`);
});

test.run();
