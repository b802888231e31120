// KNOWN FAILING (issue 4), about 3 runs in 4: the TCP client behind
// `msp connect --forward` is killed mid-stream; the connect side reports
// "closed suddenly" but the listener (the sender of the stream) never hears
// the STOP and exits 1 after "MSP socket timed out". Serval DNA's terminate
// test. Run with `make test-known-failing`; move it back into
// test/integration/tunnel-forward.test.ts once it passes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { exitWithin, MeshLine, meshLine, msp, randomFile, SERVALD, tcpPeer, tmpPath, textFile, mspListener, mspForwarder } from "../helpers/mesh";

let L: MeshLine;
let A: string; // listening end
let B: string; // connecting end
let sidA: string;




const text = (name: string, s: string) => textFile(L, name, s);
const listener = (args: string[], io: Parameters<typeof msp>[3] = {}) => mspListener(L, A, args, io);
const connector = (args: string[]) => mspForwarder(L, B, args);

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  L = await meshLine("svtun5", 2);
  [A, B] = [L.nodes[0]!, L.nodes[1]!];
  sidA = L.sids[0]!;
});

test.after(async () => { await L?.close(); });

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
