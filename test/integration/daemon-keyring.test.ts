// The keyring as the daemon and the keyring commands see it: created
// owner-only on first start, listed as Serval DNA lists it, and a damaged
// file stops the daemon with a clear error instead of being replaced.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVALD } from "./mdp-helpers";

const base = mkdtempSync(join(tmpdir(), "svkr-"));
const env = (dir: string) => ({ ...process.env, SERVALINSTANCE_PATH: dir, SERVAL_RUN_PATH: dir });
const run = (dir: string, ...args: string[]) => spawnSync(SERVALD, args, { env: env(dir), encoding: "utf8", timeout: 20_000 });

test.after(() => rmSync(base, { recursive: true, force: true }));

/** Runs `start foreground` until it logs that it started (or exits); then SIGTERM. */
async function startAndStop(dir: string): Promise<{ code: number | null; stderr: string }> {
  const p = spawn(SERVALD, ["start", "foreground"], { env: env(dir), stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill("SIGKILL"), 15_000);
    p.stderr.on("data", (d) => {
      stderr += d;
      if (/servald started/.test(stderr)) p.kill("SIGTERM");
    });
    p.on("close", (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

test("first start creates a keyring with one identity, mode 0600; id self matches keyring list", async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  const dir = join(base, "fresh");
  mkdirSync(dir, { mode: 0o700 });
  const r = await startAndStop(dir);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /created keyring .*serval\.keyring with a new identity/);
  assert.is(statSync(join(dir, "serval.keyring")).mode & 0o777, 0o600);
  const list = run(dir, "keyring", "list");
  assert.is(list.status, 0, list.stderr);
  const rows = list.stdout.split("\n").slice(2).filter(Boolean);
  assert.is(rows.length, 1);
  assert.match(r.stderr, new RegExp(`primary SID ${rows[0]!.slice(0, 64)}`));
});

test("keyring add appends identities; the first stays primary", () => {
  const dir = join(base, "fresh");
  const before = run(dir, "keyring", "list").stdout.split("\n")[2]!;
  const add = run(dir, "keyring", "add");
  assert.is(add.status, 0, add.stderr);
  assert.match(add.stdout, /^sid:[0-9A-F]{64}\nidentity:[0-9A-F]{64}\n$/);
  const rows = run(dir, "keyring", "list").stdout.split("\n").slice(2).filter(Boolean);
  assert.is(rows.length, 2);
  assert.is(rows[0], before);
  assert.is(rows[1]!.slice(0, 64), /^sid:([0-9A-F]{64})/.exec(add.stdout)![1]);
});

test("a damaged keyring: the daemon refuses to start with a clear error, the file is untouched", async () => {
  const dir = join(base, "fresh");
  const file = join(dir, "serval.keyring");
  const bytes = new Uint8Array(readFileSync(file));
  bytes[20] ^= 0xff;
  writeFileSync(file, bytes);
  const r = await startAndStop(dir);
  assert.ok(r.code !== 0 && r.code !== null, `exit ${r.code}`);
  assert.match(r.stderr, /keyring .*serval\.keyring is damaged \(.*checksum.*\); not replacing it/);
  assert.equal(new Uint8Array(readFileSync(file)), bytes);
  const list = run(dir, "keyring", "list");
  assert.is(list.status, 1);
  assert.match(list.stderr, /is damaged/);
  // A truncated file is reported the same way.
  writeFileSync(file, bytes.subarray(0, 30));
  const t = await startAndStop(dir);
  assert.ok(t.code !== 0, `exit ${t.code}`);
  assert.match(t.stderr, /is damaged \(.*truncated/);
});

test.run();
