// Issue 13, items 3 and 4 (daemon half): one daemon per instance, and start
// failures that say what is wrong. Real `servald` processes on temporary
// instances with no interfaces (nothing touches the network); the full and
// read-only run directories are tiny tmpfs mounts inside a private mount
// namespace (unshare -m), gone when that shell exits.
// SERVAL_FAULT_SCALE=5 runs the must-show 50 racing pairs (CI: 10).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVALD } from "../integration/mdp-helpers";
import { faultCount } from "./kit";

const PAIRS = faultCount(10);
const base = mkdtempSync(join(tmpdir(), "svfstart-"));
let n = 0;

function instance(conf = ""): string {
  const dir = join(base, `i${n++}`);
  spawnSync("mkdir", ["-p", dir]);
  writeFileSync(join(dir, "serval.conf"), conf);
  return dir;
}

const env = (dir: string, extra: Record<string, string> = {}) => ({ ...process.env, SERVALINSTANCE_PATH: dir, SERVAL_RUN_PATH: dir, ...extra });

interface Run { code: number | null; stdout: string; stderr: string }

function run(dir: string, args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((res) => {
    const c = spawn(SERVALD, args, { env: env(dir, extra) });
    let stdout = "", stderr = "";
    c.stdout.on("data", (d) => { stdout += d; });
    c.stderr.on("data", (d) => { stderr += d; });
    c.on("close", (code) => res({ code, stdout, stderr }));
  });
}

/** Pids of live servald processes whose environment names this instance. */
function daemons(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (!readFileSync(`/proc/${e}/cmdline`, "latin1").startsWith(SERVALD)) continue;
      if (readFileSync(`/proc/${e}/environ`, "latin1").split("\0").includes(`SERVALINSTANCE_PATH=${dir}`)) out.push(Number(e));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

test.after(() => {
  for (const d of readdirSync(base)) for (const pid of daemons(join(base, d))) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
  rmSync(base, { recursive: true, force: true });
});

test.before(() => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
});

test(`${PAIRS} racing pairs of 'servald start': exactly one daemon each time, the other start says "already running" (exit 10); stop stops it`, async () => {
  const dir = instance();
  assert.is((await run(dir, ["keyring", "add"])).code, 0);
  const codes: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [x, y] = await Promise.all([run(dir, ["start"]), run(dir, ["start"])]);
    const pair = [x, y].sort((p, q) => (p.code ?? 99) - (q.code ?? 99));
    codes.push(`${pair[0]!.code}/${pair[1]!.code}`);
    assert.equal([pair[0]!.code, pair[1]!.code], [0, 10], `pair ${i}: ${JSON.stringify(pair)}`);
    assert.match(pair[1]!.stderr, /^servald: already running \((pid \d+|starting); instance /);
    const live = daemons(dir);
    assert.is(live.length, 1, `pair ${i}: daemons ${live}`);
    assert.match(pair[0]!.stdout, new RegExp(`pid:${live[0]}\\n`));
    const stop = await run(dir, ["stop"]);
    assert.is(stop.code, 0, stop.stderr);
    assert.equal(daemons(dir), [], `pair ${i}: stopped`);
  }
  console.log(`    ${PAIRS} pairs: ${codes.join(" ")}`);
});

test("'start foreground' beside a running daemon: exit 10; 'stop' finds the daemon through the lock when its pid file is gone", async () => {
  const dir = instance();
  assert.is((await run(dir, ["start"])).code, 0);
  const fg = await run(dir, ["start", "foreground"]);
  assert.is(fg.code, 10, fg.stderr);
  rmSync(join(dir, "servald.pid"));
  assert.equal((await run(dir, ["status"])).code, 0, "status still sees it (lock file)");
  const stop = await run(dir, ["stop"]);
  assert.is(stop.code, 0, stop.stderr);
  assert.equal(daemons(dir), []);
  assert.is((await run(dir, ["stop"])).code, 1, "nothing left to stop");
});

test(`kill -9 of the daemon, ${faultCount(5)} times: the next start works at once (the lock dies with it), same identity`, async () => {
  const dir = instance();
  const sid = /sid:([0-9A-F]{64})/.exec((await run(dir, ["keyring", "add"])).stdout)?.[1];
  assert.ok(sid);
  for (let i = 0; i < faultCount(5); i++) {
    const st = await run(dir, ["start"]);
    assert.is(st.code, 0, `start ${i}: ${st.stderr}`);
    const pid = Number(/pid:(\d+)/.exec(st.stdout)?.[1]);
    process.kill(pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(daemons(dir), []);
    assert.ok(existsSync(join(dir, "servald.pid")), "a stale pid file is left behind");
  }
  const st = await run(dir, ["start"]);
  assert.is(st.code, 0, st.stderr);
  assert.match((await run(dir, ["id", "self"])).stdout, new RegExp(sid!));
  assert.is((await run(dir, ["stop"])).code, 0);
});

test("bad config lines: start says file:line:reason on stderr, one line each, exit 2, no daemon (garbage, NUL, invalid UTF-8, a 5 MB line)", async () => {
  const dir = instance();
  const conf = join(dir, "serval.conf");
  writeFileSync(conf, "interfaces.1.match=eth0\n\u0001\u0002garbage\nserver.motd=a\0b\nx\xff=1\ndebug.msp=perhaps\nserver.motd=", "latin1");
  appendFileSync(conf, `${"a".repeat(5 * 1024 * 1024)}\n`);
  for (const args of [["start"], ["start", "foreground"]]) {
    const r = await run(dir, args);
    assert.is(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.map((l) => l.replace(/ \(.*$/, "")), [
      `servald: ${conf}:2: malformed configuration line`,
      `servald: ${conf}:3: NUL byte at column 14`,
      `servald: ${conf}:4: not UTF-8 text`,
      `servald: ${conf}:5: bad value 'perhaps' for debug.msp: expected boolean: one of true, false, yes, no, on, off, 1, 0`,
      `servald: ${conf}:6: file too large`,
    ], r.stderr);
    assert.equal(daemons(dir), []);
  }
  // config get/set still work on it (warnings), and a good file starts.
  writeFileSync(conf, "interfaces.1.match=nonesuch*\n");
  const ok = await run(dir, ["start"]);
  assert.is(ok.code, 0, ok.stderr);
  assert.is((await run(dir, ["stop"])).code, 0);
});

/** Runs a shell script in a private mount namespace (its mounts vanish with it). */
function inMountNs(script: string): { code: number | null; out: string } {
  const r = spawnSync("unshare", ["-m", "sh", "-c", `mount --make-rprivate / && ${script}`], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("resource errors name themselves: full run directory (ENOSPC), read-only (EROFS), no permission (EACCES), too many open files (EMFILE)", async () => {
  const probe = spawnSync("unshare", ["-m", "true"]);
  assert.is(probe.status, 0, "unshare -m (util-linux, root) is needed for the tmpfs cases");
  const dir = instance();
  const mnt = join(dir, "run");
  spawnSync("mkdir", ["-p", mnt]);
  const e = `SERVALINSTANCE_PATH=${dir} SERVAL_RUN_PATH=${mnt}`;
  assert.is((await run(dir, ["keyring", "add"])).code, 0);
  const full = inMountNs(`mount -t tmpfs -o size=16k tmpfs ${mnt} && (head -c 1000000 /dev/zero > ${mnt}/fill 2>/dev/null; true) && ${e} ${SERVALD} start; echo "rc=$?"`);
  console.log(`    full: ${full.out.trim()}`);
  assert.match(full.out, /servald: daemon failed to start: .*No space left on device \(ENOSPC\)/);
  assert.match(full.out, /rc=1/);
  const ro = inMountNs(`mount -t tmpfs -o size=16k,ro tmpfs ${mnt} && ${e} ${SERVALD} start; echo "rc=$?"`);
  console.log(`    read-only: ${ro.out.trim()}`);
  assert.match(ro.out, /servald: cannot lock .*servald\.lock: Read-only file system \(EROFS\)/);
  const acc = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", SERVALD, "start"], { env: env(dir, { SERVAL_RUN_PATH: join(dir, "nobody-run") }), encoding: "utf8" });
  console.log(`    non-root: ${acc.stderr.trim()}`);
  assert.match(acc.stderr, /Permission denied \(EACCES\)/);
  const mf = spawnSync("prlimit", ["--nofile=6", SERVALD, "start"], { env: env(dir), encoding: "utf8" });
  console.log(`    nofile=6: ${mf.stderr.trim()}`);
  assert.match(mf.stderr, /Too many open files \(EMFILE\)/);
  for (const out of [full.out, ro.out, acc.stderr, mf.stderr]) assert.not.match(out, /no error logged/);
  assert.equal(daemons(dir), []);
  assert.is(spawnSync("sh", ["-c", `mount | grep -c ' ${mnt} '`], { encoding: "utf8" }).stdout.trim(), "0", "no mount left behind");
});

test("a killed 'config set' leaves no temp file once the next 'config set' or 'start' runs", async () => {
  const dir = instance("interfaces.1.match=nonesuch*\n");
  const kills = 20;
  for (let i = 0; i < kills; i++) {
    const c = spawn(SERVALD, ["config", "set", "server.motd", `kill ${i}`], { env: env(dir) });
    const closed = new Promise((r) => c.on("close", r)); // (it may finish before the kill)
    await new Promise((r) => setTimeout(r, 2 + (i * 7) % 30));
    c.kill("SIGKILL");
    await closed;
  }
  // A temp file as a kill during the write leaves it (a pid that has exited).
  const dead = spawnSync("true").pid!;
  writeFileSync(join(dir, `serval.conf.tmp${dead}`), "half a file");
  writeFileSync(join(dir, `serval.keyring.tmp${dead}`), "half a keyring");
  const temps = () => readdirSync(dir).filter((f) => /\.tmp\d+$/.test(f));
  assert.ok(temps().length >= 1);
  assert.is((await run(dir, ["config", "set", "server.motd", "after"])).code, 0);
  assert.equal(temps().filter((f) => f.startsWith("serval.conf")), [], "config set removed the stale config temps");
  const st = await run(dir, ["start"]);
  assert.is(st.code, 0, st.stderr);
  assert.equal(temps(), [], "start removed the rest");
  assert.match(readFileSync(join(dir, "servald.log"), "utf8"), /removed .*serval\.keyring\.tmp\d+ \(left by a killed rewrite\)/);
  assert.match((await run(dir, ["config", "get", "server.motd"])).stdout, /server\.motd=after/);
  assert.is((await run(dir, ["stop"])).code, 0);
});

test.run();
