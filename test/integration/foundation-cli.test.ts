// Foundation: the servald command line of the real binary (help, version,
// usage errors: one line on stderr, exit 2, never a stack trace).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const root = process.env.SERVAL_REPO ?? resolve(new URL("../..", import.meta.url).pathname);
const SERVALD = resolve(root, "out/servald");
const run = (...args: string[]) => spawnSync(SERVALD, args, { encoding: "utf8", timeout: 10_000 });

test("version: package version, engine version, build id", () => {
  const r = run("version");
  assert.is(r.status, 0, r.stderr);
  const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { version: string };
  const lines = r.stdout.split("\n");
  assert.is(lines[0], `servald ${pkg.version}`);
  assert.match(lines[1]!, /^engine quickjs-ng \d+\.\d+\.\d+ \(Debian qjs-src [^)]+\)$/);
  assert.match(lines[2]!, /^build [0-9a-f]{4,}(-dirty)?$/);
  assert.is(r.stderr, "");
});

test("help lists the commands but not the hidden test hooks; no arguments = help", () => {
  const r = run("help");
  assert.is(r.status, 0);
  assert.match(r.stdout, /servald version +show servald version/);
  assert.match(r.stdout, /servald help/);
  assert.not.match(r.stdout, /selftest/);
  assert.is(run().stdout, r.stdout);
});

test("unknown command: one line on stderr with a hint, exit 2", () => {
  const r = run("frobnicate", "now");
  assert.is(r.status, 2);
  assert.is(r.stdout, "");
  assert.is(r.stderr, "servald: unknown command 'frobnicate now' (try 'servald help')\n");
});

test("bad options and arguments: one line, exit 2", () => {
  assert.is(run("version", "--verbose").stderr, "servald: unknown option --verbose (try 'servald help')\n");
  assert.is(run("version", "extra").stderr, "servald: unexpected argument 'extra' (try 'servald help')\n");
  const r = run("selftest", "udp-send", "--port=x", "--to=127.0.0.1", "--msg=a");
  assert.is(r.status, 2);
  assert.is(r.stderr, "servald: --port must be an integer, not 'x' (try 'servald help')\n");
});

test.run();
