// Multi-hop: a line A-B-C where A and C cannot hear each other (C via B on
// A within 10 s, ping A->C), and a diamond A-B-C + A-D-C where killing B
// moves the route to D within 10 s.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { Lab } from "../lab/index";
import { Mesh, ping, SERVALD, waitUntil } from "./mdp-helpers";

test("line A-B-C: C INDIRECT via B on A within 10 s; mdp ping A->C answers", async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  const lab = await Lab.create({ family: "svmdpl" });
  const mesh = new Mesh(lab);
  try {
    await lab.line(["A", "B", "C"]);
    const a = await mesh.start("A");
    const b = await mesh.start("B");
    const c = await mesh.start("C");
    const ms = await waitUntil(async () => {
      const r = (await mesh.routes("A")).get(c.sid);
      return r !== undefined && r[0] === "INDIRECT" && r[2] === b.sid;
    }, 10_000 - (Date.now() - c.startedAt), "A routes to C via B");
    console.log(`    A has C via B ${ms} ms after C's daemon answered its socket`);
    const routes = await mesh.routes("A");
    assert.equal(routes.get(c.sid), ["INDIRECT", "", b.sid, ""]);
    assert.match(routes.get(b.sid)!.join(":"), /^(UNICAST|BROADCAST):v0a::$/);
    assert.ok((await mesh.peers("A")).includes(c.sid));
    // C learns A from B's advert to its new neighbour C, A learns C from B's
    // change-triggered advert: two packets that need not leave B in that order.
    // Both ends must know each other within 1 s of each other (measured: 20-90 ms).
    const cms = await waitUntil(async () => (await mesh.peers("C")).includes(a.sid), 1_000, "C lists A");
    console.log(`    C lists A ${cms} ms after A had C`);
    const r = await ping(mesh, "A", c.sid, 5, ["--interval=0.2"]);
    assert.is(r.code, 0, r.stdout + mesh.daemonLog("A"));
    assert.is(r.received, 5, r.stdout);
  } finally {
    await mesh.cleanup();
    await lab.cleanup();
  }
});

test("diamond A-B-C + A-D-C: killing the relay in use reroutes pings within 10 s", async () => {
  const lab = await Lab.create({ family: "svmdpd" });
  const mesh = new Mesh(lab);
  try {
    await lab.diamond({}, ["A", "B", "C", "D"]);
    for (const n of ["A", "B", "C", "D"]) await mesh.start(n);
    const c = mesh.daemons.get("C")!;
    const relays = new Map([[mesh.daemons.get("B")!.sid, "B"], [mesh.daemons.get("D")!.sid, "D"]]);
    await waitUntil(async () => {
      const r = (await mesh.routes("A")).get(c.sid);
      return r !== undefined && r[0] === "INDIRECT" && relays.has(r[2]!);
    }, 10_000, "A routes to C");
    await waitUntil(async () => (await ping(mesh, "A", c.sid, 1, ["--timeout=0.5"])).received === 1, 10_000, "first ping A->C", 0);
    const via = relays.get((await mesh.routes("A")).get(c.sid)![2]!)!;
    const other = via === "B" ? "D" : "B";
    const otherSid = mesh.daemons.get(other)!.sid;
    const killedAt = Date.now();
    await mesh.stop(via);
    await waitUntil(async () => {
      const r = await ping(mesh, "A", c.sid, 1, ["--timeout=0.5"]);
      return r.received === 1;
    }, 10_000, `ping A->C after killing ${via}`, 0);
    const ms = Date.now() - killedAt;
    console.log(`    killed ${via}: pings answered again after ${ms} ms`);
    const r = (await mesh.routes("A")).get(c.sid)!;
    assert.equal(r, ["INDIRECT", "", otherSid, ""]);
    assert.is((await ping(mesh, "A", c.sid, 5, ["--interval=0.2"])).received, 5);
  } finally {
    await mesh.cleanup();
    await lab.cleanup();
  }
});

test.run();
