// Lossy lines, loss dropped at the receiver of every link (nft): a 3-node line
// at 10% answers >= 49 of 50 pings A->C once the route is up; a 6-node line
// (5 hops) answers the far end within 5 s of the last daemon starting and
// >= 99 of 100 pings at 10%, 20% and 33% loss per link.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { Lab } from "../lab/index";
import { Mesh, ping, SERVALD, waitUntil } from "./mdp-helpers";

test("3-node line, 10% loss per link: >= 49/50 pings A->C", async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  const lab = await Lab.create({ family: "svmdpq" });
  const mesh = new Mesh(lab);
  try {
    await lab.line(["A", "B", "C"], { loss: 0.1 });
    for (const n of ["A", "B", "C"]) await mesh.start(n);
    const c = mesh.daemons.get("C")!;
    await waitUntil(async () => (await ping(mesh, "A", c.sid, 1, ["--timeout=1"])).received === 1, 15_000, "route A->C", 0);
    const r = await ping(mesh, "A", c.sid, 50, ["--interval=0.2", "--timeout=3"]);
    console.log(`    ${r.received}/50 answered: ${r.stdout.split("\n").slice(-3).join(" ")}`);
    assert.ok(r.received >= 49, r.stdout);
  } finally {
    await mesh.cleanup();
    await lab.cleanup();
  }
});

for (const loss of [0.1, 0.2, 0.33]) {
  test(`6-node line (5 hops), ${loss * 100}% loss per link: far end within 5 s, >= 99/100 pings`, async () => {
    const lab = await Lab.create({ family: "svmdp6" });
    const mesh = new Mesh(lab);
    const names = ["N0", "N1", "N2", "N3", "N4", "N5"];
    try {
      await lab.line(names, { loss });
      // Keyrings first, so "starting" is just the daemons.
      const sids = new Map<string, string>();
      for (const n of names) sids.set(n, await mesh.prepare(n));
      // All daemons start together. "Starting" = the moment the last one is
      // running (logged that its services are up): process start-up itself
      // takes seconds on a loaded test machine and is reported separately.
      const spawnedAt = Date.now();
      const launches = names.map((n) => mesh.launch(n, sids.get(n)!));
      const far = sids.get("N5")!;
      // One long-running ping (10 a second) from as soon as N0 is up, so the
      // first answer is timed without process start-up costs.
      await launches[0];
      const pinger = lab.spawn("N0", SERVALD, ["mdp", "ping", "--interval=0.1", far, "600"], { env: mesh.env("N0") });
      const daemons = await Promise.all(launches);
      const lastUp = Math.max(...daemons.map((d) => d.upAt));
      try {
        await pinger.waitFor(/: seq=\d+ time=\d+ms/, { stream: "stdout", timeoutMs: 60_000 });
      } finally {
        await pinger.kill("SIGINT");
      }
      const firstMs = Date.now() - lastUp;
      console.log(`    N5 answered N0 ${firstMs} ms after the last daemon was up (daemons took ${lastUp - spawnedAt} ms to start)`);
      assert.ok(firstMs <= 5000, `first answer after ${firstMs} ms`);
      const r = await ping(mesh, "N0", far, 100, ["--interval=0.1", "--timeout=5"]);
      console.log(`    ${r.received}/100 answered: ${r.stdout.split("\n").slice(-3).join(" ")}`);
      assert.ok(r.received >= 99, r.stdout);
    } finally {
      await mesh.cleanup();
      await lab.cleanup();
    }
  });
}

test.run();
