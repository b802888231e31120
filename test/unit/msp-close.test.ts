// Half-close, stop, stray packets, timeouts, keep-alives and the lost-final-ACK race.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MspSim, StreamApp, closedBoth, pair, randomBytes, server } from "../helpers/msp-sim";
import { decodeMspPacket, newMspPacketRepr, MSP_FLAG_SHUTDOWN, MSP_KIND_ACK, MSP_KIND_DATA } from "../../src/wire/msp-packet";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");


test("server answers and shuts down at once while the client still uploads 1 MiB: every byte arrives", () => {
  const up = randomBytes(1 << 20, 11);
  const sim = pair(21, { delayMs: 15, loss: 0.03, jitterMs: 5 });
  sim.onAccept = (_n, s) => new StreamApp(s, Uint8Array.of(0x4f, 0x4b), true); // "OK" + SHUTDOWN immediately
  const c = sim.connect(sim.a, 257, 512, up);
  assert.ok(sim.run(closedBoth(sim, c), 300000));
  assert.equal(server(sim).receivedBytes(), up);
  assert.is(hex(c.receivedBytes()), "4f 4b");
  assert.ok(c.has("remote-shutdown"));
  // The client learnt of the server's shutdown long before its own upload ended.
  assert.ok(c.events.indexOf("remote-shutdown") < c.events.indexOf("closed-gracefully"));
  assert.ok(c.has("closed-gracefully") && server(sim).has("closed-gracefully"));
});

test("client half-closes first (stdin EOF) and keeps receiving 256 KiB until the server finishes", () => {
  const down = randomBytes(256 << 10, 12);
  const sim = pair(22, { delayMs: 10, loss: 0.05 });
  sim.onAccept = (_n, s) => new StreamApp(s, down, true);
  const c = sim.connect(sim.a, 257, 512, Uint8Array.of(1, 2, 3), true);
  assert.ok(sim.run(closedBoth(sim, c), 300000));
  assert.equal(c.receivedBytes(), down);
  assert.equal(Array.from(server(sim).receivedBytes()), [1, 2, 3]);
  assert.ok(c.has("closed-gracefully"));
});

test("stop(): STOP on the wire, closed suddenly on both sides, queued data dropped", () => {
  const sim = pair(23, { delayMs: 5 });
  sim.logEnabled = true;
  sim.onAccept = (_n, s) => new StreamApp(s, new Uint8Array(0), false);
  const c = sim.connect(sim.a, 257, 512, randomBytes(100000, 1), false);
  sim.run(() => server(sim)?.received > 20000, 10000);
  c.stream.conn.stop(sim.now);
  assert.ok(sim.run(closedBoth(sim, c), 5000));
  assert.ok(c.has("closed-suddenly"));
  assert.ok(server(sim).has("closed-suddenly"));
  assert.not.ok(server(sim).has("closed-gracefully"));
  assert.is(c.stream.conn.bufferedBytes, 0);
  assert.ok(sim.log.some((l) => l.from === "a" && hex(l.payload) === "08"));
  assert.is(c.stream.conn.write(Uint8Array.of(1)), 0, "no writes after stop");
});

test("a lost STOP is repeated: the stopping side lingers and answers the peer's next packet with STOP", () => {
  const sim = pair(32, { delayMs: 5 });
  sim.logEnabled = true;
  // The server streams to the client; the client stops and its first STOP is lost.
  sim.onAccept = (_n, s) => new StreamApp(s, randomBytes(400000, 3), false);
  const c = sim.connect(sim.a, 257, 512, new Uint8Array(0), false);
  sim.run(() => c.received > 20000, 10000);
  let stopsDropped = 0;
  sim.a.link.filter = (payload) => payload.length === 1 && payload[0] === 0x08 && stopsDropped++ === 0;
  c.stream.conn.stop(sim.now);
  assert.ok(sim.run(closedBoth(sim, c), 5000), "server heard a repeated STOP");
  assert.ok(server(sim).has("closed-suddenly"));
  assert.ok(stopsDropped >= 2, `STOPs sent: ${stopsDropped}`);
  assert.ok(sim.a.ep.lingeringStop(sim.now), "still lingering right after");
  sim.idle(1500);
  assert.not.ok(sim.a.ep.lingeringStop(sim.now), "lingering ends once the peer is quiet");
  assert.is(sim.a.ep.streams.length, 0);
});

test("a non-FIRST packet for no connection gets STOP; a stray STOP gets nothing; FIRST without listener gets STOP", () => {
  const sim = pair(24, { delayMs: 5 });
  sim.logEnabled = true;
  sim.inject(sim.a, 999, 512, Uint8Array.of(0x02, 0x05, 0x00, 0x06, 0x00, 0x41));
  sim.inject(sim.a, 998, 512, Uint8Array.of(0x08));
  sim.inject(sim.a, 997, 513, Uint8Array.of(0x00, 0xff, 0xff));
  sim.idle(100);
  const fromB = sim.log.filter((l) => l.from === "b").map((l) => hex(l.payload));
  assert.equal(fromB, ["08", "08"]);
  assert.is(sim.b.ep.streams.length, 0);
  // FIRST to a port nobody listens on also gets STOP.
  sim.inject(sim.a, 996, 600, Uint8Array.of(0x04, 0xff, 0xff));
  sim.idle(100);
  assert.is(sim.log.filter((l) => l.from === "b").length, 3);
});

test("connect to an unreachable SID: FIRST keep-alives every 1.5 s, timed out after 10 s (configurable)", () => {
  const sim = new MspSim(25, { delayMs: 5, loss: 1 });
  sim.logEnabled = true;
  const c = sim.connect(sim.a, 257, 512, new Uint8Array(0), false);
  sim.run(() => !c.stream.conn.isOpen, 30000);
  assert.ok(c.has("timed-out"));
  assert.is(c.stream.conn.closed, "timeout");
  assert.ok(sim.now >= 10000 && sim.now <= 10001, `timed out at ${sim.now}`);
  const fromA = sim.log.filter((l) => l.from === "a");
  assert.ok(fromA.every((l) => hex(l.payload) === "04 ff ff"));
  assert.ok(fromA.length >= 6 && fromA.length <= 8, `${fromA.length} kicks`);
  const sim2 = new MspSim(26, { delayMs: 5, loss: 1 }, { delayMs: 5 }, { connection: { timeoutMs: 3000 } });
  const c2 = sim2.connect(sim2.a, 257, 512, new Uint8Array(0), false);
  sim2.run(() => !c2.stream.conn.isOpen, 30000);
  assert.ok(sim2.now >= 3000 && sim2.now < 3100);
});

test("a peer that goes silent mid-stream times the connection out; data before stays intact", () => {
  let cut = false;
  const sim = pair(27, { delayMs: 5, filter: () => cut });
  sim.onAccept = (_n, s) => new StreamApp(s, new Uint8Array(0), false);
  const c = sim.connect(sim.a, 257, 512, randomBytes(50000, 3), false);
  sim.run(() => server(sim)?.received === 50000, 10000);
  cut = true;
  sim.run(() => !c.stream.conn.isOpen, 20000);
  assert.ok(c.has("timed-out"));
  assert.ok(server(sim).has("timed-out"));
});

test("20 s idle connection stays up through 3-byte keep-alives", () => {
  const sim = pair(28, { delayMs: 20 });
  sim.logEnabled = true;
  sim.onAccept = (_n, s) => new StreamApp(s, Uint8Array.of(1), false);
  const c = sim.connect(sim.a, 257, 512, Uint8Array.of(2), false);
  sim.idle(20000);
  assert.ok(c.stream.conn.isOpen && server(sim).stream.conn.isOpen);
  const late = sim.log.filter((l) => l.at > 5000);
  assert.ok(late.every((l) => l.payload.length === 3 && l.payload[0] === 0x02), "idle traffic is ack-only 02 xx xx");
  for (const who of ["a", "b"]) {
    const times = late.filter((l) => l.from === who).map((l) => l.at);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] <= 1501, `gap ${times[i] - times[i - 1]}`);
  }
  // And the connection still works afterwards.
  c.data = Uint8Array.of(2, 3, 4, 5);
  c.shutdownWhenDone = true;
  server(sim).shutdownWhenDone = true;
  assert.ok(sim.run(closedBoth(sim, c), 5000));
  assert.equal(Array.from(server(sim).receivedBytes()), [2, 3, 4, 5]);
});

test("graceful close sends the final ack three times", () => {
  const sim = pair(32, { delayMs: 10 });
  sim.logEnabled = true;
  sim.onAccept = (_n, s) => new StreamApp(s, Uint8Array.of(9), true);
  const c = sim.connect(sim.a, 257, 512, Uint8Array.of(7), true);
  assert.ok(sim.run(closedBoth(sim, c), 10000));
  const lastA = sim.log.filter((l) => l.from === "a").slice(-3).map((l) => hex(l.payload));
  assert.equal(lastA, ["02 00 00", "02 00 00", "02 00 00"]);
});

test("lost final ACK: the peer's retransmitted SHUTDOWN is re-acked while lingering", () => {
  const sim = pair(29, { delayMs: 10 });
  // Drop the client's first ack-only packet that acknowledges the server's SHUTDOWN.
  const p = newMspPacketRepr();
  let dropped = 0;
  sim.a.link.filter = (payload) => {
    decodeMspPacket(payload, p);
    if (dropped < 3 && p.kind === MSP_KIND_ACK && p.ack === 0) { dropped++; return true; }
    return false;
  };
  sim.onAccept = (_n, s) => new StreamApp(s, Uint8Array.of(9), true);
  const c = sim.connect(sim.a, 257, 512, Uint8Array.of(7), true);
  assert.ok(sim.run(closedBoth(sim, c), 10000));
  assert.is(dropped, 3);
  assert.ok(c.has("closed-gracefully") && server(sim).has("closed-gracefully"));
});

test("lost final ACK without lingering: STOP answer counts as graceful, no data lost", () => {
  const sim = pair(30, { delayMs: 10 }, { lingerMs: 0 });
  const p = newMspPacketRepr();
  let dropped = 0;
  sim.a.link.filter = (payload) => {
    decodeMspPacket(payload, p);
    // The final ack and its two redundant copies.
    if (p.kind === MSP_KIND_ACK && p.ack === 0 && dropped < 3) { dropped++; return true; }
    return false;
  };
  sim.logEnabled = true;
  sim.onAccept = (_n, s) => new StreamApp(s, Uint8Array.of(9), true);
  const c = sim.connect(sim.a, 257, 512, Uint8Array.of(7), true);
  assert.ok(sim.run(closedBoth(sim, c), 10000));
  assert.ok(sim.log.some((l) => l.from === "a" && hex(l.payload) === "08"), "client answered with STOP");
  assert.ok(c.has("closed-gracefully"));
  assert.ok(server(sim).has("closed-gracefully"), String(server(sim).events));
  assert.equal(Array.from(server(sim).receivedBytes()), [7]);
});

test("SHUTDOWN goes on the last unsent data packet, or alone after sent data", () => {
  const sim = pair(31, { delayMs: 10 });
  sim.logEnabled = true;
  sim.onAccept = (_n, s) => new StreamApp(s, new Uint8Array(0), false);
  const c = sim.connect(sim.a, 257, 512, Uint8Array.of(1, 2), true);
  sim.run(() => server(sim)?.has("remote-shutdown"), 2000);
  const p = newMspPacketRepr();
  const data = sim.log.filter((l) => l.from === "a" && decodeMspPacket(l.payload, p) && p.kind === MSP_KIND_DATA);
  assert.is(data.length, 1);
  assert.is(data[0].payload[0] & MSP_FLAG_SHUTDOWN, MSP_FLAG_SHUTDOWN);
  // Now the server shuts down after its data already went out: a separate empty SHUTDOWN.
  const s = server(sim);
  s.data = Uint8Array.of(5);
  s.shutdownWhenDone = false;
  sim.run(() => c.received === 1, 2000);
  s.stream.conn.shutdown(sim.now);
  sim.run(closedBoth(sim, c), 3000);
  const sd = sim.log.filter((l) => l.from === "b" && decodeMspPacket(l.payload, p) && p.kind === MSP_KIND_DATA);
  assert.is(sd.length, 2);
  assert.is(sd[1].payload.length, 5);
  assert.is(sd[1].payload[0] & MSP_FLAG_SHUTDOWN, MSP_FLAG_SHUTDOWN);
});

test.run();
