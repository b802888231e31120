// A relay that restarts (all state lost, same identity) must be taken back at
// once: its new link and frame sequences may land inside the old windows.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, restartNode } from "../helpers/simnet";

for (const seed of [41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52]) {
  test(`relay B restarts (seed ${seed}): A reaches C again and delivers`, () => {
    const net = new SimNet({ seed });
    const [a, b, c] = net.line(["A", "B", "C"]);
    for (const n of [a, b, c]) net.start(n);
    assert.ok(net.runUntilTrue(() => net.hasRoute(a, c), 5000) !== undefined);
    net.runFor(5000);
    net.stop(b);
    net.runFor(1000); // shorter than the neighbour timeout: A and C still remember the old B
    restartNode(net, b);
    const t0 = net.time;
    c.node.bind(undefined, 7000);
    let got = 0;
    for (let i = 0; i < 20; i++) {
      net.send(a, { srcPort: 7000, dstSid: c.identity.sid, dstPort: 7000, payload: Uint8Array.of(i) });
      net.runFor(250);
    }
    net.runFor(10_000);
    got = new Set(c.inbox.map((d) => d.payload[0])).size;
    console.log(`  seed ${seed}: ${got}/20 delivered across the restart (A: ${a.node.stats.duplicatePackets} dup packets, ${a.node.stats.duplicateFrames} dup frames)`);
    assert.ok(net.time - t0 > 0);
    assert.is(got, 20);
  });
}

test.run();
