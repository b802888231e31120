// `servald msp listen|connect` over stdin/stdout between two daemons in
// namespaces (one link): the stdio cases of Serval DNA's tests/msp, plus the
// pipe half-close case where Serval DNA itself loses data. One mesh for the file.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { exitWithin, MeshLine, meshLine, msp, randomFile, SERVALD, sha256File, tmpPath, textFile, mspListener } from "../helpers/mesh";

let L: MeshLine;
let A: string; // listener node and its SID
let B: string; // connecting node
let sidA: string;

const GRACEFUL = / Connection with [0-9A-F]{64}:\d+ closed gracefully$/m;
const SUDDENLY = / Connection with [0-9A-F]{64}:\d+ closed suddenly$/m;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));



const text = (name: string, s: string) => textFile(L, name, s);
const listener = (args: string[], io: Parameters<typeof msp>[3] = {}) => mspListener(L, A, args, io);

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  L = await meshLine("svtun1", 2);
  [A, B] = [L.nodes[0]!, L.nodes[1]!];
  sidA = L.sids[0]!;
});

test.after(async () => { await L?.close(); });

test("hello both ways", async () => {
  const ls = await listener(["512"], { stdin: text("hs.in", "Hello from the server\n"), stdout: tmpPath(L.mesh, "hs.out") });
  const c = msp(L, B, ["connect", sidA, "512"], { stdin: text("hc.in", "Hello from the client\n"), stdout: tmpPath(L.mesh, "hc.out") });
  const rc = await exitWithin(c, 20_000, "connect");
  const rl = await exitWithin(ls, 20_000, "listen");
  assert.is(rc.code, 0, c.stderr);
  assert.is(rl.code, 0, ls.stderr);
  assert.is(readFileSync(tmpPath(L.mesh, "hc.out"), "utf8"), "Hello from the server\n");
  assert.is(readFileSync(tmpPath(L.mesh, "hs.out"), "utf8"), "Hello from the client\n");
  assert.match(c.stderr, GRACEFUL);
  assert.match(ls.stderr, GRACEFUL);
});

test("client sends nothing: 64 KB from the server arrive byte-identical", async () => {
  const data = randomFile(L.mesh, "cnd.in", 64 * 1024);
  const ls = await listener(["513"], { stdin: data });
  const c = msp(L, B, ["connect", sidA, "513"], { stdout: tmpPath(L.mesh, "cnd.out") });
  assert.is((await exitWithin(c, 20_000, "connect")).code, 0, c.stderr);
  assert.is((await exitWithin(ls, 20_000, "listen")).code, 0, ls.stderr);
  assert.is(sha256File(tmpPath(L.mesh, "cnd.out")), sha256File(data));
  assert.match(c.stderr, GRACEFUL);
  assert.match(ls.stderr, GRACEFUL);
});

test("server sends nothing: 64 KB from the client arrive byte-identical", async () => {
  const data = randomFile(L.mesh, "snd.in", 64 * 1024);
  const ls = await listener(["514"], { stdout: tmpPath(L.mesh, "snd.out") });
  const c = msp(L, B, ["connect", sidA, "514"], { stdin: data });
  assert.is((await exitWithin(c, 20_000, "connect")).code, 0, c.stderr);
  assert.is((await exitWithin(ls, 20_000, "listen")).code, 0, ls.stderr);
  assert.is(sha256File(tmpPath(L.mesh, "snd.out")), sha256File(data));
  assert.match(c.stderr, GRACEFUL);
  assert.match(ls.stderr, GRACEFUL);
});

test("no loss on half-close: cat 1 MiB | msp connect (stdin a pipe)", async () => {
  const data = randomFile(L.mesh, "pipe.in", 1 << 20);
  const out = tmpPath(L.mesh, "pipe.out");
  const ls = await listener(["515"], { stdout: out });
  const c = msp(L, B, ["connect", sidA, "515"], { stdinCmd: `cat '${data}'` });
  assert.is((await exitWithin(c, 60_000, "connect")).code, 0, c.stderr);
  assert.is((await exitWithin(ls, 20_000, "listen")).code, 0, ls.stderr);
  assert.is(readFileSync(out).length, 1 << 20);
  assert.is(sha256File(out), sha256File(data));
});

test("an idle connection stays up for 20 s", async () => {
  const ls = await listener(["516"], { stdinCmd: "echo START; sleep 20; echo END", stdout: tmpPath(L.mesh, "idle-l.out") });
  const c = msp(L, B, ["connect", sidA, "516"], { stdinCmd: "echo START; sleep 20; echo END", stdout: tmpPath(L.mesh, "idle-c.out") });
  const rc = await exitWithin(c, 40_000, "connect");
  const rl = await exitWithin(ls, 10_000, "listen");
  assert.is(rc.code, 0, c.stderr);
  assert.is(rl.code, 0, ls.stderr);
  assert.is(readFileSync(tmpPath(L.mesh, "idle-l.out"), "utf8"), "START\nEND\n");
  assert.is(readFileSync(tmpPath(L.mesh, "idle-c.out"), "utf8"), "START\nEND\n");
  assert.ok(rc.ms >= 19_000, `connect exited after ${rc.ms} ms`);
  assert.match(c.stderr, GRACEFUL);
  assert.match(ls.stderr, GRACEFUL);
});

test("listener's TCP port refused: listen reports it, connect reports closed suddenly", async () => {
  const ls = await listener(["--once", "--forward=4001", "517"]);
  const c = msp(L, B, ["connect", sidA, "517"], { stdin: text("ref.in", "Hello\n") });
  await exitWithin(c, 20_000, "connect");
  const rl = await exitWithin(ls, 20_000, "listen");
  assert.is(rl.code, 0, ls.stderr);
  assert.match(ls.stderr, /Connection refused/);
  assert.match(c.stderr, SUDDENLY);
});

test("msp connect killed (SIGTERM) mid-stream: both ends report closed suddenly", async () => {
  const ls = await listener(["518"], { stdin: "/dev/zero", stdout: tmpPath(L.mesh, "kill-l.out") });
  const out = tmpPath(L.mesh, "kill-c.out");
  const c = msp(L, B, ["connect", sidA, "518"], { stdin: "/dev/zero", stdout: out });
  const t0 = Date.now();
  while (Date.now() - t0 < 10_000 && !(existsSync(out) && statSync(out).size > 100_000)) await sleep(100);
  assert.ok(statSync(out).size > 100_000, "data flowing before the kill");
  process.kill(c.pid, "SIGTERM");
  await exitWithin(c, 5_000, "killed connect");
  // Its STOP normally ends the listener's stream within milliseconds; a lost
  // STOP (datagrams are not retransmitted) leaves the 10 s stream timeout.
  const rl = await exitWithin(ls, 15_000, "listen after the peer was killed");
  console.log(`    listener ended ${rl.ms} ms after the connecting process`);
  assert.match(c.stderr, SUDDENLY);
  assert.ok(SUDDENLY.test(ls.stderr) || /MSP socket timed out/.test(ls.stderr), ls.stderr);
});

test("connect to an unreachable SID exits 1 within 20 s", async () => {
  const sid = randomBytes(32).toString("hex").toUpperCase();
  const c = msp(L, B, ["connect", sid, "519"], { stdin: text("unr.in", "Hello\n") });
  const r = await exitWithin(c, 20_000, "connect to nowhere");
  assert.is(r.code, 1, c.stderr);
  console.log(`    exited 1 after ${r.ms} ms: ${c.stderr.trim().split("\n").pop()}`);
});

test.run();
