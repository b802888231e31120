// Idle cost of the daemon: RSS, CPU and control traffic per neighbour, measured
// on a 3-node line (B in the middle has two neighbours) after convergence.
// Bounds are generous sanity limits; the numbers go to BENCHMARKS.md.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { Lab } from "../lab/index";
import { Mesh, ping, procUsage, SERVALD, sleep, waitUntil } from "./mdp-helpers";

const IDLE_S = Number(process.env.MDP_IDLE_SECONDS ?? 30);

async function txBytes(lab: Lab, node: string, iface: string): Promise<number> {
  const r = await lab.exec(node, "cat", [`/sys/class/net/${iface}/statistics/tx_bytes`]);
  return Number(r.stdout.trim());
}

test(`idle 3-node line over ${IDLE_S} s: RSS, CPU, control bytes per neighbour`, async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  const lab = await Lab.create({ family: "svmdpi" });
  const mesh = new Mesh(lab);
  try {
    const { links } = await lab.line(["A", "B", "C"]);
    for (const n of ["A", "B", "C"]) await mesh.start(n);
    const c = mesh.daemons.get("C")!;
    await waitUntil(async () => (await ping(mesh, "A", c.sid, 1, ["--timeout=0.5"])).received === 1, 20_000, "A reaches C", 0);
    await sleep(3000); // let route adverts settle
    const pids = ["A", "B", "C"].map((n) => mesh.daemons.get(n)!.proc.pid);
    const cpu0 = pids.map((p) => procUsage(p).cpuMs);
    const ifs: [string, string][] = [["A", links[0]!.ifA], ["B", links[0]!.ifB], ["B", links[1]!.ifA], ["C", links[1]!.ifB]];
    const tx0 = await Promise.all(ifs.map(([n, i]) => txBytes(lab, n, i)));
    const t0 = Date.now();
    await sleep(IDLE_S * 1000);
    const secs = (Date.now() - t0) / 1000;
    const tx1 = await Promise.all(ifs.map(([n, i]) => txBytes(lab, n, i)));
    const usage = pids.map((p) => procUsage(p));
    const cpuPct = usage.map((u, i) => ((u.cpuMs - cpu0[i]!) / 10 / secs));
    // Each interface here has exactly one neighbour: bytes/s sent per neighbour (IP+UDP headers included).
    const perNeighbour = tx0.map((b, i) => (tx1[i]! - b) / secs);
    console.log(`    RSS kB A/B/C: ${usage.map((u) => u.rssKb).join(" / ")}`);
    console.log(`    CPU % A/B/C: ${cpuPct.map((x) => x.toFixed(2)).join(" / ")}`);
    console.log(`    tx bytes/s per neighbour (A->B, B->A, B->C, C->B): ${perNeighbour.map((x) => x.toFixed(0)).join(", ")}`);
    for (const u of usage) assert.ok(u.rssKb < 16 * 1024, `RSS ${u.rssKb} kB`);
    for (const b of perNeighbour) assert.ok(b > 0 && b < 4000, `control traffic ${b} B/s`);
    // Still routed after the idle period.
    assert.is((await ping(mesh, "A", c.sid, 2, ["--interval=0.2"])).received, 2);
  } finally {
    await mesh.cleanup();
    await lab.cleanup();
  }
});

test.run();
