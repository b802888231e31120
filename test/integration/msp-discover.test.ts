// `servald msp discover` against `msp listen --service=NAME` (service
// discovery, spec 8.8) on a 3-node line A-B-C in namespaces: the plain
// broadcast query crosses the relay B, C answers NAME.mdp.port=PORT.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { MeshLine, meshLine, msp, SERVALD } from "../helpers/mesh";
import type { LabProcess } from "../lab/index";

let L: MeshLine;
let A: string, B: string, C: string;
let sidA: string, sidC: string;
const listeners: LabProcess[] = [];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `msp listen --service=NAME --forward=TCP PORT` on node; resolves once it can answer. */
async function service(node: string, name: string, port: number): Promise<LabProcess> {
  const p = msp(L, node, ["listen", `--service=${name}`, "--forward=1", String(port)]);
  listeners.push(p);
  await p.waitFor(/Forwarding from port/, { stream: "stderr", timeoutMs: 3000 }).catch(() => undefined);
  await sleep(500); // the port-11 binding follows the log line
  return p;
}

function discover(node: string, ...args: string[]) {
  return L.mesh.cli(node, "msp", "discover", ...args);
}

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  L = await meshLine("svdisc", 3);
  [A, B, C] = [L.nodes[0]!, L.nodes[1]!, L.nodes[2]!];
  sidA = L.sids[0]!;
  sidC = L.sids[2]!;
  await service(C, "web", 512);
});

test.after(async () => {
  for (const p of listeners) await p.kill("SIGTERM", 3000).catch(() => undefined);
  await L?.close();
});

test("discover web on A finds C's service through the relay B", async () => {
  const t0 = Date.now();
  const r = await discover(A, "web");
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, `${sidC} web 512\n`);
  console.log(`  discover web (2 hops, default 2 s timeout): ${Date.now() - t0} ms`);
});

test("--json and --timeout: one JSON array; B (one hop) finds it too", async () => {
  const r = await discover(B, "--json", "--timeout=1", "web");
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), [{ sid: sidC, name: "web", port: 512 }]);
});

test("discover nosuch exits 1 with a message on stderr and prints nothing", async () => {
  const r = await discover(A, "--timeout=1", "nosuch");
  assert.is(r.code, 1);
  assert.is(r.stdout, "");
  assert.match(r.stderr, /no service 'nosuch' answered/);
});

test("without NAME every service answers, the node's own included", async () => {
  await service(A, "ssh", 22);
  const r = await discover(A);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split("\n").sort(), [`${sidA} ssh 22`, `${sidC} web 512`].sort());
});

test("bad arguments: one-line error with the usage, exit 2", async () => {
  for (const args of [["--timeout=soon", "web"], ["a", "b"], ["--timeout=0"]]) {
    const r = await discover(A, ...args);
    assert.is(r.code, 2, args.join(" "));
    assert.match(r.stderr, /^servald: .*usage: servald msp discover .*\n$/);
  }
});

test.run();
