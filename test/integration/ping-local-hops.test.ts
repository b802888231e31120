// Real binary: `mdp ping broadcast` prints hops=64 for the node's own answer,
// as Serval DNA does (locally delivered datagrams keep the sender's TTL, 0 for
// the echo reply; see test/unit/ping-local-hops.test.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { MeshLine, meshLine, SERVALD } from "../helpers/mesh";

let L: MeshLine;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  L = await meshLine("svhops", 2);
});

test.after(async () => { await L?.close(); });

// --wait-for-duplicates: without it ping stops at the first answer to seq 1,
// which is the local one (a few ms), before the neighbour's can arrive.
test("mdp ping broadcast: own answer hops=64 ENCRYPTED SIGNED (as Serval DNA: default crypt flags), the neighbour answers too", async () => {
  const [a] = L.nodes;
  const [sidA, sidB] = L.sids;
  const r = await L.mesh.cli(a!, "mdp", "ping", "--timeout=1", "--wait-for-duplicates", "broadcast", "1");
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${sidA}: seq=1 time=\\d+ms hops=64 ENCRYPTED SIGNED$`, "m"), r.stdout);
  assert.match(r.stdout, new RegExp(`^${sidB}: seq=1 time=\\d+ms hops=\\d+ ENCRYPTED SIGNED$`, "m"));
});

test.run();
