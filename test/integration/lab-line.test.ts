// Lab self-test: a 3-node line n0-n1-n2, connectivity, forwarding, broadcast scope.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Lab, udpProbe, type Link } from "../lab/index";

let lab: Lab;
let links: Link[];

test.before(async () => {
  lab = await Lab.create();
  ({ links } = await lab.line(3));
});
test.after(async () => {
  await lab.cleanup();
});

test("line: each link is a /24 with .1/.2 and a broadcast address, interfaces v<id>a/v<id>b", () => {
  const [l0, l1] = links as [Link, Link];
  assert.equal([l0.a, l0.b, l1.a, l1.b], ["n0", "n1", "n1", "n2"]);
  assert.is(l0.ifA, "v0a");
  assert.is(l1.ifB, "v1b");
  assert.is(l0.subnet.replace(/\.0\/24$/, ".1"), l0.ipA);
  assert.is(l0.broadcast.replace(/\.255$/, ".2"), l0.ipB);
  assert.is.not(l0.subnet, l1.subnet);
});

test("line: neighbours reach each other, the far end is unreachable without forwarding", async () => {
  assert.is((await lab.ping("n0", links[0]!.ipB, { count: 2, intervalMs: 50 })).received, 2);
  assert.is((await lab.ping("n1", links[1]!.ipB, { count: 2, intervalMs: 50 })).received, 2);
  const far = await lab.exec("n0", "ping", ["-n", "-c", "1", "-W", "1", links[1]!.ipB], { check: false });
  assert.is.not(far.code, 0);
});

test("line: UDP subnet broadcast reaches the neighbour, never two hops away", async () => {
  const near = await udpProbe(lab, { from: "n0", receiver: "n1", to: links[0]!.broadcast, broadcast: true, count: 50 });
  assert.equal([near.sent, near.sendErrors, near.received], [50, 0, 50]);
  const far = await udpProbe(lab, { from: "n1", receiver: "n0", to: links[1]!.broadcast, broadcast: true, count: 20 });
  assert.is(far.sent, 20);
  assert.is(far.received, 0);
});

test("line: with enableForwarding() kernel IP crosses both hops (ping and a TCP transfer)", async () => {
  await lab.enableForwarding();
  const p = await lab.ping("n0", links[1]!.ipB, { count: 3, intervalMs: 50 });
  assert.is(p.received, 3);
  assert.is(lab.addressOf("n2", "n0"), links[1]!.ipB);
  const t = await lab.tcpTransfer("n0", "n2", 1 << 20);
  assert.ok(t.sha256Match, JSON.stringify(t));
  assert.is(t.receivedBytes, 1 << 20);
  assert.ok(t.seconds > 0 && t.goodputMbit > 10, JSON.stringify(t));
});

test("line: streamTransfer runs parallel hashed streams (across hops, or to 127.0.0.1 as a tunnel end uses)", async () => {
  const r = await lab.streamTransfer({ sink: { node: "n2", port: 6001 }, source: { node: "n0", host: links[1]!.ipB, port: 6001 }, bytes: 128 * 1024, connections: 10 });
  assert.is(r.results.length, 10);
  assert.ok(r.allMatch, JSON.stringify(r.results.filter((c) => !c.match)));
  assert.ok(r.results.every((c) => c.receivedBytes === 128 * 1024));
  const local = await lab.streamTransfer({ sink: { node: "n1", host: "127.0.0.1", port: 6002 }, source: { node: "n1", host: "127.0.0.1", port: 6002 }, bytes: 1 << 20 });
  assert.ok(local.allMatch);
});

test("line: a link added later is routed too; a downed link cuts the path", async () => {
  await lab.node("n3");
  const l2 = await lab.link("n2", "n3");
  const t0 = Date.now();
  const p = await lab.ping("n0", l2.ipB, { count: 2, intervalMs: 50 });
  assert.is(p.received, 2, p.output + (Date.now() - t0));
  await lab.setLinkUp(links[1]!, false);
  assert.is((await lab.ping("n0", l2.ipB, { count: 2, intervalMs: 50, waitMs: 500 })).received, 0);
  await lab.setLinkUp(links[1]!, true);
  assert.is((await lab.ping("n0", l2.ipB, { count: 2, intervalMs: 50 })).received, 2);
});

test("line: spawn runs inside the node's namespace and is tracked by pid", async () => {
  const p = lab.spawn("n1", "sh", ["-c", "ip -o -4 addr show; echo done; exec sleep 30"]);
  await p.waitFor(/^done$/m);
  assert.match(p.stdout, /v0b\s+inet 10\.200\.0\.2\/24/);
  assert.match(p.stdout, /v1a\s+inet 10\.200\.1\.1\/24/);
  assert.not.match(p.stdout, /v0a/);
  assert.ok(p.running);
  const st = await p.kill();
  assert.is(st.signal, "SIGTERM");
});

test("line: exec returns when the command exits, even if something it started keeps stdout open", async () => {
  const t0 = Date.now();
  const r = await lab.exec("n2", "sh", ["-c", "sleep 60 & echo started"]);
  assert.is(r.stdout.trim(), "started");
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  const failed = await lab.exec("n2", "sh", ["-c", "echo oops >&2; exit 3"], { check: false });
  assert.equal([failed.code, failed.stderr.trim()], [3, "oops"]);
  try {
    await lab.exec("n2", "false");
    assert.unreachable("a failing command did not throw");
  } catch (e) {
    assert.match(String(e), /exited 1/);
  }
});

test.run();
