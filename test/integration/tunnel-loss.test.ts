// The tunnel over lossy links: 1 MiB over one link with 10% loss (Serval DNA's
// slow_unreliable test), and 100 parallel TCP connections x 1 MiB through one
// `--forward` tunnel across 3 hops with 5% loss per link, all sha256-identical.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { exitWithin, meshLine, msp, randomFile, SERVALD, sha256File, tmpPath } from "../helpers/mesh";

const GRACEFUL = / Connection with [0-9A-F]{64}:\d+ closed gracefully$/m;

test("1 MiB over a link with 10% loss arrives byte-identical", async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  const L = await meshLine("svtun3", 2, { loss: 0.1 });
  try {
    const data = randomFile(L.mesh, "loss.in", 1 << 20);
    const out = tmpPath(L.mesh, "loss.out");
    const ls = msp(L, "n0", ["listen", "512"], { stdout: out, stdinCmd: "sleep 1" });
    await ls.waitFor(/Listening on port/, { stream: "stderr" }).catch(() => new Promise((r) => setTimeout(r, 500)));
    const t0 = Date.now();
    const c = msp(L, "n1", ["connect", L.sids[0]!, "512"], { stdin: data });
    assert.is((await exitWithin(c, 120_000, "connect")).code, 0, c.stderr);
    assert.is((await exitWithin(ls, 20_000, "listen")).code, 0, ls.stderr);
    console.log(`    1 MiB over 10% loss in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.is(sha256File(out), sha256File(data));
    assert.match(c.stderr, GRACEFUL);
    assert.match(ls.stderr, GRACEFUL);
  } finally {
    await L.close();
  }
});

test("100 parallel TCP connections x 1 MiB through one tunnel, 3 hops, 5% loss per link: all sha256-identical", async () => {
  const L = await meshLine("svtun4", 4, { loss: 0.05 });
  try {
    const ls = msp(L, "n0", ["listen", "--forward=7001", "512"]);
    const c = msp(L, "n3", ["connect", "--forward=7002", L.sids[0]!, "512"]);
    await c.waitFor(/Forwarding from AF_INET/, { stream: "stderr" }).catch(() => new Promise((r) => setTimeout(r, 500)));
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
