// The daemon's driving loop against a scripted core and a fake clock: one
// timer re-armed for the core's deadline, send failures counted and handed
// back to the core (never fatal), deliveries reaching clients, dead clients dropped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MeshDriver } from "../../src/daemon/mesh-driver.js";
import { FakeDriverIo } from "../helpers/driver-io.js";
import { ClientServer } from "../../src/daemon/client-server.js";
import type { CoreInterface, Delivery, MeshCore, SendRequest, Transmit } from "../../src/daemon/mesh-core.js";
import { encodeMdpMessage, MDP_FLAG_BIND } from "../../src/wire/client-header.js";

const ME = new Uint8Array(32).fill(1);

class ScriptedCore implements MeshCore {
  deadline: number | undefined = undefined;
  timeouts: number[] = [];
  outbox: Transmit[] = [];
  deliveries: Delivery[] = [];
  failed: [Transmit, number][] = [];
  /** What handleTimeout does: by default the next deadline moves 500 ms on and one packet goes out. */
  onTimeout = (now: number) => { this.deadline = now + 500; this.outbox.push(tx(now)); };
  identities() { return [ME]; }
  send(_n: number, _d: SendRequest) { return true; }
  routes() { return []; }
  interfaces() { return []; }
  primarySignKey() { return undefined; }
  interfaceUp(_n: number, _i: CoreInterface) {}
  interfaceDown() {}
  handlePacket() {}
  handleTimeout(now: number) { this.timeouts.push(now); this.onTimeout(now); }
  pollTransmit() { return this.outbox.shift(); }
  polls = 0;
  pollTimeout() { this.polls++; return this.deadline; }
  pollDelivery() { return this.deliveries.shift(); }
  notifySendFailed(_n: number, t: Transmit, errno: number) { this.failed.push([t, errno]); }
}

function tx(now: number): Transmit {
  return { ifIndex: 0, to: "10.0.0.255:4110", bytes: new Uint8Array([now & 255]) };
}

class FakeIo extends FakeDriverIo {}

function setup() {
  const core = new ScriptedCore();
  const clients = new ClientServer(core);
  const io = new FakeIo();
  return { core, clients, io, driver: new MeshDriver(core, clients, io) };
}

test("idle core: no timer", () => {
  const { driver, io } = setup();
  driver.drive();
  assert.is(io.timers.length, 0);
  assert.is(driver.armedAt, Infinity);
});

test("one timer, re-armed for each new deadline; handleTimeout called when due", () => {
  const { core, driver, io } = setup();
  core.deadline = 1200;
  driver.drive();
  assert.is(io.timers.length, 1);
  assert.is(io.timers[0]!.at, 1200);
  // Drives caused by other inputs before the deadline do not add timers or call the core early.
  io.advance(50);
  driver.drive();
  driver.drive();
  assert.is(io.timers.length, 1);
  assert.equal(core.timeouts, []);
  io.advance(200); // fires at 1200
  assert.equal(core.timeouts, [1200]);
  assert.is(io.sent.length, 1);
  assert.is(io.timers.length, 1);
  assert.is(io.timers[0]!.at, 1700);
  io.advance(5000);
  assert.is(core.timeouts.length, 11);
  assert.is(io.timers.length, 1, "never more than one timer");
  assert.is(driver.stats.packetsOut, 11);
});

test("the core's own deadline firing runs handleTimeout at once: one pollTimeout per timer drive (for the next deadline)", () => {
  const { core, driver, io } = setup();
  core.deadline = 1200;
  driver.drive();
  const before = core.polls;
  io.advance(200); // fires at 1200
  assert.equal(core.timeouts, [1200]);
  assert.is(core.polls - before, 1, "asked once, after handleTimeout, for the next deadline");
  assert.is(io.timers[0]!.at, 1700);
  assert.is(io.sent.length, 1);
});

test("an earlier deadline replaces the armed timer", () => {
  const { core, driver, io } = setup();
  core.deadline = 3000;
  driver.drive();
  core.deadline = 1100;
  driver.drive();
  assert.is(io.timers.length, 1);
  assert.is(io.timers[0]!.at, 1100);
});

test("a core that stays due cannot spin forever", () => {
  const { core, driver, io } = setup();
  core.onTimeout = () => { core.deadline = io.t; };
  core.deadline = io.t;
  driver.drive();
  assert.is(core.timeouts.length, 64);
  assert.is(io.timers.length, 1);
  assert.is(io.timers[0]!.at, io.t, "re-armed at once, so other I/O gets a turn first");
});

test("failed sendto (EPERM, ENOBUFS): handed to the core (which counts and logs it: not twice), driving goes on", () => {
  const { core, driver, io } = setup();
  core.deadline = 1100;
  driver.drive();
  io.sendRc = -1; // EPERM
  io.advance(100);
  io.sendRc = -105; // ENOBUFS
  io.advance(500);
  assert.equal(core.failed.map(([, e]) => e), [1, 105]);
  assert.not.ok(io.logs.some((l) => l.includes("sendto")), "the driver neither logs nor counts it");
  io.sendRc = 0;
  io.advance(500);
  assert.is(io.sent.length, 1, "the next packet goes out normally");
  assert.is(io.timers.length, 1);
});

test("deliveries reach bound clients; a vanished client (ECONNREFUSED) loses its bindings", () => {
  const { core, clients, driver, io } = setup();
  clients.handleMessage(io.t, "c1", encodeMdpMessage({ localSid: new Uint8Array(32), localPort: 600, remoteSid: new Uint8Array(32), remotePort: 0, flags: MDP_FLAG_BIND, qos: 0, ttl: 0 }));
  driver.drive();
  assert.is(io.toClients.length, 1, "bind reply");
  core.deliveries.push({ localSid: ME, localPort: 600, remoteSid: new Uint8Array(32).fill(9), remotePort: 7, payload: new Uint8Array([1]), noCrypt: false, noSign: false, ttl: 1, qos: 3 });
  driver.drive();
  assert.is(io.toClients.length, 2);
  io.clientRc = -111;
  core.deliveries.push({ localSid: ME, localPort: 600, remoteSid: new Uint8Array(32).fill(9), remotePort: 7, payload: new Uint8Array([2]), noCrypt: false, noSign: false, ttl: 1, qos: 3 });
  driver.drive();
  assert.is(clients.bindingCount(), 0);
  assert.match(io.logs.join("\n"), /closing dead MDP client c1/);
});

test("a client's full socket (EAGAIN) delays its messages in order instead of dropping them", () => {
  const { core, clients, driver, io } = setup();
  clients.handleMessage(io.t, "c1", encodeMdpMessage({ localSid: new Uint8Array(32), localPort: 600, remoteSid: new Uint8Array(32), remotePort: 0, flags: MDP_FLAG_BIND, qos: 0, ttl: 0 }));
  driver.drive();
  assert.is(io.toClients.length, 1, "bind reply");
  io.clientRc = -11; // EAGAIN: the client's receive queue is full
  for (let i = 1; i <= 3; i++) {
    core.deliveries.push({ localSid: ME, localPort: 600, remoteSid: new Uint8Array(32).fill(9), remotePort: 7, payload: new Uint8Array([i]), noCrypt: false, noSign: false, ttl: 1, qos: 3 });
    driver.drive();
  }
  assert.is(io.toClients.length, 1);
  assert.ok(io.timers.length === 1 && io.timers[0]!.at - io.t <= 10, "a retry is armed soon");
  io.clientRc = 0;
  io.advance(10);
  assert.equal(io.toClients.slice(1).map(([, d]) => d[d.length - 1]), [1, 2, 3], "all delivered, in order");
  assert.is(io.timers.length, 0, "nothing left to retry");
});

test("stop clears the timer and ignores later drives", () => {
  const { core, driver, io } = setup();
  core.deadline = 1100;
  driver.drive();
  driver.stop();
  assert.is(io.timers.length, 0);
  driver.drive();
  assert.is(io.timers.length, 0);
});

test.run();
