// The protocol clock of the real binary is an int32 whatever the system's
// uptime (issue 11): CLOCK_MONOTONIC in ms passes 2^31 after 24.8 days of
// router uptime, and every `now` would then be a float64 to the engine (on
// an FPU-less 24Kc, every comparison and subtraction of times a soft-float
// call). Run in a time namespace (unshare -T, Linux >= 5.6) whose monotonic
// clock is 24.85 days: `selftest clock` prints the clock the protocol code gets.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");
const PAST_LIMIT_S = 2147490; // 2^31 ms is 2147483.6 s

const probe = spawnSync("unshare", ["-T", "--monotonic", String(PAST_LIMIT_S), "cat", "/proc/uptime"], { encoding: "utf8" });
const haveTimeNs = probe.status === 0 && Number(probe.stdout.split(" ")[0]) > PAST_LIMIT_S;

test("selftest clock: an int32 near its start, here", () => {
  const r = spawnSync(SERVALD, ["selftest", "clock"], { encoding: "utf8", timeout: 10_000 });
  assert.is(r.status, 0, r.stderr);
  const m = /^now (\d+) int32 (true|false)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.is(m![2], "true");
  assert.ok(Number(m![1]) < 10_000_000, `clock starts at ${m![1]} ms`);
});

test("selftest clock: still an int32 when the system's monotonic clock is past 2^31 ms", () => {
  if (!haveTimeNs) {
    console.log(`  SKIPPED: no time namespaces here (unshare -T --monotonic: ${probe.stderr.trim() || probe.stdout.trim()})`);
    return;
  }
  const r = spawnSync("unshare", ["-T", "--monotonic", String(PAST_LIMIT_S), SERVALD, "selftest", "clock"], { encoding: "utf8", timeout: 10_000 });
  assert.is(r.status, 0, r.stderr);
  const m = /^now (\d+) int32 (true|false)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.is(m![2], "true", `the clock is ${m![1]} ms: a float64 to the engine`);
});

test.run();
