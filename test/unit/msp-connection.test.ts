import { test } from "uvu";
import * as assert from "uvu/assert";
import { MspSim, StreamApp, randomBytes } from "../helpers/msp-sim";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array) => String.fromCharCode(...b);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

function listenPair(seed = 1, link = {}, linkBA = link, opts = {}) {
  const sim = new MspSim(seed, link, linkBA, opts);
  sim.b.ep.listen({ sid: sim.b.sid, port: 512 });
  return sim;
}

function serverData(sim: MspSim, data: Uint8Array, shutdown = true) {
  sim.onAccept = (_n, s) => new StreamApp(s, data, shutdown);
}

const bothClosed = (x: StreamApp, y: () => StreamApp | undefined) => () => {
  const s = y();
  return !x.stream.conn.isOpen && !!s && !s.stream.conn.isOpen;
};

test("hello both ways, graceful close on both sides, Serval's first bytes on the wire", () => {
  const sim = listenPair(1, { delayMs: 10 });
  sim.logEnabled = true;
  serverData(sim, ascii("Hi\n"));
  const c = sim.connect(sim.a, 257, 512, ascii("Hello\n"));
  assert.ok(sim.run(bothClosed(c, () => sim.b.apps[0]), 5000));
  const s = sim.b.apps[0];
  assert.is(text(s.receivedBytes()), "Hello\n");
  assert.is(text(c.receivedBytes()), "Hi\n");
  for (const app of [c, s]) {
    assert.ok(app.has("connected"));
    assert.ok(app.has("remote-shutdown"));
    assert.ok(app.has("closed-gracefully"));
    assert.not.ok(app.has("closed-suddenly"));
  }
  assert.is(hex(sim.log[0].payload), "05 ff ff 00 00 " + hex(ascii("Hello\n")));
  assert.is(sim.log[0].at, 0, "data queued before the kick goes at once");
  assert.is(hex(sim.log[1].payload), "03 00 00 00 00 " + hex(ascii("Hi\n")));
});

test("connect with nothing to send kicks 04 FF FF after 10 ms; listener answers 00 FF FF", () => {
  const sim = listenPair(2, { delayMs: 5 });
  sim.logEnabled = true;
  serverData(sim, new Uint8Array(0), false);
  const c = sim.connect(sim.a, 300, 512, new Uint8Array(0), false);
  sim.run(() => c.has("connected"), 1000);
  assert.is(hex(sim.log[0].payload), "04 ff ff");
  assert.is(sim.log[0].at, 10);
  assert.is(hex(sim.log[1].payload), "00 ff ff");
});

test("client sends nothing; server sends 64 KiB byte-identical", () => {
  const data = randomBytes(65536, 7);
  const sim = listenPair(3, { delayMs: 10 });
  serverData(sim, data);
  const c = sim.connect(sim.a, 257, 512, new Uint8Array(0));
  assert.ok(sim.run(bothClosed(c, () => sim.b.apps[0]), 20000));
  assert.equal(c.receivedBytes(), data);
  assert.is(sim.b.apps[0].received, 0);
  assert.ok(c.has("closed-gracefully") && sim.b.apps[0].has("closed-gracefully"));
});

test("64 KiB client to server with loss, jitter (reordering) and duplication", () => {
  const data = randomBytes(65536, 8);
  const sim = listenPair(4, { delayMs: 20, jitterMs: 15, loss: 0.05, dup: 0.05 });
  const c = sim.connect(sim.a, 257, 512, data);
  assert.ok(sim.run(bothClosed(c, () => sim.b.apps[0]), 60000));
  assert.equal(sim.b.apps[0].receivedBytes(), data);
  assert.ok(c.has("closed-gracefully"));
  assert.ok(sim.b.apps[0].has("closed-gracefully"));
});

test("1 MiB with 10% loss each way, byte-identical", () => {
  const data = randomBytes(1 << 20, 9);
  const sim = listenPair(5, { delayMs: 25, loss: 0.1 });
  const c = sim.connect(sim.a, 257, 512, data);
  assert.ok(sim.run(bothClosed(c, () => sim.b.apps[0]), 600000));
  assert.equal(sim.b.apps[0].receivedBytes(), data);
  assert.ok(c.has("closed-gracefully"));
});

test.run();
