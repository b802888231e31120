// Soak: a 5-hop line at 20% loss carrying traffic both ways for 5 simulated
// minutes. Everything arrives, and no table or queue grows with time.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet } from "../helpers/simnet";

test("5 minutes of two-way traffic on a lossy 5-hop line: all delivered, state stays bounded", () => {
  const net = new SimNet({ seed: 61 });
  const nodes = net.line(["A", "B", "C", "D", "E", "F"], 0.2);
  for (const n of nodes) net.start(n);
  const a = nodes[0], f = nodes[5];
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, f) && net.hasRoute(f, a), 5000) !== undefined);
  a.node.bind(undefined, 40);
  f.node.bind(undefined, 40);
  const sizes = () => nodes.map((n) => {
    const t = n.node.tableSizes();
    return t.neighbours + t.destinations + t.routes + t.subscribers;
  });
  let sent = 0;
  let mid: number[] = [];
  for (let s = 0; s < 300; s++) {
    for (let k = 0; k < 4; k++) {
      const p = new Uint8Array(200);
      p[0] = sent >> 8; p[1] = sent & 0xff;
      net.send(k % 2 ? a : f, { srcPort: 40, dstSid: (k % 2 ? f : a).identity.sid, dstPort: 40, payload: p });
      sent++;
      net.runFor(250);
    }
    if (s === 60) mid = sizes();
  }
  net.runFor(15_000);
  const got = new Set([...a.inbox, ...f.inbox].map((d) => (d.payload[0] << 8) | d.payload[1])).size;
  const end = sizes();
  console.log(`  soak: ${got}/${sent} delivered; table sizes at 1 min ${mid.join(",")} and at the end ${end.join(",")}; queued ${nodes.map((n) => n.node.queuedFrames).join(",")}`);
  assert.ok(got >= sent * 0.995, `${got}/${sent}`);
  for (let i = 0; i < nodes.length; i++) assert.ok(end[i] <= mid[i] + 2, `node ${i} grew ${mid[i]} -> ${end[i]}`);
  for (const n of nodes) assert.is(n.node.queuedFrames, 0);
});

test.run();
