// In-process MDP sockets (src/daemon/inproc-mdp-socket.ts): what the
// daemon-hosted tunnels use instead of a client socket. Bindings in the real
// ClientServer's port table, sends into a fake mesh core, back-pressure and
// refusals counted; and two MSP drivers talking through them (two client
// servers joined by a fake link with delay) moving 256 KiB intact.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ClientServer } from "../../src/daemon/client-server";
import { InProcessSockets } from "../../src/daemon/inproc-mdp-socket";
import type { ClientMesh, MeshCore } from "../../src/daemon/mesh-core";
import type { Delivery, SendRequest } from "../../src/mdp/api";
import type { Clock as DriverClock } from "../../src/platform/deadline-timer";
import { MspDriver } from "../../src/msp/driver";
import { MDP_NO_CRYPT, MDP_NO_SIGN, MdpInbound } from "../../src/msp/mdp-socket";
import { SID_ANY } from "../../src/wire/types";
import { FakeClock } from "../helpers/fake-clock";

const A = new Uint8Array(32).fill(0x11);
const B = new Uint8Array(32).fill(0x22);

class Clock extends FakeClock implements DriverClock {
  /** Runs due timers (and the promise jobs they start) until done() or maxMs of virtual time. */
  async run(done: () => boolean, maxMs: number): Promise<boolean> {
    const end = this.t + maxMs;
    for (let steps = 0; !done(); steps++) {
      if (steps > 200_000) return false; // a livelock: fail, do not hang
      await Promise.resolve();
      if (!this.step(end)) return done();
    }
    return true;
  }
}

/** One daemon's core as the client server and the sockets see it: sends go to `peer` after 2 ms. */
class Core implements ClientMesh {
  sent: SendRequest[] = [];
  accept = true;
  peer: ClientServer | undefined;
  constructor(private readonly me: Uint8Array, private readonly clock: Clock) {}
  identities() { return [this.me]; }
  send(_now: number, d: SendRequest): boolean {
    if (!this.accept) return false;
    this.sent.push({ ...d });
    const peer = this.peer;
    if (peer) {
      const inbound: Delivery = { remoteSid: d.srcSid!.slice(), remotePort: d.srcPort, localSid: d.dstSid!.slice(), localPort: d.dstPort,
        payload: d.payload.slice(), noCrypt: d.noCrypt ?? false, noSign: d.noSign ?? false, ttl: (d.ttl ?? 31) - 1, qos: d.qos ?? 3 };
      this.clock.setTimeout(() => peer.deliver(inbound), 2);
    }
    return true;
  }
  routes() { return []; }
  interfaces() { return []; }
  primarySignKey() { return undefined; }
}

function daemon(me: Uint8Array, clock: Clock) {
  const core = new Core(me, clock);
  const clients = new ClientServer(core);
  let holding = false, kicks = 0;
  const sockets = new InProcessSockets({
    clients, core: core as unknown as MeshCore, now: () => clock.now(),
    holdingBack: () => holding, kick: () => { kicks++; },
  });
  return { core, clients, sockets, hold: (on: boolean) => { holding = on; }, kicks: () => kicks };
}

test("bind, send (crypt flags, defaults), back-pressure and refusals counted, delivery mapped, close frees the port", async () => {
  const clock = new Clock();
  const d = daemon(A, clock);
  const s = d.sockets.factory();
  const bound = await s.bind(SID_ANY, 600);
  assert.equal(bound, { sid: A, port: 600 });
  assert.is(d.clients.bindLocal(SID_ANY, 600, () => undefined), -1, "port taken");
  const remote = { sid: B, port: 9 };
  assert.ok(s.send(remote, new Uint8Array([1, 2]), { cryptFlags: MDP_NO_CRYPT, qos: 0, ttl: 0 }));
  const out = d.core.sent[0]!;
  assert.equal([out.srcSid, out.srcPort, out.dstSid, out.dstPort, out.noCrypt, out.noSign, out.ttl, out.qos], [A, 600, B, 9, true, false, 31, 3]);
  assert.is(d.kicks(), 1);
  d.hold(true);
  assert.not.ok(s.send(remote, new Uint8Array([3]), { cryptFlags: 0, qos: 0, ttl: 0 }));
  d.hold(false);
  d.core.accept = false;
  let errors = 0;
  s.onError(() => { errors++; });
  assert.ok(s.send(remote, new Uint8Array([4]), { cryptFlags: 0, qos: 0, ttl: 0 }), "a refused datagram is not retried");
  assert.is(errors, 1);
  assert.equal(d.sockets.stats, { sent: 1, heldBack: 1, refused: 1, received: 0 });
  const got: MdpInbound[] = [];
  s.onPacket((p) => got.push({ ...p, local: { ...p.local }, remote: { ...p.remote }, payload: p.payload.slice() }));
  d.clients.deliver({ remoteSid: B, remotePort: 9, localSid: A, localPort: 600, payload: new Uint8Array([7]), noCrypt: true, noSign: true, ttl: 5, qos: 2 });
  assert.equal(got, [{ local: { sid: A, port: 600 }, remote: { sid: B, port: 9 }, cryptFlags: MDP_NO_CRYPT | MDP_NO_SIGN, qos: 2, ttl: 5, payload: new Uint8Array([7]) }]);
  assert.ok(s.alive(), "in-process sockets never lose their daemon");
  s.close();
  assert.is(d.sockets.bound, 0);
  assert.is(d.clients.bindLocal(SID_ANY, 600, () => undefined), 600, "free again");
});

test("two MSP drivers over in-process sockets: 256 KiB intact both ways, through back-pressure", async () => {
  const clock = new Clock();
  const a = daemon(A, clock), b = daemon(B, clock);
  a.core.peer = b.clients;
  b.core.peer = a.clients;
  const da = new MspDriver(clock, a.sockets.factory, undefined, { probe: false });
  const db = new MspDriver(clock, b.sockets.factory, undefined, { probe: false });
  const data = new Uint8Array(256 << 10);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
  const recv = { a: [] as number[], b: [] as number[] };
  const pump = (s: { conn: { read(): Uint8Array | undefined; consume(n: number, now: number): void } }, into: number[]) => {
    for (let c = s.conn.read(); c; c = s.conn.read()) { for (const x of c) into.push(x); s.conn.consume(c.length, clock.now()); }
  };
  let sentA = 0, sentB = 0;
  const feed = (s: { conn: { write(d: Uint8Array): number; shutdown(now: number): void } }, sent: number): number => {
    while (sent < data.length) {
      const n = s.conn.write(data.subarray(sent, Math.min(data.length, sent + 4096)));
      if (n === 0) break;
      sent += n;
    }
    if (sent === data.length) s.conn.shutdown(clock.now());
    return sent;
  };
  da.onAccept = (s) => {
    da.setHandler(s, () => { pump(s, recv.a); sentA = feed(s, sentA); });
    sentA = feed(s, sentA);
  };
  await da.listen(600);
  const sb = await db.connect({ sid: A, port: 600 }, (s) => { pump(s, recv.b); sentB = feed(s, sentB); });
  sentB = feed(sb, sentB);
  // the link backs up now and then: senders retry
  let flips = 0;
  const flip = () => { b.hold(++flips % 7 === 0); a.hold(flips % 11 === 0); clock.setTimeout(flip, 3); };
  clock.setTimeout(flip, 3);
  const ok = await clock.run(() => recv.a.length === data.length && recv.b.length === data.length && sb.conn.remoteShutdown, 120_000);
  assert.ok(ok, `a got ${recv.a.length}, b got ${recv.b.length} of ${data.length} by ${clock.t} ms; sent ${sentA}/${sentB}; ${JSON.stringify([a.sockets.stats, b.sockets.stats])}`);
  assert.ok(recv.a.every((x, i) => x === data[i]) && recv.b.every((x, i) => x === data[i]), "bytes intact and in order");
  assert.ok(a.sockets.stats.heldBack + b.sockets.stats.heldBack > 0, "back-pressure was exercised");
  da.close();
  db.close();
});

test.run();
