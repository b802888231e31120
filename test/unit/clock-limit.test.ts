// The protocol clock near and past 2^31 ms (issue 11). The platform clock is
// ms since the process started (src/native/native.c monotonicMs), so `now` is
// an int32 to the engine for 24.8 days of a daemon's uptime (the router's own
// uptime no longer matters: test/integration/clock-int.test.ts). After that it
// is a float64: exact, only slower on an FPU-less router. Here the sans-I/O
// cores run with a virtual clock starting just below 2^31 ms and keep working
// across it: routes stay, datagrams and an MSP stream arrive intact.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SimNet, sameBytes } from "../helpers/simnet";
import { closedBoth, pair, randomBytes, server } from "../helpers/msp-sim";

const LIMIT = 2 ** 31;

test("MDP: a 3-node line started 5 s before 2^31 ms keeps its routes and delivers across the limit", () => {
  const net = new SimNet({ seed: 31 });
  net.time = LIMIT - 5000;
  const [a, b, c] = net.line(["A", "B", "C"], 0.1);
  for (const n of [a, b, c]) net.start(n);
  const t = net.runUntilTrue(() => net.hasRoute(a, c) && net.hasRoute(c, a), 15000);
  assert.ok(t !== undefined, "no route A<->C");
  assert.is(c.node.bind(undefined, 99), 99);
  let sent = 0;
  // one datagram every 200 ms from before the limit to 20 s after it
  while (net.time < LIMIT + 20000) {
    const res = net.send(a, { srcPort: 500, dstSid: c.identity.sid, dstPort: 99, payload: Uint8Array.of(sent & 0xff, sent >> 8) });
    assert.ok(res.ok, `send at ${net.time}`);
    sent++;
    net.runFor(200);
  }
  net.runFor(5000);
  assert.ok(net.time > LIMIT + 20000);
  assert.ok(net.hasRoute(a, c) && net.hasRoute(c, a), "routes lost past the limit");
  const got = new Set(c.inbox.map((d) => d.payload[0]! | (d.payload[1]! << 8)));
  // per-hop retransmission: every datagram arrives, once
  assert.is(c.inbox.length, sent, `${c.inbox.length} of ${sent} delivered`);
  assert.is(got.size, sent);
  assert.ok(sameBytes(c.inbox[c.inbox.length - 1]!.remoteSid, a.identity.sid));
});

test("MSP: 2 MiB at 10% loss each way, sent across 2^31 ms, byte-identical", () => {
  // (2 MiB: 1 MiB took ~2.1 s once losses beyond the first hole were found in
  // one round trip, ending barely past the limit)
  const data = randomBytes(2 << 20, 31);
  const sim = pair(31, { delayMs: 25, loss: 0.1 });
  sim.now = LIMIT - 2000;
  const c = sim.connect(sim.a, 257, 512, data);
  assert.ok(sim.run(closedBoth(sim, c), 600000));
  assert.ok(sim.now > LIMIT + 1000, `finished at ${sim.now - LIMIT} ms past the limit`);
  assert.equal(server(sim).receivedBytes(), data);
  assert.ok(c.has("closed-gracefully"));
});

test.run();
