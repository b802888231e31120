// Simulated-network tests of MeshNode: discovery, multi-hop routes, reroute, echo.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, sameBytes, type SimNode } from "../helpers/simnet";
import { REACHABLE_INDIRECT, REACHABLE_UNICAST, REACHABLE_BROADCAST } from "../../src/mdp/routing";

test("two nodes discover each other as direct neighbours", () => {
  const net = new SimNet({ seed: 7 });
  const [a, b] = net.line(["A", "B"]);
  net.start(a);
  net.start(b);
  const t = net.runUntilTrue(() => net.hasRoute(a, b) && net.hasRoute(b, a), 5000);
  assert.ok(t !== undefined, "no route within 5 s");
  const p = a.node.peers().find((x) => sameBytes(x.sid, b.identity.sid))!;
  assert.is(p.hops, 1);
  assert.ok((p.reachable & (REACHABLE_UNICAST | REACHABLE_BROADCAST)) !== 0);
});

test("3-node line A-B-C: A reaches C via B (2 hops) and delivers a datagram", () => {
  const net = new SimNet({ seed: 8 });
  const [a, b, c] = net.line(["A", "B", "C"]);
  for (const n of [a, b, c]) net.start(n);
  const t = net.runUntilTrue(() => net.hasRoute(a, c) && net.hasRoute(c, a), 10000);
  assert.ok(t !== undefined, "no route A<->C");
  const r = a.node.routes().find((x) => sameBytes(x.sid, c.identity.sid))!;
  assert.is(r.hops, 2);
  assert.is(r.reachable, REACHABLE_INDIRECT);
  assert.ok(sameBytes(r.nextHop, b.identity.sid));
  assert.is(c.node.bind(undefined, 99), 99);
  const res = net.send(a, { srcPort: 500, dstSid: c.identity.sid, dstPort: 99, payload: Uint8Array.of(1, 2, 3) });
  assert.ok(res.ok);
  net.runFor(1000);
  assert.is(c.inbox.length, 1);
  const d = c.inbox[0];
  assert.equal([...d.payload], [1, 2, 3]);
  assert.ok(sameBytes(d.remoteSid, a.identity.sid));
  assert.is(d.remotePort, 500);
  assert.is(d.noCrypt, false);
});

/** Two started nodes A - B, once A has a route to B. */
function routedPair(seed: number): { net: SimNet; a: SimNode; b: SimNode } {
  const net = new SimNet({ seed });
  const [a, b] = net.line(["A", "B"]);
  net.start(a);
  net.start(b);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, b), 5000) !== undefined, "no route A->B");
  return { net, a, b };
}

test("a port unbound and bound again: datagrams follow the bindings (the last port's look-up is not kept across them)", () => {
  const { net, a, b } = routedPair(9);
  const send = (): void => { assert.ok(net.send(a, { srcPort: 500, dstSid: b.identity.sid, dstPort: 77, payload: Uint8Array.of(7) }).ok); net.runFor(500); };
  assert.is(b.node.bind(undefined, 77), 77);
  send();
  assert.is(b.inbox.length, 1);
  const unbound = b.node.stats.unboundDrops;
  b.node.unbind(undefined, 77);
  send();
  assert.is(b.inbox.length, 1, "not delivered while unbound");
  assert.is(b.node.stats.unboundDrops, unbound + 1);
  assert.is(b.node.bind(b.identity.sid, 77), 77);
  send();
  assert.is(b.inbox.length, 2, "delivered again once bound (to the SID)");
});

test("a recycled delivery's object is refilled for the next datagram, with that datagram's fields", () => {
  const { net, a, b } = routedPair(10);
  assert.is(b.node.bind(undefined, 88), 88);
  assert.ok(net.send(a, { srcPort: 501, dstSid: b.identity.sid, dstPort: 88, payload: Uint8Array.of(1, 2) }).ok);
  net.runFor(500);
  const first = b.inbox[0];
  assert.equal([...first.payload], [1, 2]);
  b.node.recycleDelivery(first);
  assert.ok(net.send(a, { srcPort: 502, dstSid: b.identity.sid, dstPort: 88, payload: Uint8Array.of(3), noCrypt: true }).ok);
  net.runFor(500);
  assert.is(b.inbox.length, 2);
  const d = b.inbox[1];
  assert.ok(d === first, "the recycled object");
  assert.equal([...d.payload], [3]);
  assert.is(d.remotePort, 502);
  assert.is(d.localPort, 88);
  assert.ok(sameBytes(d.remoteSid, a.identity.sid));
  assert.is(d.noCrypt, true);
  assert.is(d.noSign, false);
});

test.run();
