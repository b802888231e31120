// The protocol clock of the real binary is an int32 whatever the system's
// uptime (issue 11): CLOCK_MONOTONIC in ms passes 2^31 after 24.8 days of
// router uptime, and every `now` would then be a float64 to the engine (on
// an FPU-less 24Kc, every comparison and subtraction of times a soft-float
// call). Run in a time namespace (unshare -T, Linux >= 5.6) whose monotonic
// clock is 24.85 days: `selftest clock` prints the clock the protocol code gets.
// And the other end: a router starts servald seconds after boot, when
// CLOCK_MONOTONIC is below the clock's 1e6 ms start (a bug froze the clock
// then for the first 16.7 minutes of uptime: no timer ever came due, a 1 ms
// poll loop, no packet sent); two daemons "just booted" must mesh.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { readFileSync } from "node:fs";
import { Lab } from "../lab/index";
import { Mesh, ping, waitUntil } from "./mdp-helpers";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");
const PAST_LIMIT_S = 2147490; // 2^31 ms is 2147483.6 s

// (/proc/uptime is no probe: it follows the boot-time clock, not the monotonic one.)
const probe = spawnSync("unshare", ["-T", "--monotonic", String(PAST_LIMIT_S), "cat", "/proc/self/timens_offsets"], { encoding: "utf8" });
const haveTimeNs = probe.status === 0 && new RegExp(`^monotonic\\s+${PAST_LIMIT_S}\\s`, "m").test(probe.stdout);
/** True (and says so) when this kernel has no time namespaces to run the test in. */
function skippedWithoutTimeNs(): boolean {
  if (haveTimeNs) return false;
  console.log(`  SKIPPED: no time namespaces here (unshare -T --monotonic: ${probe.stderr.trim() || probe.stdout.trim()})`);
  return true;
}
/** unshare arguments for a time namespace whose monotonic clock reads `s` seconds (as `s` after boot). */
function bootedSecondsAgo(s: number): string[] {
  const up = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  return ["-T", "--monotonic", String(Math.floor(s - up))];
}
const CLOCK_LINE = /^now (\d+) int32 (true|false) advanced (\d+)$/m;

test("selftest clock: an int32 near its start, here", () => {
  const r = spawnSync(SERVALD, ["selftest", "clock"], { encoding: "utf8", timeout: 10_000 });
  assert.is(r.status, 0, r.stderr);
  const m = CLOCK_LINE.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.is(m![2], "true");
  assert.ok(Number(m![1]) < 10_000_000, `clock starts at ${m![1]} ms`);
  assert.ok(Number(m![3]) >= 95, `the clock moved ${m![3]} ms over a 100 ms timer`);
});

test("selftest clock: still an int32 when the system's monotonic clock is past 2^31 ms", () => {
  if (skippedWithoutTimeNs()) return;
  const r = spawnSync("unshare", ["-T", "--monotonic", String(PAST_LIMIT_S), SERVALD, "selftest", "clock"], { encoding: "utf8", timeout: 10_000 });
  assert.is(r.status, 0, r.stderr);
  const m = CLOCK_LINE.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.is(m![2], "true", `the clock is ${m![1]} ms: a float64 to the engine`);
  assert.ok(Number(m![3]) >= 95, `the clock moved ${m![3]} ms over a 100 ms timer`);
});

test("selftest clock: moves when the system booted 20 s ago", () => {
  if (skippedWithoutTimeNs()) return;
  const r = spawnSync("unshare", [...bootedSecondsAgo(20), SERVALD, "selftest", "clock"], { encoding: "utf8", timeout: 10_000 });
  assert.is(r.status, 0, r.stderr);
  const m = CLOCK_LINE.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m![3]) >= 95, `20 s after boot the clock moved ${m![3]} ms over a 100 ms timer`);
});

test("two daemons started 20 s after boot mesh and answer a ping", async () => {
  if (skippedWithoutTimeNs()) return;
  const lab = await Lab.create({ family: "svboot" });
  const mesh = new Mesh(lab);
  mesh.launchPrefix = ["unshare", ...bootedSecondsAgo(20)];
  try {
    await lab.line(["A", "B"]);
    await mesh.start("A");
    const b = await mesh.start("B");
    const ms = await waitUntil(async () => (await ping(mesh, "A", b.sid, 1, ["--timeout=0.5"])).received === 1, 15_000, "A reaches B just after boot", 0);
    console.log(`    just after boot: A answered by B ${ms} ms after both started`);
    const peers = await mesh.peers("A");
    assert.ok(peers.includes(b.sid), `A's peers: ${peers.join(" ")}`);
  } finally {
    await mesh.cleanup();
    await lab.cleanup();
  }
});

test.run();
