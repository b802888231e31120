// Issue 13, item 1: a local client that binds a port and never reads loses
// only its own datagrams (counted, one log line for it), never delays other
// clients, and costs no per-input work proportional to what is held for it.
// The driver and the client server are real; the clock, the core and the
// client sockets are fakes (a socket "full" after 10 datagrams, as Linux's
// net.unix.max_dgram_qlen).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MeshDriver } from "../../src/daemon/mesh-driver.js";
import { FakeDriverIo } from "../helpers/driver-io.js";
import { ClientServer } from "../../src/daemon/client-server.js";
import { ClientQueues, FULL, GONE, HELD_PER_CLIENT, HELD_TOTAL, SENT, SendResult, STUCK_AFTER_MS } from "../../src/daemon/client-queues.js";
import type { Delivery, MeshCore, SendRequest, Transmit } from "../../src/daemon/mesh-core.js";
import { decodeMdpHeader, encodeMdpMessage, MDP_FLAG_BIND, MDP_FLAG_ERROR, MDP_IDENTITY } from "../../src/wire/client-header.js";

const ME = new Uint8Array(32).fill(1);
const ANY = new Uint8Array(32);

class Core implements MeshCore {
  deliveries: Delivery[] = [];
  sent: SendRequest[] = [];
  identities() { return [ME]; }
  send(_n: number, d: SendRequest) { this.sent.push(d); return true; }
  routes() { return []; }
  interfaces() { return []; }
  primarySignKey() { return undefined; }
  interfaceUp() {}
  interfaceDown() {}
  handlePacket() {}
  handleTimeout() {}
  pollTransmit(): Transmit | undefined { return undefined; }
  pollTimeout() { return undefined; }
  pollDelivery() { return this.deliveries.shift(); }
  notifySendFailed() {}
}

/** Client sockets: each takes QLEN datagrams until its owner reads; "gone" ones refuse (ECONNREFUSED). */
class Io extends FakeDriverIo {
  queued = new Map<string, Uint8Array[]>();
  gone = new Set<string>();
  sendCalls = new Map<string, number>();
  static QLEN = 10;
  override sendToClient(to: string, d: Uint8Array) {
    this.sendCalls.set(to, (this.sendCalls.get(to) ?? 0) + 1);
    if (this.gone.has(to)) return -111;
    const q = this.queued.get(to) ?? [];
    this.queued.set(to, q);
    if (q.length >= Io.QLEN) return -11;
    q.push(d);
    return 0;
  }
  /** The client reads everything queued on its socket. */
  read(to: string): Uint8Array[] { const q = this.queued.get(to) ?? []; this.queued.set(to, []); return q; }
}

function setup() {
  const core = new Core();
  const clients = new ClientServer(core);
  const io = new Io();
  const driver = new MeshDriver(core, clients, io);
  const bind = (client: string, port: number) => {
    clients.handleMessage(io.t, client, encodeMdpMessage({ localSid: ANY, localPort: port, remoteSid: ANY, remotePort: 0, flags: MDP_FLAG_BIND, qos: 0, ttl: 0 }));
    driver.drive();
    io.read(client);
  };
  const deliver = (port: number, seq: number) => {
    core.deliveries.push({ localSid: ME, localPort: port, remoteSid: new Uint8Array(32).fill(9), remotePort: 7, payload: new Uint8Array([seq >> 8, seq & 255]), noCrypt: false, noSign: false, ttl: 1, qos: 3 });
    driver.drive();
  };
  return { core, clients, io, driver, bind, deliver };
}

const seqOf = (d: Uint8Array) => (d[d.length - 2]! << 8) | d[d.length - 1]!;

test("a client that never reads: holds HELD_PER_CLIENT, drops the rest (counted), ONE warning; a reading client on another port is not delayed", () => {
  const { io, driver, bind, deliver } = setup();
  bind("stuck", 600);
  bind("reader", 601);
  let readerGot = 0;
  for (let i = 0; i < 20_000; i++) {
    deliver(600, i);
    if (i % 100 === 0) {
      deliver(601, i);
      const got = io.read("reader");
      assert.is(got.length, 1, `the reader's datagram ${i} arrived at once`);
      readerGot++;
      io.advance(1);
    }
  }
  assert.is(readerGot, 200);
  const q = driver.clientQueueStats;
  assert.is(q.dropped, 20_000 - Io.QLEN - HELD_PER_CLIENT, "everything beyond its socket and its queue is dropped");
  assert.is(q.stuckClients, 1);
  const lines = io.logs.filter((l) => l.includes("stuck"));
  assert.is(lines.length, 1, lines.join("\n"));
  assert.match(lines[0]!, new RegExp(`^warn MDP client stuck is not reading its socket: datagrams to it are dropped while ${HELD_PER_CLIENT} of its messages wait`));
});

test("per-input cost does not grow with what is held: at most one retry per drive round while it may still read, then backed off", () => {
  const { io, driver, bind, deliver } = setup();
  bind("stuck", 600);
  for (let i = 0; i < 6000; i++) { deliver(600, i); io.advance(1); } // 6 s of 1000 datagrams/s
  const calls = io.sendCalls.get("stuck")!;
  // For STUCK_AFTER_MS one sendto per drive round (two rounds per input here), then one per 128 ms at most.
  assert.ok(calls <= 2 * STUCK_AFTER_MS + 60, `${calls} sendto calls for 6000 inputs`);
  const before = io.sendCalls.get("stuck")!;
  for (let i = 0; i < 5000; i++) deliver(600, i); // 5000 more inputs at one instant: no sendto for any of them
  assert.is(io.sendCalls.get("stuck"), before);
  assert.is(driver.clientQueueStats.dropped, 11_000 - Io.QLEN - HELD_PER_CLIENT);
});

test("a slow reader gets everything, in order, once it reads again (nothing dropped below the cap)", () => {
  const { io, driver, bind, deliver } = setup();
  bind("slow", 600);
  for (let i = 0; i < 300; i++) deliver(600, i);
  const got: number[] = io.read("slow").map(seqOf);
  for (let round = 0; round < 100 && got.length < 300; round++) {
    io.advance(130); // at most the back-off ceiling
    got.push(...io.read("slow").map(seqOf));
  }
  assert.equal(got, Array.from({ length: 300 }, (_, i) => i));
  assert.is(driver.clientQueueStats.dropped, 0);
  assert.is(io.timers.length, 0, "nothing left to retry");
});

test("a client that reads as fast as it can is refilled on the next drive, not after a timer", () => {
  const { io, driver, bind, deliver } = setup();
  bind("busy", 600);
  let next = 0;
  for (let i = 0; i < 40; i++) deliver(600, next++); // 10 on its socket, 30 held
  const got: number[] = io.read("busy").map(seqOf);
  io.advance(2); // the first retry: it took messages, so it is now retried eagerly
  got.push(...io.read("busy").map(seqOf));
  for (let k = 0; k < 20; k++) {
    deliver(600, next++); // each input drives: what it read is refilled at once, the clock standing still
    got.push(...io.read("busy").map(seqOf));
  }
  assert.equal(got, Array.from({ length: next }, (_, i) => i));
  assert.is(driver.clientQueueStats.dropped, 0);
});

test("the stuck client exits: one quiet close (no line per held message), memory released", () => {
  const { io, clients, driver, bind, deliver } = setup();
  bind("stuck", 600);
  for (let i = 0; i < 3000; i++) deliver(600, i);
  io.gone.add("stuck");
  io.advance(1000);
  assert.is(io.logs.filter((l) => /closing dead MDP client stuck/.test(l)).length, 1);
  assert.is(io.logs.filter((l) => l.startsWith("info") && l.includes("stuck")).length, 0, "the warning was its one line");
  assert.is(io.logs.filter((l) => l.startsWith("warn")).length, 1);
  assert.is(clients.bindingCount(), 0);
  assert.is(io.timers.length, 0);
  deliver(600, 1);
  assert.is(driver.clientQueueStats.dropped, 3000 - Io.QLEN - HELD_PER_CLIENT, "nothing more held or dropped for it");
});

test("garbage from a client that never reads its replies: ERROR replies held then dropped, one warning, O(1) each", () => {
  const { io, clients, driver } = setup();
  const junk = encodeMdpMessage({ localSid: new Uint8Array(32).fill(7), localPort: 5, remoteSid: ANY, remotePort: 99, flags: 0, qos: 0, ttl: 0 });
  for (let i = 0; i < 10_000; i++) {
    clients.handleMessage(io.t, "junk", junk);
    driver.drive();
  }
  assert.is(clients.stats.errors, 10_000);
  // one retry per drive round (not per held reply) while it may still read
  assert.ok(io.sendCalls.get("junk")! <= 2 * 10_000 + Io.QLEN + 1, `sendto calls ${io.sendCalls.get("junk")}`);
  assert.is(driver.clientQueueStats.dropped, 10_000 - Io.QLEN - HELD_PER_CLIENT);
  assert.is(io.logs.filter((l) => l.includes("junk")).length, 1);
});

test("a goodbye from a client with held messages drops them (no retries to a closed client)", () => {
  const { io, clients, driver, bind, deliver } = setup();
  bind("c", 600);
  for (let i = 0; i < 100; i++) deliver(600, i);
  clients.handleMessage(io.t, "c", encodeMdpMessage({ localSid: ANY, localPort: 0, remoteSid: ANY, remotePort: 0, flags: 0x08, qos: 0, ttl: 0 }));
  driver.drive();
  const before = io.sendCalls.get("c")!;
  io.advance(1000);
  assert.is(io.sendCalls.get("c"), before);
  assert.is(io.timers.length, 0);
});

test("all clients together hold at most HELD_TOTAL", () => {
  const { io, driver, bind, deliver } = setup();
  const n = Math.ceil(HELD_TOTAL / HELD_PER_CLIENT) + 2;
  for (let c = 0; c < n; c++) bind(`c${c}`, 700 + c);
  for (let c = 0; c < n; c++) for (let i = 0; i < HELD_PER_CLIENT + Io.QLEN; i++) deliver(700 + c, i);
  const q = driver.clientQueueStats;
  assert.is(q.held, HELD_TOTAL);
  assert.is(q.dropped, n * HELD_PER_CLIENT - HELD_TOTAL);
  assert.ok(io.logs.filter((l) => l.startsWith("warn")).length <= n);
});

test("replies go to the sender only; deliveries only to the address that bound; an unnamed sender gets nothing and binds nothing", () => {
  const { io, clients, core, driver, bind, deliver } = setup();
  bind("owner", 600);
  // An unnamed socket ("" from recvfrom) cannot be answered and must not share bindings.
  clients.handleMessage(io.t, "", encodeMdpMessage({ localSid: ANY, localPort: 601, remoteSid: ANY, remotePort: 0, flags: MDP_FLAG_BIND, qos: 0, ttl: 0 }));
  clients.handleMessage(io.t, "", encodeMdpMessage({ localSid: ANY, localPort: 600, remoteSid: new Uint8Array(32).fill(9), remotePort: 7, flags: 0, qos: 0, ttl: 0 }));
  driver.drive();
  assert.is(clients.stats.anonymous, 2);
  assert.is(clients.bindingCount(), 1);
  assert.is(core.sent.length, 0, "nothing sent for an unnamed sender");
  assert.is(io.sendCalls.get(""), undefined, "nothing sent to an unnamed address");
  // Another client using the owner's port gets an ERROR, to itself.
  clients.handleMessage(io.t, "other", encodeMdpMessage({ localSid: ANY, localPort: 600, remoteSid: new Uint8Array(32).fill(9), remotePort: 7, flags: 0, qos: 0, ttl: 0 }));
  clients.handleMessage(io.t, "other", encodeMdpMessage({ localSid: ANY, localPort: 0, remoteSid: ANY, remotePort: MDP_IDENTITY, flags: 0, qos: 0, ttl: 0 }));
  driver.drive();
  const toOther = io.read("other").map((d) => decodeMdpHeader(d)!.flags);
  assert.equal(toOther.map((f) => (f & MDP_FLAG_ERROR) !== 0), [true, false]);
  deliver(600, 1);
  assert.is(io.read("owner").length, 1);
  assert.equal([...io.sendCalls.keys()].sort(), ["other", "owner"]);
});

test("ClientQueues alone: GONE while draining forgets the client once; FULL keeps order", () => {
  const log: string[] = [];
  let mode: SendResult = FULL;
  const sent: number[] = [];
  const q = new ClientQueues((_to, d) => { if (mode === SENT) sent.push(d[0]!); return mode; }, (to, w) => log.push(`gone ${to} ${w}`), (to) => log.push(`warn ${to}`));
  for (let i = 1; i <= 5; i++) q.offer(0, "a", new Uint8Array([i]));
  assert.is(q.heldCount, 5);
  mode = SENT;
  q.retry(q.retryAt);
  assert.equal(sent, [1, 2, 3, 4, 5]);
  mode = FULL;
  q.offer(10, "a", new Uint8Array([6]));
  mode = GONE;
  q.retry(q.retryAt);
  assert.equal(log, ["gone a false"]);
  assert.is(q.heldCount, 0);
  assert.is(q.retryAt, Infinity);
});

test.run();
