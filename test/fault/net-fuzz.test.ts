// Network fuzz against a real daemon, seeded from live captures: two daemons
// in namespaces; on B a fuzzer captures the overlay broadcasts on the link,
// then sends A mutated copies for many seeds (test/fault/udp-fuzz.mjs) while
// B pings A. A must stay up with bounded memory and tables, and answer B
// throughout. (test/unit/mdp-fuzz.test.ts does the same in-process with the
// sans-I/O node.) SERVAL_FAULT_SCALE multiplies the seeds (CI: 20 x 500 packets).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Lab } from "../lab/index";
import { Daemon, Mesh, ping, procUsage, SERVALD, waitUntil } from "../integration/mdp-helpers";
import { faultCount, faultSeconds } from "./kit";

const FUZZ = resolve(process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname), "test/fault/udp-fuzz.mjs");
const SEEDS = faultCount(20);
const PER_SEED = 500;
/** 0 in CI (the seeds only); SERVAL_FAULT_SECONDS keeps fuzzing with further seeds that long. */
const SECONDS = faultSeconds(0);

let lab: Lab;
let mesh: Mesh;
let a: Daemon, b: Daemon;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  lab = await Lab.create({ family: "svffz" });
  await lab.line(["A", "B"]);
  mesh = new Mesh(lab);
  a = await mesh.start("A");
  b = await mesh.start("B");
  await waitUntil(async () => (await ping(mesh, "B", a.sid, 1, ["--timeout=1"])).received === 1, 20_000, "B reaches A");
});
test.after(async () => {
  await mesh?.cleanup();
  await lab?.cleanup();
});

test(`${SEEDS} seeds x ${PER_SEED} mutated captured packets to A: A stays up, memory and tables bounded, B's pings answered`, async () => {
  const addrs = (await lab.exec("B", "ip", ["-o", "-4", "addr", "show"])).stdout;
  const brd = /inet [\d.]+\/\d+ brd ([\d.]+)/.exec(addrs)?.[1];
  assert.ok(brd, addrs);
  const rss0 = procUsage(a.proc.pid).rssKb;
  const fuzz = lab.spawnNode("B", FUZZ, ["--bind", brd!, "--target", lab.addressOf("A", "B"), "--seeds", String(SEEDS), "--per-seed", String(PER_SEED), "--seconds", String(SECONDS)]);
  await fuzz.waitFor(/captured [1-9]/, { stream: "stdout", timeoutMs: 20_000 });
  const rounds: number[] = [];
  let peak = rss0;
  while (fuzz.running) {
    rounds.push((await ping(mesh, "B", a.sid, 5, ["--interval=0.2", "--timeout=2"])).received);
    peak = Math.max(peak, procUsage(a.proc.pid).rssKb);
    if (rounds.length > 5000) break;
  }
  const st = await fuzz.exited;
  const summary = JSON.parse(fuzz.stdout.trim().split("\n").pop() ?? "{}") as { captured: number; sent: number; seconds: number };
  const after = await ping(mesh, "B", a.sid, 5, ["--interval=0.2", "--timeout=2"]);
  const peers = await mesh.peers("A");
  console.log(`    fuzz: ${JSON.stringify(summary)}; ping rounds during it ${rounds.map((r) => `${r}/5`).join(" ")}, after ${after.received}/5; ` +
    `A's RSS ${rss0} -> peak ${peak} kB; A's peers ${peers.length}`);
  assert.is(st.code, 0, fuzz.stderr);
  assert.ok(summary.sent >= SEEDS * PER_SEED * 0.9, `sent ${summary.sent}`);
  assert.ok(a.proc.running, "A is alive");
  assert.is(after.received, 5, after.stdout);
  assert.ok(rounds.filter((r) => r === 5).length >= rounds.length - 1, `ping rounds ${rounds.join(" ")}`);
  assert.ok(peak - rss0 < 8 * 1024, `RSS grew ${peak - rss0} kB`);
  // neighbours are capped at 64 and routes near 1 024 (src/mdp): fake SIDs cannot grow the table beyond that
  assert.ok(peers.includes(b.sid) && peers.length <= 64 + 1024, `peers ${peers.length}`);
});

test.run();
