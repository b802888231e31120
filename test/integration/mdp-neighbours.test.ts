// Two real daemons on one veth see each other (id peers, route print in
// Serval DNA's format), ping each other, and their client commands behave.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync } from "node:fs";
import { Lab } from "../lab/index";
import { Mesh, ping, SERVALD, waitUntil } from "./mdp-helpers";

let lab: Lab;
let mesh: Mesh;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  lab = await Lab.create({ family: "svmdpn" });
  await lab.line(["A", "B"]);
  mesh = new Mesh(lab);
});
test.after(async () => {
  await mesh?.cleanup();
  await lab?.cleanup();
});

test("client commands without a daemon: clear error, exit 1", async () => {
  await mesh.prepare("A");
  const r = await mesh.cli("A", "id", "peers");
  assert.is(r.code, 1);
  assert.match(r.stderr, /servald is not running \(no socket at .*\/mdp\.2\.socket\)/);
});

test("keyring list shows the identity keyring add created", async () => {
  const r = await mesh.cli("A", "keyring", "list");
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.is(lines[0], "4");
  assert.is(lines[1], "sid:identity:did:name");
  assert.match(lines[2]!, /^[0-9A-F]{64}:[0-9A-F]{64}::$/);
});

test("two daemons on a veth see each other within 5 s", async () => {
  const a = await mesh.launch("A", (await mesh.cli("A", "keyring", "list")).stdout.split("\n")[2]!.slice(0, 64));
  const b = await mesh.start("B");
  const self = await mesh.cli("A", "id", "self");
  assert.is(self.stdout, `1\nsid\n${a.sid}\n`);
  const ms = await waitUntil(async () => (await mesh.peers("A")).includes(b.sid) && (await mesh.peers("B")).includes(a.sid), 5000, "A and B peers");
  console.log(`    peers seen after ${ms} ms`);
  const routes = await mesh.routes("A");
  assert.equal(routes.get(a.sid), ["SELF", "v0a", "", ""]);
  assert.match(routes.get(b.sid)!.join(":"), /^(UNICAST|BROADCAST):v0a::$/);
  const j = JSON.parse((await mesh.cli("A", "id", "peers", "--json")).stdout) as { sid: string; hops: number }[];
  assert.equal(j.map((p) => [p.sid, p.hops]), [[b.sid, 1]]);
});

test("mdp ping both ways: Serval DNA's line format, encrypted and signed", async () => {
  const a = mesh.daemons.get("A")!, b = mesh.daemons.get("B")!;
  const r = await ping(mesh, "A", b.sid, 3, ["--interval=0.2"]);
  assert.is(r.code, 0, r.stdout);
  assert.is(r.received, 3);
  assert.ok(r.stdout.startsWith(`MDP PING ${b.sid}: 12 data bytes\n`));
  assert.match(r.lines[0]!, new RegExp(`^${b.sid}: seq=1 time=\\d+ms hops=\\d+ ENCRYPTED SIGNED$`));
  assert.match(r.stdout, /\n3 packets transmitted, 3 packets received \(plus 0 duplicates, 0 ignored\), 0\.0% packet loss\nround-trip min\/avg\/max\/stddev = \d+\/\d+\.\d{3}\/\d+\/\d+\.\d{3} ms \(3 samples\)\n$/);
  const back = await ping(mesh, "B", a.sid, 2, ["--interval=0.2"]);
  assert.is(back.received, 2);
});

test("only the daemon's owner may use the client socket", async () => {
  const a = mesh.daemons.get("A")!;
  // Open the directories so only the socket's own mode (0600) stands in the way.
  chmodSync(mesh.base, 0o755);
  chmodSync(a.dir, 0o755);
  const r = await lab.exec("A", "setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", SERVALD, "id", "peers"],
    { env: mesh.env("A"), check: false });
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /permission denied on .*mdp\.2\.socket: only the user running servald may use it/);
  assert.is((await mesh.cli("A", "id", "self")).code, 0);
});

test("ping to an unknown SID: no replies, exit 1", async () => {
  const r = await ping(mesh, "A", "AB".repeat(32), 1, ["--timeout=0.5"]);
  assert.is(r.code, 1);
  assert.is(r.received, 0);
  assert.match(r.stdout, /1 packets transmitted, 0 packets received .* 100\.0% packet loss/);
});

test("bad arguments: one line, exit 2", async () => {
  const r = await mesh.cli("A", "mdp", "ping", "nothex");
  assert.is(r.code, 2);
  assert.match(r.stderr, /^servald: 'nothex' is not a SID/);
});

test("a node's own broadcasts, looped back to its wildcard socket, are dropped by a kernel socket filter: it reads none of them", async () => {
  const b = mesh.daemons.get("B")!;
  assert.is((await ping(mesh, "A", b.sid, 1, ["--timeout=1"])).received, 1);
  await new Promise((r) => setTimeout(r, 1500)); // a few more ticks: each one a broadcast that loops back
  const a = mesh.daemons.get("A")!;
  await mesh.stop("A");
  const m = /mesh stopped \(packets in (\d+), out (\d+),.* own datagrams looped back and read (\d+), (.*?)\)$/m.exec(a.proc.stderr);
  assert.ok(m, a.proc.stderr);
  assert.ok(Number(m![1]) >= 3 && Number(m![2]) >= 3, m![0]); // (B's packets still get through the filter)
  assert.is(m![3], "0", m![0]);
  assert.is(m![4], "the rest dropped by the kernel");
});

test.run();
