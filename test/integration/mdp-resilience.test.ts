// Things that go wrong on a router: sendto() failing (here EPERM from an
// nftables output drop) is counted, never a reason to reset the interface or
// forget the neighbour; an interface that goes down and comes back is noticed
// at once (the daemon hears of link changes from the kernel, route netlink:
// its periodic rescan, the fallback, comes only every 60 s) and picked up again.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { Lab, type Link } from "../lab/index";
import { Mesh, ping, SERVALD, sleep, waitUntil } from "./mdp-helpers";

let lab: Lab;
let mesh: Mesh;
let link: Link;

test.before(async () => {
  assert.ok(existsSync(SERVALD), `${SERVALD} missing: run make servald`);
  lab = await Lab.create({ family: "svmdpr" });
  ({ links: [link] } = (await lab.line(["A", "B"])) as { nodes: string[]; links: [Link] });
  mesh = new Mesh(lab);
  await mesh.start("A", { "log.console.level": "debug" });
  await mesh.start("B");
  const b = mesh.daemons.get("B")!;
  await waitUntil(async () => (await mesh.peers("A")).includes(b.sid), 10_000, "A sees B");
});
test.after(async () => {
  await mesh?.cleanup();
  await lab?.cleanup();
});

test("sendto() failing with EPERM for 3 s: counted and logged at debug, interface kept, pings work at once after", async () => {
  const b = mesh.daemons.get("B")!;
  const script = "table inet h8fail {\n chain out {\n  type filter hook output priority 0;\n  udp dport 4110 drop\n }\n}\n";
  await lab.exec("A", "nft", ["-f", "-"], { input: script });
  await sleep(3000);
  await lab.exec("A", "nft", ["delete", "table", "inet", "h8fail"]);
  const log = mesh.daemonLog("A");
  assert.match(log, /DEBUG: .*failed \(errno 1\)/, "EPERM sends are logged at debug");
  assert.not.match(log, /interface v0a down/);
  // No re-discovery delay: the very next pings are answered.
  const r = await ping(mesh, "A", b.sid, 3, ["--interval=0.2", "--timeout=2"]);
  assert.is(r.received, 3, r.stdout);
});

test("an interface that goes down and up again is noticed at once and the neighbour comes back", async () => {
  const a = mesh.daemons.get("A")!, b = mesh.daemons.get("B")!;
  await lab.setLinkUp(link, false);
  // (within 3 s: well before any periodic rescan, which would take up to 7 s before, 60 s now)
  const down = await waitUntil(async () => /interface v0a down/.test(mesh.daemonLog("A")), 3000, "A drops v0a at once");
  console.log(`    v0a down in A's log ${down} ms after the link went down`);
  await lab.setLinkUp(link, true);
  const ms = await waitUntil(async () => (await mesh.peers("A")).includes(b.sid) && (await mesh.peers("B")).includes(a.sid), 3000, "A and B see each other again at once");
  console.log(`    neighbours again ${ms} ms after the link came back`);
  assert.match(mesh.daemonLog("A"), /interface v0a up[^]*interface v0a down[^]*interface v0a up/);
  assert.is((await ping(mesh, "A", b.sid, 2, ["--interval=0.2"])).received, 2);
});

test.run();
