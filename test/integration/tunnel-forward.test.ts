// The TCP side of the tunnel between two daemons in namespaces (one link):
// `msp connect --forward` against a stdio listener, a TCP tunnel with
// --forward on both ends (Serval DNA's forward / tcp_tunnel tests), and an
// upload the server answers and half-closes while the client is still sending
// (no byte may be lost), and a TCP client killed mid-stream (Serval DNA's
// terminate test: both msp processes must end cleanly).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { exitWithin, MeshLine, meshLine, msp, peerResult, randomFile, SERVALD, sha256File, tcpPeer, tmpPath, textFile, mspListener, mspForwarder } from "../helpers/mesh";

let L: MeshLine;
let A: string; // listening end
let B: string; // connecting end
let sidA: string;
const GRACEFUL = / Connection with [0-9A-F]{64}:\d+ closed gracefully$/m;




const text = (name: string, s: string) => textFile(L, name, s);
const listener = (args: string[], io: Parameters<typeof msp>[3] = {}) => mspListener(L, A, args, io);
const connector = (args: string[]) => mspForwarder(L, B, args);

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  L = await meshLine("svtun2", 2);
  [A, B] = [L.nodes[0]!, L.nodes[1]!];
  sidA = L.sids[0]!;
});

test.after(async () => { await L?.close(); });

test("--forward on the connecting end: a TCP client talks to a stdio listener", async () => {
  const ls = await listener(["512"], { stdin: text("f.in", "Hello from the server\n"), stdout: tmpPath(L.mesh, "f.out") });
  const c = await connector(["--once", "--forward=2048", sidA, "512"]);
  const cl = tcpPeer(L, B, ["client", "2048", text("fc.in", "Hello from the client\n"), tmpPath(L.mesh, "fc.out")]);
  assert.is((await exitWithin(cl, 20_000, "tcp client")).code, 0, cl.stdout + cl.stderr);
  assert.is((await exitWithin(c, 20_000, "connect")).code, 0, c.stderr);
  assert.is((await exitWithin(ls, 20_000, "listen")).code, 0, ls.stderr);
  assert.is(readFileSync(tmpPath(L.mesh, "fc.out"), "utf8"), "Hello from the server\n");
  assert.is(readFileSync(tmpPath(L.mesh, "f.out"), "utf8"), "Hello from the client\n");
  assert.match(c.stderr, GRACEFUL);
  assert.match(ls.stderr, GRACEFUL);
});

test("TCP tunnel: --forward on both ends", async () => {
  const srv = tcpPeer(L, A, ["serve", "6001", "Hello from the server\\n", tmpPath(L.mesh, "t-srv.out")]);
  await srv.waitFor(/^listening/m);
  const ls = await listener(["--once", "--forward=6001", "513"]);
  const c = await connector(["--once", "--forward=6002", sidA, "513"]);
  const cl = tcpPeer(L, B, ["client", "6002", text("t.in", "Hello from the client\n"), tmpPath(L.mesh, "t-cl.out")]);
  assert.is((await exitWithin(cl, 20_000, "tcp client")).code, 0, cl.stdout + cl.stderr);
  assert.is((await exitWithin(srv, 20_000, "tcp server")).code, 0, srv.stdout + srv.stderr);
  assert.is((await exitWithin(c, 20_000, "connect")).code, 0, c.stderr);
  assert.is((await exitWithin(ls, 20_000, "listen")).code, 0, ls.stderr);
  assert.is(readFileSync(tmpPath(L.mesh, "t-cl.out"), "utf8"), "Hello from the server\n");
  assert.is(readFileSync(tmpPath(L.mesh, "t-srv.out"), "utf8"), "Hello from the client\n");
  assert.match(c.stderr, GRACEFUL);
  assert.match(ls.stderr, GRACEFUL);
});

test("upload answered and half-closed by the server while the client still sends: every byte arrives", async () => {
  const data = randomFile(L.mesh, "up.in", 1 << 20);
  // the server answers after the first 64 KB and shuts its sending side, then keeps reading
  const srv = tcpPeer(L, A, ["serve", "6011", "HTTP/1.0 200 OK\\n\\nthanks\\n", tmpPath(L.mesh, "up-srv.out"), String(64 * 1024)]);
  await srv.waitFor(/^listening/m);
  const ls = await listener(["--once", "--forward=6011", "515"]);
  const c = await connector(["--once", "--forward=6012", sidA, "515"]);
  const cl = tcpPeer(L, B, ["client", "6012", data, tmpPath(L.mesh, "up-cl.out")]);
  assert.is((await exitWithin(srv, 60_000, "tcp server")).code, 0, srv.stdout + srv.stderr);
  assert.is((await exitWithin(cl, 20_000, "tcp client")).code, 0, cl.stdout + cl.stderr);
  assert.is((await exitWithin(c, 20_000, "connect")).code, 0, c.stderr);
  assert.is((await exitWithin(ls, 20_000, "listen")).code, 0, ls.stderr);
  const got = peerResult(srv);
  assert.is(got.received, 1 << 20);
  assert.is(got.sha256, sha256File(data));
  assert.is(readFileSync(tmpPath(L.mesh, "up-cl.out"), "utf8"), "HTTP/1.0 200 OK\n\nthanks\n");
  // the answer really went out before the upload was complete
  assert.ok(readFileSync(tmpPath(L.mesh, "up-srv.out")).length === 1 << 20);
});

test("TCP client killed mid-stream: both msp processes end and exit 0", async () => {
  const data = randomFile(L.mesh, "term.in", 4 << 20);
  const ls = await listener(["514"], { stdin: data });
  const c = await connector(["--once", "--forward=3001", sidA, "514"]);
  // reads 64 KB of the server's stream, then dies by SIGKILL
  const cl = tcpPeer(L, B, ["client", "3001", text("term-c.in", ""), tmpPath(L.mesh, "term.out"), String(64 * 1024)]);
  const rcl = await exitWithin(cl, 20_000, "tcp client");
  assert.is(rcl.signal, "SIGKILL", cl.stdout);
  const rc = await exitWithin(c, 20_000, "connect");
  const rl = await exitWithin(ls, 20_000, "listen");
  console.log(`    connect: ${c.stderr.trim().split("\n").pop()}; listen: ${ls.stderr.trim().split("\n").pop()}`);
  assert.is(rc.code, 0, c.stderr);
  assert.is(rl.code, 0, ls.stderr);
  assert.match(c.stderr, /closed (gracefully|suddenly)$/m);
  assert.match(ls.stderr, /closed (gracefully|suddenly)$/m);
});

test.run();
