// Simulated-network tests: reroute on failure, echo over several hops,
// broadcast flooding with de-dup, signed broadcasts with the keymap exchange,
// robustness to sendto() failures and to heavy loss.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, sameBytes } from "../helpers/simnet";
import { PORT_ECHO } from "../../src/wire/types";

test("diamond A-B-C + A-D-C: when B dies, A reroutes to C via D within 10 s", () => {
  const net = new SimNet({ seed: 21 });
  const [a, b, c, d] = ["A", "B", "C", "D"].map((n) => net.addNode(n));
  net.link("AB", [a, b]);
  net.link("BC", [b, c]);
  net.link("AD", [a, d], 0, 8); // D's side is a little slower: B wins first
  net.link("DC", [d, c], 0, 8);
  for (const n of [a, b, c, d]) net.start(n);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, c) && net.hasRoute(c, a), 5000) !== undefined);
  net.runFor(3000);
  const before = a.node.routes().find((r) => sameBytes(r.sid, c.identity.sid))!;
  assert.is(before.hops, 2);
  const via = sameBytes(before.nextHop, b.identity.sid) ? b : d;
  const alt = via === b ? d : b;
  net.stop(via);
  const t0 = net.time;
  const t = net.runUntilTrue(() => {
    const r = a.node.routes().find((x) => sameBytes(x.sid, c.identity.sid));
    return r !== undefined && r.reachable !== 0 && sameBytes(r.nextHop, alt.identity.sid);
  }, 10000);
  assert.ok(t !== undefined, "no reroute within 10 s");
  console.log(`  reroute via ${alt.name} took ${Math.round(t! - t0)} ms`);
  c.node.bind(undefined, 5);
  assert.ok(net.send(a, { srcPort: 5, dstSid: c.identity.sid, dstPort: 5, payload: Uint8Array.of(9) }).ok);
  net.runFor(2000);
  assert.is(c.inbox.length, 1);
});

test("echo (port 7) over 3 hops: the reply comes back authcrypted with the same payload", () => {
  const net = new SimNet({ seed: 22 });
  const nodes = net.line(["A", "B", "C", "D"], 0.1);
  for (const n of nodes) net.start(n);
  const [a, , , d] = nodes;
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, d) && net.hasRoute(d, a), 5000) !== undefined);
  const port = a.node.bind(undefined, 0);
  assert.ok(port >= 256);
  let answered = 0;
  for (let i = 0; i < 50; i++) {
    const ping = new Uint8Array(12);
    ping[0] = i;
    assert.ok(net.send(a, { srcPort: port, dstSid: d.identity.sid, dstPort: PORT_ECHO, payload: ping }).ok);
    net.runFor(200);
  }
  net.runFor(3000);
  const seqs = new Set<number>();
  for (const r of a.inbox) {
    assert.is(r.remotePort, PORT_ECHO);
    assert.is(r.localPort, port);
    assert.ok(sameBytes(r.remoteSid, d.identity.sid));
    assert.is(r.noCrypt, false);
    assert.is(r.payload.length, 12);
    seqs.add(r.payload[0]);
  }
  answered = seqs.size;
  console.log(`  ${answered}/50 pings answered over 3 hops at 10% loss`);
  assert.is(answered, 50);
});

test("plain broadcast with TTL floods the line once: every node delivers it exactly once", () => {
  const net = new SimNet({ seed: 23 });
  const nodes = net.line(["A", "B", "C", "D", "E"]);
  for (const n of nodes) net.start(n);
  net.runFor(3000);
  for (const n of nodes.slice(1)) n.node.bind(undefined, 88);
  assert.ok(net.send(nodes[0], { srcPort: 88, dstPort: 88, payload: Uint8Array.of(42), noCrypt: true, noSign: true }).ok);
  net.runFor(2000);
  for (const n of nodes.slice(1)) {
    assert.is(n.inbox.length, 1, `${n.name} got ${n.inbox.length}`);
    assert.ok(sameBytes(n.inbox[0].localSid, new Uint8Array(32).fill(0xff)));
    assert.is(n.inbox[0].noSign, true);
  }
  // TTL 1: only the neighbour hears it.
  assert.ok(net.send(nodes[0], { srcPort: 88, dstPort: 88, payload: Uint8Array.of(43), noCrypt: true, noSign: true, ttl: 1 }).ok);
  net.runFor(2000);
  assert.is(nodes[1].inbox.length, 2);
  assert.is(nodes[1].inbox[1].ttl, 0);
  assert.is(nodes[2].inbox.length, 1);
});

test("ciphered broadcasts are refused; signed broadcasts verify after the keymap exchange", () => {
  const net = new SimNet({ seed: 24 });
  const nodes = net.line(["A", "B", "C"]);
  for (const n of nodes) net.start(n);
  net.runFor(3000);
  const [a, , c] = nodes;
  const r = a.node.send(net.time, { srcPort: 1000, dstPort: 1000, payload: Uint8Array.of(1) });
  assert.equal(r, { ok: false, error: "crypt-broadcast" });
  c.node.bind(undefined, 1000);
  // C learns A's signing key only when it sees a signed frame it cannot check (A is 2 hops away).
  assert.is(c.node.signKeyOf(a.identity.sid), undefined);
  net.send(a, { srcPort: 1000, dstPort: 1000, payload: Uint8Array.of(1), noCrypt: true });
  net.runFor(2000);
  assert.ok(sameBytes(c.node.signKeyOf(a.identity.sid), a.identity.signPublic), "C did not learn A's key");
  net.send(a, { srcPort: 1000, dstPort: 1000, payload: Uint8Array.of(2), noCrypt: true });
  net.runFor(2000);
  const got = c.inbox.map((d) => d.payload[0]);
  assert.ok(got.includes(2), `C got ${got}`);
  assert.is(c.inbox.find((d) => d.payload[0] === 2)!.noSign, false);
});

test("sendto() failures are counted and never cost the neighbour", () => {
  const net = new SimNet({ seed: 25 });
  const [a, b] = net.line(["A", "B"]);
  net.start(a);
  net.start(b);
  net.runFor(3000);
  assert.ok(net.hasRoute(a, b));
  for (let i = 0; i < 100; i++) a.node.notifySendFailed(1, "B@AB", 1);
  assert.is(a.node.stats.sendFailures, 100);
  net.runFor(100);
  assert.ok(net.hasRoute(a, b));
});

test("33% loss on a link: the neighbour never flaps over 120 s", () => {
  const net = new SimNet({ seed: 26 });
  const [a, b] = net.line(["A", "B"], 0.33);
  net.start(a);
  net.start(b);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, b) && net.hasRoute(b, a), 5000) !== undefined);
  let flaps = 0;
  const end = net.time + 120_000;
  let up = true;
  while (net.time < end) {
    net.step(end);
    const now = net.hasRoute(a, b) && net.hasRoute(b, a);
    if (up && !now) flaps++;
    up = now;
  }
  assert.is(flaps, 0);
});

test("a dead neighbour's queued frames are dropped at the deadline, the queue empties", () => {
  const net = new SimNet({ seed: 27 });
  const [a, b, c] = net.line(["A", "B", "C"]);
  for (const n of [a, b, c]) net.start(n);
  net.runFor(3000);
  net.stop(c);
  for (let i = 0; i < 200; i++) net.send(a, { srcPort: 9, dstSid: c.identity.sid, dstPort: 9, payload: new Uint8Array(100) });
  net.runFor(30_000);
  assert.is(a.node.queuedFrames, 0);
  assert.is(b.node.queuedFrames, 0);
  // A hands the frames to B (which ACKs them); B, whose neighbour died, drops them.
  const drops = (n: typeof a) => n.node.stats.queueDrops + n.node.stats.retryDrops + n.node.stats.noRouteDrops;
  assert.ok(drops(a) + drops(b) >= 200, `dropped ${drops(a)} at A, ${drops(b)} at B`);
});

test.run();
