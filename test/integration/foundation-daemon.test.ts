// Foundation: daemon lifecycle of the real binary in a temporary instance
// directory: config set/get/del, start (daemonised) / status / stop, start
// foreground with SIGHUP and SIGINT, stale pid files.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");
const inst = mkdtempSync(join(tmpdir(), "svfnd-daemon-"));
const env = { ...process.env, SERVALINSTANCE_PATH: inst };
const pidFile = join(inst, "servald.pid");
const run = (...args: string[]) => spawnSync(SERVALD, args, { encoding: "utf8", env, timeout: 20_000 });
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const started: number[] = [];

test.after(() => {
  for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  rmSync(inst, { recursive: true, force: true });
});

test("config set/get/del: Serval key=value file, mode 0600, checked keys and values", () => {
  assert.is(run("config", "set", "interfaces.0.match", "eth*,wlan0").status, 0);
  assert.is(run("config", "set", "log.console.level", "debug").status, 0);
  const file = join(inst, "serval.conf");
  assert.is(readFileSync(file, "utf8"), "interfaces.0.match=eth*,wlan0\nlog.console.level=debug\n");
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.is(run("config", "get", "interfaces.0.match").stdout, "interfaces.0.match=eth*,wlan0\n");
  assert.is(run("config", "get", "interfaces.0.port").status, 1);
  const bad = run("config", "set", "interfaces.0.port", "0");
  assert.is(bad.status, 2);
  assert.is(bad.stderr, "servald: bad value '0' for interfaces.0.port: expected integer 1..65535 (try 'servald help')\n");
  assert.is(run("config", "set", "no.such.key", "1").stderr, "servald: unknown config key 'no.such.key' (try 'servald help')\n");
  // a line this version does not understand survives a rewrite (with a warning)
  writeFileSync(file, readFileSync(file, "utf8") + "future.option=1\n");
  const set = run("config", "set", "debug.msp", "on");
  assert.is(set.status, 0);
  assert.match(set.stderr, /warning: .*serval.conf:3: unknown config key 'future.option'/);
  assert.is(run("config", "del", "interfaces.0.match").status, 0);
  assert.is(readFileSync(file, "utf8"), "log.console.level=debug\nfuture.option=1\ndebug.msp=on\n");
  // SERVAL_CONFIG_FILE overrides the location
  const other = join(inst, "other.conf");
  const r = spawnSync(SERVALD, ["config", "set", "debug.msp", "1"], { encoding: "utf8", env: { ...env, SERVAL_CONFIG_FILE: other } });
  assert.is(r.status, 0);
  assert.is(readFileSync(other, "utf8"), "debug.msp=1\n");
});

test("start daemonises, status reports it, a second start is refused, stop ends it", () => {
  const st0 = run("status");
  assert.is(st0.status, 3);
  assert.is(st0.stdout, `instancepath:${inst}\nstatus:stopped\n`);
  // start is strict (issue 13): the line `config set` kept above stops it, named, exit 2
  const refused = run("start");
  assert.is(refused.status, 2);
  assert.is(refused.stderr, `servald: ${join(inst, "serval.conf")}:2: unknown config key 'future.option'\n`);
  assert.is(run("config", "del", "future.option").status, 0);
  const s = run("start");
  assert.is(s.status, 0, s.stderr);
  const pid = Number(/^pid:(\d+)$/m.exec(s.stdout)?.[1]);
  started.push(pid);
  assert.ok(alive(pid));
  assert.is(readFileSync(pidFile, "utf8"), `${pid}\n`);
  const st = run("status");
  assert.is(st.status, 0);
  assert.is(st.stdout, `instancepath:${inst}\nstatus:running\npid:${pid}\n`);
  const again = run("start");
  assert.is(again.status, 10);
  assert.is(again.stderr, `servald: already running (pid ${pid}; instance ${inst})\n`);
  const fg = run("start", "foreground");
  assert.is(fg.status, 10);
  assert.is(fg.stderr, `servald: already running (pid ${pid}; instance ${inst})\n`);
  const stop = run("stop");
  assert.is(stop.status, 0, stop.stderr);
  assert.is(stop.stdout, `stopped pid:${pid}\n`);
  assert.not.ok(alive(pid));
  assert.not.ok(existsSync(pidFile));
  const log = readFileSync(join(inst, "servald.log"), "utf8");
  assert.match(log, new RegExp(`^INFO: servald started \\(pid ${pid}, instance ${inst}, services: `, "m"));
  assert.match(log, /^INFO: stopping on SIGTERM$/m);
  const stop2 = run("stop");
  assert.is(stop2.status, 1);
  assert.is(stop2.stderr, "servald: not running\n");
});

test("start foreground: refuses a bad config line (exit 2); logs to stderr, SIGHUP re-reads the config leniently, SIGINT exits 0", async () => {
  writeFileSync(join(inst, "serval.conf"), "log.console.level=info\ndebug.msp=perhaps\n");
  const bad = run("start", "foreground");
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /^servald: .*serval.conf:2: bad value 'perhaps' for debug.msp/);
  writeFileSync(join(inst, "serval.conf"), "log.console.level=info\n");
  const child = spawn(SERVALD, ["start", "foreground"], { env, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child.pid!);
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const until = async (re: RegExp) => {
    for (let i = 0; i < 200 && !re.test(err); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(err, re);
  };
  await until(/servald started/);
  assert.is(run("status").status, 0);
  writeFileSync(join(inst, "serval.conf"), "log.console.level=info\ndebug.msp=perhaps\n");
  child.kill("SIGHUP");
  await until(/SIGHUP: re-reading configuration/);
  await until(/^WARN: config: .*serval.conf:2: bad value 'perhaps' for debug.msp/m);
  assert.is(child.exitCode, null);
  child.kill("SIGINT");
  assert.is(await exited, 0);
  assert.match(err, /^INFO: stopping on SIGINT$/m);
  assert.not.ok(existsSync(pidFile));
});

test("a stale pid file (dead pid, or another program's pid) does not block start", () => {
  writeFileSync(join(inst, "serval.conf"), "");
  writeFileSync(pidFile, "999999\n");
  assert.is(run("status").status, 3);
  writeFileSync(pidFile, `${process.pid}\n`); // alive, but node, not servald
  assert.is(run("status").status, 3);
  const s = run("start");
  assert.is(s.status, 0, s.stderr);
  const pid = Number(/^pid:(\d+)$/m.exec(s.stdout)?.[1]);
  started.push(pid);
  assert.is(run("stop").status, 0);
  assert.not.ok(alive(pid));
});

test.run();
