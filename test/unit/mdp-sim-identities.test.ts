// A node with a secondary identity: neighbours learn a route to it from our
// adverts (transmitter = our primary) and can reach it; replies come from it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, sameBytes } from "../helpers/simnet";
import { identityFromSeed } from "../../src/crypto/identity";

test("secondary identity is advertised, reachable via its node, and answers from its own SID", () => {
  const net = new SimNet({ seed: 71 });
  const second = identityFromSeed(new Uint8Array(32).fill(0x42));
  const a = net.addNode("A", undefined, [second]);
  const b = net.addNode("B");
  const c = net.addNode("C");
  net.link("AB", [a, b]);
  net.link("BC", [b, c]);
  for (const n of [a, b, c]) net.start(n);
  const t = net.runUntilTrue(() => c.node.peers().some((p) => sameBytes(p.sid, second.sid)), 12_000);
  assert.ok(t !== undefined, "C never learnt the secondary SID");
  const r = c.node.routes().find((x) => sameBytes(x.sid, second.sid))!;
  assert.ok(sameBytes(r.nextHop, b.identity.sid));
  a.node.bind(second.sid, 33);
  c.node.bind(undefined, 34);
  assert.ok(net.send(c, { srcPort: 34, dstSid: second.sid, dstPort: 33, payload: Uint8Array.of(5) }).ok);
  net.runFor(1000);
  assert.is(a.inbox.length, 1);
  assert.ok(sameBytes(a.inbox[0].localSid, second.sid));
  assert.ok(net.send(a, { srcSid: second.sid, srcPort: 33, dstSid: c.identity.sid, dstPort: 34, payload: Uint8Array.of(6) }).ok);
  net.runFor(1000);
  assert.is(c.inbox.length, 1);
  assert.ok(sameBytes(c.inbox[0].remoteSid, second.sid));
  assert.is(c.inbox[0].noCrypt, false);
});

test.run();
