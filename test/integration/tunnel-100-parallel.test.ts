// Issue 4 must-show: 100 parallel TCP connections x 1 MiB through one
// `--forward` tunnel across 3 hops with 5% loss per link, all sha256-identical.
// (It once delivered ~33/100: the msp driver closed sockets that simultaneous
// connects had just bound; see test/unit/msp-driver.test.ts.)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { meshLine, msp, tcpListening } from "../helpers/mesh";

test("100 parallel TCP connections x 1 MiB through one tunnel, 3 hops, 5% loss per link: all sha256-identical", async () => {
  const L = await meshLine("svtun4", 4, { loss: 0.05 });
  try {
    const ls = msp(L, "n0", ["listen", "--forward=7001", "512"]);
    const c = msp(L, "n3", ["connect", "--forward=7002", L.sids[0]!, "512"]);
    await tcpListening(c, 7002);
    const r = await L.lab.streamTransfer({ sink: { node: "n0", port: 7001, host: "127.0.0.1" }, source: { node: "n3", host: "127.0.0.1", port: 7002 }, bytes: 1 << 20, connections: 100, timeoutMs: 480_000 });
    console.log(`    100 x 1 MiB in ${r.seconds.toFixed(1)} s, ${r.goodputMbit.toFixed(2)} Mbit/s; ${r.results.filter((x) => x.match).length} identical`);
    assert.not.ok(r.timedOut, `timed out with ${r.receivedTotal} bytes`);
    assert.is(r.results.length, 100);
    for (const x of r.results) assert.ok(x.match, JSON.stringify(x));
    assert.ok(ls.running && c.running, "the tunnel ends keep serving");
    await c.kill("SIGTERM");
    await ls.kill("SIGTERM");
  } finally {
    await L.close();
  }
});

test.run();
