// `mdp ping broadcast` prints hops=64 for the node's own echo reply, as Serval
// DNA does: a locally delivered datagram keeps the TTL its sender asked for (0
// for the echo service's reply); only the network copy gets the default 31.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, sameBytes } from "../helpers/simnet";
import { PORT_ECHO } from "../../src/wire/types";
import { encodePing, pongLine } from "../../src/client/ping-stats";

test("broadcast echo: the node's own reply arrives with TTL 0 (hops=64)", () => {
  const net = new SimNet({ seed: 41 });
  const [a, b] = net.line(["A", "B"]);
  net.start(a); net.start(b);
  assert.ok(net.runUntilTrue(() => net.hasRoute(a, b) && net.hasRoute(b, a), 5000) !== undefined);
  const port = a.node.bind(undefined, 0);
  assert.ok(net.send(a, { srcPort: port, dstPort: PORT_ECHO, payload: encodePing(1, 0), noCrypt: true, noSign: true, ttl: 31, qos: 1 }).ok);
  net.runFor(2000);
  const own = a.inbox.filter((d) => sameBytes(d.remoteSid, a.identity.sid));
  const peer = a.inbox.filter((d) => sameBytes(d.remoteSid, b.identity.sid));
  assert.is(own.length, 1);
  assert.is(own[0].ttl, 0);
  // The echo reply keeps the default crypt flags, as in Serval DNA (mdp_init_response).
  assert.is(pongLine("A", 1, 0, own[0].ttl, !own[0].noCrypt, !own[0].noSign), "A: seq=1 time=0ms hops=64 ENCRYPTED SIGNED");
  assert.is(peer.length, 1); // the neighbour answers too (its one-hop unicast also arrives with TTL 0)
});

test("local unicast keeps the sender's TTL; the broadcast request reaches the node's own binding with TTL 31", () => {
  const net = new SimNet({ seed: 42 });
  const [a, b] = net.line(["A", "B"]);
  net.start(a); net.start(b);
  net.runFor(500);
  a.node.bind(undefined, 90);
  assert.ok(net.send(a, { srcPort: 91, dstSid: a.identity.sid, dstPort: 90, payload: Uint8Array.of(1), ttl: 5 }).ok);
  assert.ok(net.send(a, { srcPort: 91, dstPort: 90, payload: Uint8Array.of(2), noCrypt: true, noSign: true, ttl: 31 }).ok);
  assert.ok(net.send(a, { srcPort: 91, dstSid: a.identity.sid, dstPort: 90, payload: Uint8Array.of(3) }).ok);
  net.runFor(100);
  assert.equal(a.inbox.map((d) => [d.payload[0], d.ttl]), [[1, 5], [2, 31], [3, 0]]);
});

test.run();
