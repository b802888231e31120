// MspDriver + StreamPump over a fake daemon (in-memory MDP sockets with loss
// and delay) and a fake clock: the code the msp CLI runs, minus the platform.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MspDriver, PROBE_MS, SEND_BUDGET_BYTES } from "../../src/msp/driver";
import type { Clock } from "../../src/platform/deadline-timer";
import { MspAddress, MspStream } from "../../src/msp/endpoint";
import { MdpInbound, MdpSendOptions, MdpSocket } from "../../src/msp/mdp-socket";
import { ByteStream, PumpEnd, StreamPump } from "../../src/msp/pump";
import { randomBytes, sid } from "../helpers/msp-sim";
import { prng } from "../helpers/prng";
import { FakeClock as BaseClock } from "../helpers/fake-clock";

class FakeClock extends BaseClock implements Clock {
  /** Run timers until done() or the deadline. */
  run(done: () => boolean, maxMs: number): boolean {
    const end = this.t + maxMs;
    const t0 = Date.now();
    while (!done()) if (!this.step(end)) return done();
    if (process.env.MSP_TIMING) console.log(`  virtual ${this.t} ms, real ${Date.now() - t0} ms`);
    return true;
  }
}

/** The mesh as seen through daemons' client sockets: (sid, port) -> socket. */
class FakeMesh {
  readonly sockets = new Map<string, FakeSocket>();
  private next = 256;
  readonly rand: () => number;
  constructor(readonly clock: FakeClock, readonly loss: number, readonly delayMs: number, seed = 1) { this.rand = prng(seed); }
  key(a: MspAddress): string { return `${a.sid[0]}:${a.port}`; }
  ephemeral(): number { return this.next++; }
  /** The daemon of node `sid` restarts: every binding it held is gone. */
  restart(sid: Uint8Array): void {
    for (const [k, sock] of this.sockets) {
      if (sock.bound?.sid[0] !== sid[0]) continue;
      sock.dead = true;
      this.sockets.delete(k);
    }
  }
}

class FakeSocket implements MdpSocket {
  bound: MspAddress | undefined;
  private cb: ((p: MdpInbound) => void) | undefined;
  sent = 0;
  closed = false;
  /** Its daemon went away. */
  dead = false;
  probes = 0;
  private goneCb: (() => void) | undefined;
  private reported = false;
  constructor(private readonly mesh: FakeMesh, private readonly nodeSid: Uint8Array) {}
  alive(): boolean {
    this.probes++;
    if (this.dead) this.gone();
    return !this.dead;
  }
  onGone(cb: (() => void) | undefined): void { this.goneCb = cb; }
  private gone(): void {
    if (this.reported) return;
    this.reported = true;
    this.goneCb?.();
  }
  async bind(_sid: Uint8Array, port: number): Promise<MspAddress> {
    this.bound = { sid: this.nodeSid, port: port || this.mesh.ephemeral() };
    this.mesh.sockets.set(this.mesh.key(this.bound), this);
    return this.bound;
  }
  send(remote: MspAddress, payload: Uint8Array, opts: MdpSendOptions): boolean {
    if (!this.bound) throw new Error("not bound");
    if (this.dead) { this.gone(); return false; }
    this.sent++;
    if (this.mesh.rand() < this.mesh.loss) return true;
    const from = this.bound, data = payload.slice();
    this.mesh.clock.setTimeout(() => {
      const to = this.mesh.sockets.get(this.mesh.key(remote));
      to?.deliver({ local: { sid: remote.sid, port: remote.port }, remote: { sid: from.sid, port: from.port }, cryptFlags: opts.cryptFlags, qos: opts.qos, ttl: 0, payload: data });
    }, this.mesh.delayMs);
    return true;
  }
  deliver(p: MdpInbound): void { this.cb?.(p); }
  onPacket(cb: ((p: MdpInbound) => void) | undefined): void { this.cb = cb; }
  onError(): void {}
  close(): void {
    this.closed = true;
    if (this.bound) this.mesh.sockets.delete(this.mesh.key(this.bound));
  }
}

/** A local TCP-like peer: sends `data` (then EOF), accepts at most `perTick` bytes per write. */
class FakeLocal implements ByteStream {
  private h: { data?(c: Uint8Array): void; end?(): void; error?(e: Error): void; room?(): number } = {};
  /** Read no more than the pump's room() (as TcpStream does). */
  honourRoom = false;
  closedAt = -1;
  private off = 0;
  private paused = true;
  private eofSent = false;
  received: Uint8Array[] = [];
  receivedLen = 0;
  gotEof = false;
  closed = false;
  private writableFn: (() => void) | null = null;
  constructor(private readonly clock: FakeClock, private readonly data: Uint8Array, private readonly perTick = Infinity, private readonly chunk = 4096) {}
  setHandlers(h: { data?(c: Uint8Array): void; end?(): void; error?(e: Error): void; room?(): number }): void { this.h = h; this.resume(); }
  pause(): void { this.paused = true; }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.clock.setTimeout(() => this.pushSome(), 1);
  }
  private pushSome(): void {
    if (this.paused || this.closed) return;
    if (this.off < this.data.length) {
      let max = this.chunk;
      if (this.honourRoom && this.h.room) {
        max = Math.min(max, this.h.room());
        if (max <= 0) return; // the pump paused us
      }
      const c = this.data.subarray(this.off, Math.min(this.data.length, this.off + max));
      this.off += c.length;
      this.h.data?.(c);
      this.clock.setTimeout(() => this.pushSome(), 1);
    } else if (!this.eofSent) {
      this.eofSent = true;
      this.h.end?.();
    }
  }
  private budget = Infinity;
  /** write() calls that took bytes. */
  writes = 0;
  write(d: Uint8Array): number {
    if (this.closed) return -1;
    if (this.budget === Infinity && this.perTick !== Infinity) {
      this.budget = this.perTick;
      this.clock.setTimeout(() => { this.budget = Infinity; if (this.writableFn) this.writableFn(); }, 5);
    }
    const n = Math.min(d.length, this.budget);
    if (this.budget !== Infinity) this.budget -= n;
    if (n > 0) { this.received.push(d.slice(0, n)); this.receivedLen += n; this.writes++; }
    return n;
  }
  onWritable(fn: (() => void) | null): void { this.writableFn = fn; }
  shutdownWrite(): void { this.gotEof = true; }
  close(): void { this.closed = true; this.closedAt = this.clock.t; }
  bytes(): Uint8Array {
    const o = new Uint8Array(this.receivedLen);
    let k = 0;
    for (const c of this.received) { o.set(c, k); k += c.length; }
    return o;
  }
}

function setup(loss: number, seed = 1) {
  const clock = new FakeClock();
  const mesh = new FakeMesh(clock, loss, 15, seed);
  const A = sid(0xaa), B = sid(0xbb);
  const server = new MspDriver(clock, () => new FakeSocket(mesh, B));
  const client = new MspDriver(clock, () => new FakeSocket(mesh, A));
  return { clock, mesh, A, B, server, client };
}

function pumpOn(d: MspDriver, s: MspStream, local: ByteStream, ends: PumpEnd[]): StreamPump {
  const p = new StreamPump(s, local, d, (how) => ends.push(how));
  d.setHandler(s, (_s, e) => p.onEvent(e));
  p.start();
  d.service();
  return p;
}

test("forward-style tunnel: 1 MiB up while the server answers and half-closes at once; slow local writer", async () => {
  const { clock, B, server, client } = setup(0.05, 3);
  const up = randomBytes(1 << 20, 61), down = randomBytes(3000, 62);
  const sEnds: PumpEnd[] = [], cEnds: PumpEnd[] = [];
  let srvLocal: FakeLocal | undefined;
  server.onAccept = (s) => { srvLocal = new FakeLocal(clock, down, 20000); pumpOn(server, s, srvLocal, sEnds); };
  await server.listen(512);
  const cLocal = new FakeLocal(clock, up);
  const s = await client.connect({ sid: B, port: 512 }, () => undefined);
  pumpOn(client, s, cLocal, cEnds);
  assert.ok(clock.run(() => sEnds.length > 0 && cEnds.length > 0, 600000), "both ends finished");
  assert.equal(sEnds, ["graceful"]);
  assert.equal(cEnds, ["graceful"]);
  assert.ok(srvLocal);
  assert.equal(srvLocal.bytes(), up);
  assert.equal(cLocal.bytes(), down);
  assert.ok(srvLocal.gotEof && cLocal.gotEof, "remote shutdown became a local half-close");
  assert.ok(srvLocal.closed && cLocal.closed);
  // The connector's own socket is released once its stream is forgotten.
  clock.run(() => client.streamCount === 0, 10000);
  assert.is(client.streamCount, 0);
});

test("deferInput: datagrams that arrive together are serviced once (fewer acks), 1 MiB intact with and without loss", async () => {
  for (const loss of [0, 0.05]) {
    const acksSent: number[] = [];
    for (const defer of [false, true]) {
      const clock = new FakeClock();
      const mesh = new FakeMesh(clock, loss, 15, 11);
      const A = sid(0xaa), B = sid(0xbb);
      const made: FakeSocket[] = [];
      let services = 0;
      // (as src/daemon/tunnels.ts does with a microtask: after the current callback, here the current virtual ms)
      const opts = defer ? { deferInput: (run: () => void) => { services++; clock.setTimeout(run, 0); } } : {};
      const server = new MspDriver(clock, () => { const f = new FakeSocket(mesh, B); made.push(f); return f; }, undefined, opts);
      const client = new MspDriver(clock, () => new FakeSocket(mesh, A), undefined, opts);
      const up = randomBytes(1 << 20, 71);
      const sEnds: PumpEnd[] = [], cEnds: PumpEnd[] = [];
      let srvLocal: FakeLocal | undefined;
      server.onAccept = (st) => { srvLocal = new FakeLocal(clock, new Uint8Array(0)); pumpOn(server, st, srvLocal, sEnds); };
      await server.listen(520);
      const s = await client.connect({ sid: B, port: 520 }, () => undefined);
      pumpOn(client, s, new FakeLocal(clock, up), cEnds);
      assert.ok(clock.run(() => sEnds.length > 0 && cEnds.length > 0, 600000), `loss ${loss}, defer ${defer}: both ends finished`);
      assert.equal([sEnds, cEnds], [["graceful"], ["graceful"]]);
      assert.ok(srvLocal && Buffer.compare(srvLocal.bytes(), up) === 0, `loss ${loss}, defer ${defer}: 1 MiB intact`);
      if (defer) assert.ok(services > 0, "the deferred service ran");
      acksSent.push(made.reduce((n, f) => n + f.sent, 0));
    }
    if (process.env.MSP_TIMING) console.log(`  loss ${loss}: receiver packets ${acksSent.join(" -> ")}`);
    assert.ok(acksSent[1] < acksSent[0], `loss ${loss}: the receiver sent ${acksSent[1]} packets deferred, ${acksSent[0]} serviced per datagram`);
  }
});

test("in-order messages that arrive together leave in one local write (not one per message), also across short writes", async () => {
  for (const perTick of [Infinity, 20000]) {
    const clock = new FakeClock();
    const mesh = new FakeMesh(clock, 0, 15, 12);
    const A = sid(0xaa), B = sid(0xbb);
    const opts = { deferInput: (run: () => void) => { clock.setTimeout(run, 0); } };
    const server = new MspDriver(clock, () => new FakeSocket(mesh, B), undefined, opts);
    const client = new MspDriver(clock, () => new FakeSocket(mesh, A), undefined, opts);
    const up = randomBytes(1 << 20, 81);
    const sEnds: PumpEnd[] = [], cEnds: PumpEnd[] = [];
    let srvLocal: FakeLocal | undefined;
    server.onAccept = (st) => { srvLocal = new FakeLocal(clock, new Uint8Array(0), perTick); pumpOn(server, st, srvLocal, sEnds); };
    await server.listen(521);
    const s = await client.connect({ sid: B, port: 521 }, () => undefined);
    pumpOn(client, s, new FakeLocal(clock, up), cEnds);
    assert.ok(clock.run(() => sEnds.length > 0 && cEnds.length > 0, 600000), `perTick ${perTick}: both ends finished`);
    assert.equal([sEnds, cEnds], [["graceful"], ["graceful"]]);
    assert.ok(srvLocal && Buffer.compare(srvLocal.bytes(), up) === 0, `perTick ${perTick}: 1 MiB intact`);
    const messages = Math.ceil(up.length / s.conn.config.maxBody);
    if (process.env.MSP_TIMING) console.log(`  perTick ${perTick}: ${srvLocal.writes} local writes for ${messages} messages`);
    assert.ok(srvLocal.writes * 4 < messages, `perTick ${perTick}: ${srvLocal.writes} local writes for ${messages} messages`);
  }
});

/** A listener on `port` whose accepted streams collect what arrives, and N payloads to send it. */
async function sink(server: MspDriver, clock: FakeClock, port: number, sizes: (i: number) => number, seed: number, N = 20) {
  const ends: PumpEnd[] = [];
  const srvLocals: FakeLocal[] = [];
  server.onAccept = (s) => { const l = new FakeLocal(clock, new Uint8Array(0)); srvLocals.push(l); pumpOn(server, s, l, ends); };
  await server.listen(port);
  const datas = Array.from({ length: N }, (_, i) => randomBytes(sizes(i), seed + i));
  return { ends, srvLocals, datas, N };
}

test("many parallel streams through one listener, all byte-identical", async () => {
  const { clock, B, server, client } = setup(0.02, 4);
  const { ends, srvLocals, datas, N } = await sink(server, clock, 600, (i) => 50000 + i * 1000, 100);
  for (let i = 0; i < N; i++) {
    const s = await client.connect({ sid: B, port: 600 }, () => undefined);
    pumpOn(client, s, new FakeLocal(clock, datas[i]), ends);
  }
  assert.ok(clock.run(() => ends.length === 2 * N, 600000));
  assert.ok(ends.every((e) => e === "graceful"));
  const got = srvLocals.map((l) => l.bytes().length).sort((a, b) => a - b);
  assert.equal(got, datas.map((d) => d.length).sort((a, b) => a - b));
  const same = (x: Uint8Array, y: Uint8Array) => x.length === y.length && Buffer.compare(x, y) === 0;
  for (const l of srvLocals) {
    const b = l.bytes();
    assert.ok(datas.some((d) => same(d, b)));
  }
});

test("connects started together (msp connect --forward accepting a burst): every stream keeps its socket and arrives", async () => {
  const { clock, B, server, client } = setup(0, 7);
  const { ends, srvLocals, datas, N } = await sink(server, clock, 601, (i) => 3000 + i, 200);
  // All binds complete before any connect() continues: one stream's service()
  // must not close the sockets the others have just bound.
  const streams = await Promise.all(datas.map(() => client.connect({ sid: B, port: 601 }, () => undefined)));
  streams.forEach((s, i) => pumpOn(client, s, new FakeLocal(clock, datas[i]), ends));
  assert.ok(clock.run(() => ends.length === 2 * N, 120000), `${ends.length} of ${2 * N} ends`);
  assert.ok(ends.every((e) => e === "graceful"), ends.join());
  assert.is(srvLocals.length, N);
});

test("many streams in one process share a send budget; one stream alone gets its full buffer", async () => {
  const { clock, B, server, client } = setup(0, 8);
  await server.listen(602);
  const one = await client.connect({ sid: B, port: 602 }, () => undefined);
  client.service();
  assert.is(one.conn.sendLimit, one.conn.config.sendBufferBytes);
  const more = await Promise.all(Array.from({ length: 49 }, () => client.connect({ sid: B, port: 602 }, () => undefined)));
  client.service();
  const share = Math.floor(SEND_BUDGET_BYTES / 50);
  for (const s of [one, ...more]) assert.is(s.conn.sendLimit, share);
  assert.ok(50 * share <= SEND_BUDGET_BYTES);
  assert.is(client.sendRoom(), SEND_BUDGET_BYTES);
  // A stream holding more than its new share accepts nothing until acks drain it.
  const full = more[0].conn;
  const q = full.bufferedBytes;
  assert.is(full.write(new Uint8Array(share + 1000)), share);
  assert.is(full.write(new Uint8Array(10)), 0);
  full.sendLimit = share / 2;
  assert.is(full.write(new Uint8Array(10)), 0, "no negative writes below the limit");
  assert.is(full.bufferedBytes, q + share);
  client.service();
  assert.is(client.sendRoom(), SEND_BUDGET_BYTES - q - share, "the process budget counts what the streams hold");
  for (const s of more) s.conn.stop(clock.now());
  client.service();
  assert.is(one.conn.sendLimit, one.conn.config.sendBufferBytes, "the budget returns when the others end");
});

test("connect to a bound port that no longer accepts: STOP, closed suddenly", async () => {
  const { clock, B, server, client } = setup(0, 5);
  await server.listen(512);
  server.ep.unlistenPort(512); // still bound in the daemon, no longer accepting
  const ends: PumpEnd[] = [];
  const s = await client.connect({ sid: B, port: 512 }, () => undefined);
  pumpOn(client, s, new FakeLocal(clock, Uint8Array.of(1)), ends);
  assert.ok(clock.run(() => ends.length > 0, 5000));
  assert.equal(ends, ["suddenly"]);
});

test("the listener's daemon restarts: streams end suddenly within a probe period, the port is reported lost, listening again works", async () => {
  const { clock, mesh, B, server, client } = setup(0, 9);
  const made: FakeSocket[] = [];
  const srv = new MspDriver(clock, () => { const f = new FakeSocket(mesh, B); made.push(f); return f; });
  void server;
  const sEnds: PumpEnd[] = [], cEnds: PumpEnd[] = [];
  srv.onAccept = (s) => pumpOn(srv, s, new FakeLocal(clock, new Uint8Array(0)), sEnds);
  let lost: number[] | undefined;
  let lostAt = -1;
  srv.onDaemonLost = (ports) => { lost = ports; lostAt = clock.t; };
  await srv.listen(700);
  // An endless upload: the stream is in flight when the daemon goes.
  const s = await client.connect({ sid: B, port: 700 }, () => undefined);
  pumpOn(client, s, new FakeLocal(clock, randomBytes(64 << 20, 71)), cEnds);
  clock.run(() => clock.t >= 2000, 3000);
  assert.is(srv.openStreams, 1);
  const probesBefore = made[0].probes;
  assert.ok(probesBefore >= 1 && probesBefore <= 3, `${probesBefore} keep-alives in 2 s: one per ${PROBE_MS} ms`);
  const at = clock.t;
  mesh.restart(B);
  assert.ok(clock.run(() => lost !== undefined, 5000), "daemon loss reported");
  assert.equal(lost, [700]);
  assert.ok(lostAt - at <= PROBE_MS + 20, `noticed after ${lostAt - at} ms`);
  assert.equal(sEnds, ["suddenly"]);
  assert.ok(made[0].closed, "the dead socket is closed");
  assert.is(srv.openStreams, 0);
  // The connector's stream is refused by the new daemon: it ends (STOP once we listen again, or times out).
  await srv.listen(700);
  assert.ok(clock.run(() => cEnds.length > 0, 20000), "the remote end of the lost stream ends");
  // A new connection works on the new daemon.
  const ends2: PumpEnd[] = [];
  const data = randomBytes(100_000, 72);
  const got: FakeLocal[] = [];
  srv.onAccept = (x) => { const l = new FakeLocal(clock, new Uint8Array(0)); got.push(l); pumpOn(srv, x, l, ends2); };
  const s2 = await client.connect({ sid: B, port: 700 }, () => undefined);
  pumpOn(client, s2, new FakeLocal(clock, data), ends2);
  assert.ok(clock.run(() => ends2.length === 2, 60000), ends2.join());
  assert.equal(ends2, ["graceful", "graceful"]);
  assert.equal(got[0].bytes(), data);
});

test("the connector's daemon restarts: its streams end suddenly, sockets close, nothing listening is lost", async () => {
  const { clock, mesh, A, B, server, client } = setup(0, 10);
  const sEnds: PumpEnd[] = [], cEnds: PumpEnd[] = [];
  server.onAccept = (s) => pumpOn(server, s, new FakeLocal(clock, new Uint8Array(0)), sEnds);
  await server.listen(701);
  let lost: number[] | undefined;
  client.onDaemonLost = (ports) => { lost = ports; };
  const streams = await Promise.all([1, 2, 3].map(() => client.connect({ sid: B, port: 701 }, () => undefined)));
  streams.forEach((s, i) => pumpOn(client, s, new FakeLocal(clock, randomBytes(32 << 20, 80 + i)), cEnds));
  clock.run(() => clock.t >= 1500, 2000);
  mesh.restart(A);
  assert.ok(clock.run(() => lost !== undefined, 5000));
  assert.equal(lost, []);
  assert.equal(cEnds, ["suddenly", "suddenly", "suddenly"]);
  assert.is(client.openStreams, 0);
  // A socket opened after the restart is alive: a new stream works.
  const data = randomBytes(50_000, 90);
  const s = await client.connect({ sid: B, port: 701 }, () => undefined);
  const ends: PumpEnd[] = [];
  pumpOn(client, s, new FakeLocal(clock, data), ends);
  assert.ok(clock.run(() => ends.length === 1, 60000));
  assert.equal(ends, ["graceful"]);
});

test("unreachable SID: timed out after 10 s", async () => {
  const { clock, client } = setup(0, 6);
  const ends: PumpEnd[] = [];
  const s = await client.connect({ sid: sid(0xcc), port: 512 }, () => undefined);
  pumpOn(client, s, new FakeLocal(clock, Uint8Array.of(1)), ends);
  assert.ok(clock.run(() => ends.length > 0, 30000));
  assert.equal(ends, ["timeout"]);
  assert.ok(clock.t >= 10000 && clock.t < 10100, `at ${clock.t}`);
});


test("pumps read only what fits (whole packets, within the process budget) and close the local side once both directions are done", async () => {
  const { clock, B, server, client } = setup(0.05, 9);
  const N = 40;
  const ups = Array.from({ length: N }, (_, i) => randomBytes(100_000 + i, 700 + i));
  const srvLocals: FakeLocal[] = [];
  const sEnds: PumpEnd[] = [];
  server.onAccept = (s) => { const l = new FakeLocal(clock, Uint8Array.of(1, 2, 3)); srvLocals.push(l); pumpOn(server, s, l, sEnds); };
  await server.listen(603);
  const locals = ups.map((u) => { const l = new FakeLocal(clock, u, Infinity, 16384); l.honourRoom = true; return l; });
  const endAt: number[] = [];
  const streams: MspStream[] = [];
  const start = async (i: number) => {
    const s = await client.connect({ sid: B, port: 603 }, () => undefined);
    streams[i] = s;
    const p = new StreamPump(s, locals[i], client, () => { endAt[i] = clock.t; });
    client.setHandler(s, (_s, e) => p.onEvent(e));
    p.start();
    client.service();
  };
  // Two streams first: alone, they may fill their full buffers; then the rest
  // arrive, and the process budget must hold although those two hold more than their new share.
  await start(0);
  await start(1);
  clock.run(() => false, 40);
  for (let i = 2; i < N; i++) await start(i);
  let maxQueued = 0, maxBodies = 0;
  const done = () => {
    maxQueued = Math.max(maxQueued, client.queuedBytes);
    let bodies = 0;
    for (const s of streams) if (s) bodies += Math.ceil(s.conn.bufferedBytes / s.conn.config.maxBody);
    maxBodies = Math.max(maxBodies, bodies);
    return endAt.filter((x) => x !== undefined).length === N && sEnds.length === N;
  };
  assert.ok(clock.run(done, 900000), `${endAt.filter((x) => x !== undefined).length} of ${N} ended`);
  assert.ok(maxQueued <= SEND_BUDGET_BYTES, `queued at most ${maxQueued} (budget ${SEND_BUDGET_BYTES})`);
  // Whole packets: the bodies held never exceed the budget's worth (plus one partial tail per stream).
  assert.ok(maxBodies <= SEND_BUDGET_BYTES / 1024 + N, `bodies held at most ${maxBodies}`);
  const got = srvLocals.map((l) => l.bytes().length).sort((a, b) => a - b);
  assert.equal(got, ups.map((u) => u.length).sort((a, b) => a - b));
  assert.ok(locals.every((l) => l.closed && l.gotEof));
  // Closed when both directions were done, never after the stream ended; the
  // side that closes the MSP stream first waits for its final ack, not the local side.
  assert.ok(locals.every((l, i) => l.closedAt <= endAt[i]));
  assert.ok(locals.some((l, i) => l.closedAt < endAt[i]) || srvLocals.some((l) => l.closedAt >= 0 && l.closedAt < clock.t), "some local side closed before its stream ended");
});

test.run();
