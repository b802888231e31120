// `servald start` returns only once the daemon is ready: a client command run
// right after it succeeds (20 times in a row); a daemon that cannot start makes
// `start` exit non-zero with the daemon's own error, leaving no pid file.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");
const inst = mkdtempSync(join(tmpdir(), "svh12-ready-"));
const env = { ...process.env, SERVALINSTANCE_PATH: inst };
const run = (...args: string[]) => spawnSync(SERVALD, args, { encoding: "utf8", env, timeout: 20_000 });
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const started: number[] = [];

test.after(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  rmSync(inst, { recursive: true, force: true });
});

test("start && id self succeeds immediately, 20 times in a row", () => {
  for (let i = 0; i < 20; i++) {
    const s = run("start");
    assert.is(s.status, 0, `round ${i}: ${s.stderr}`);
    const pid = Number(/^pid:(\d+)$/m.exec(s.stdout)?.[1]);
    started.push(pid);
    const id = run("id", "self");
    assert.is(id.status, 0, `round ${i}: ${id.stderr}`);
    assert.match(id.stdout, /^[0-9A-F]{64}$/m);
    const stop = run("stop");
    assert.is(stop.status, 0, stop.stderr);
    assert.not.ok(alive(pid));
  }
});

test("a daemon that cannot start: start exits 1 with its error, no pid file", () => {
  writeFileSync(join(inst, "serval.keyring"), new Uint8Array(100).fill(7));
  const s = run("start");
  assert.is(s.status, 1);
  assert.match(s.stderr, /^servald: daemon failed to start: mesh: keyring .*serval\.keyring is damaged .*\(log .*servald\.log\)\n$/);
  assert.not.ok(existsSync(join(inst, "servald.pid")));
  assert.is(run("status").status, 3);
});

test("start rotates a log over 256 KB to servald.log.1", () => {
  rmSync(join(inst, "serval.keyring"), { force: true });
  const logFile = join(inst, "servald.log");
  const big = "INFO: filler line\n".repeat(Math.ceil(256 * 1024 / 18) + 10);
  writeFileSync(logFile, big);
  const s = run("start");
  assert.is(s.status, 0, s.stderr);
  started.push(Number(/^pid:(\d+)$/m.exec(s.stdout)?.[1]));
  assert.is(run("stop").status, 0);
  assert.is(readFileSync(logFile + ".1", "utf8"), big);
  assert.ok(statSync(logFile).size < 4096);
  assert.match(readFileSync(logFile, "utf8"), /^INFO: servald started/m);
  // under the cap: appended, not rotated
  const s2 = run("start");
  assert.is(s2.status, 0, s2.stderr);
  started.push(Number(/^pid:(\d+)$/m.exec(s2.stdout)?.[1]));
  assert.is(run("stop").status, 0);
  assert.is(readFileSync(logFile, "utf8").match(/servald started/g)?.length, 2);
  assert.is(readFileSync(logFile + ".1", "utf8"), big);
});

test.run();
