// The MSP connection's timer table (src/msp/timers.ts) and the drivers' one
// re-armed timer (src/platform/deadline-timer.ts): every deadline pollTimeout
// reports is acted on (by handleTimeout or pollTransmit), so a driver woken
// at that deadline never finds it still due after draining.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MspConnection } from "../../src/msp/connection";
import { NEVER, TimerTable } from "../../src/msp/timers";
import { Clock, DeadlineTimer } from "../../src/platform/deadline-timer";
import { randomBytes } from "../helpers/msp-sim";
import { prng } from "../helpers/prng";

test("TimerTable: next() is the earliest field, NEVER when all are stopped", () => {
  const t = new TimerTable();
  assert.is(t.next(), NEVER);
  const fields = ["idle", "rto", "reorder", "ackDue", "hint", "kick", "keepalive"] as const;
  for (const [i, f] of fields.entries()) {
    t[f] = 100 - i;
    assert.is(t.next(), 100 - i, f);
  }
  for (const f of fields) t[f] = NEVER;
  assert.is(t.next(), NEVER);
  t.keepalive = 7;
  t.idle = 9;
  assert.is(t.next(), 7);
});

class FakeClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void; dead: boolean }[] = [];
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown {
    const h = { at: this.t + ms, fn, dead: false };
    this.timers.push(h);
    return h;
  }
  clearTimeout(h: unknown): void { (h as { dead: boolean }).dead = true; }
  live() { return this.timers.filter((x) => !x.dead); }
  advance(to: number) {
    for (;;) {
      const next = this.live().filter((x) => x.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      next.dead = true;
      this.t = next.at;
      next.fn();
    }
    this.t = to;
  }
}

test("DeadlineTimer: one platform timer, moved only when the deadline changes, fires once, rounds up", () => {
  const clock = new FakeClock();
  let fired = 0;
  const dt = new DeadlineTimer(clock, () => fired++);
  assert.is(dt.arm(Infinity), false);
  assert.is(clock.timers.length, 0);
  assert.is(dt.arm(10.2), true);
  assert.is(clock.live()[0].at, 11, "whole ms, never early");
  assert.is(dt.arm(10.2), false, "same deadline: the pending timer stays");
  assert.is(clock.live().length, 1);
  assert.is(dt.arm(5), true);
  assert.is(clock.live().length, 1, "moved, not added");
  assert.is(dt.armedAt, 5);
  clock.advance(20);
  assert.is(fired, 1);
  assert.is(dt.armedAt, Infinity);
  dt.arm(30);
  dt.stop();
  clock.advance(40);
  assert.is(fired, 1, "stopped");
  assert.is(dt.armedAt, Infinity);
});

/** Two connections over a lossy, reordering link, driven like a real driver:
 * wake at the earliest deadline or arrival, handleTimeout, drain pollTransmit.
 * After that no connection may still report a deadline at or before now. */
function drive(seed: number, loss: number, hintless: boolean) {
  const r = prng(seed);
  const a = new MspConnection(0, "connect");
  let b: MspConnection | undefined;
  const q: { at: number; n: number; toB: boolean; p: Uint8Array }[] = [];
  let n = 0;
  let now = 0;
  const data = randomBytes(60_000, seed);
  let written = 0;
  let got = 0;
  let wakeups = 0;
  const send = (toB: boolean, p: Uint8Array) => {
    if (r() < loss) return;
    // A Serval DNA receiver sends no selective-ack hints: cut them off.
    if (hintless && !toB && p.length === 4) p = p.subarray(0, 3);
    q.push({ at: now + 10 + (r() < 0.2 ? 25 : 0) + r() * 3, n: n++, toB, p });
  };
  const drain = () => {
    if (written < data.length) written += a.write(data.subarray(written));
    if (written >= data.length) a.shutdown(now);
    for (let p = a.pollTransmit(now); p; p = a.pollTransmit(now)) send(true, p);
    if (b) {
      for (let d = b.read(); d; d = b.read()) { got += d.length; b.consume(d.length, now); }
      if (b.remoteShutdown) b.shutdown(now);
      for (let p = b.pollTransmit(now); p; p = b.pollTransmit(now)) send(false, p);
    }
    for (const c of [a, b]) {
      const t = c?.pollTimeout();
      if (t !== undefined && t <= now) assert.unreachable(`seed ${seed}: a deadline at ${t} still due at ${now} after handleTimeout and pollTransmit`);
    }
  };
  drain();
  for (let guard = 0; guard < 200_000; guard++) {
    let next = Math.min(a.pollTimeout() ?? Infinity, b?.pollTimeout() ?? Infinity);
    for (const x of q) if (x.at < next) next = x.at;
    if (next === Infinity || next > 120_000) break;
    now = next;
    wakeups++;
    const due = q.filter((x) => x.at <= now).sort((x, y) => x.at - y.at || x.n - y.n);
    for (const x of due) q.splice(q.indexOf(x), 1);
    for (const x of due) {
      if (x.toB) {
        if (!b) b = new MspConnection(now, "accept");
        b.handlePacket(now, x.p);
      } else a.handlePacket(now, x.p);
    }
    a.handleTimeout(now);
    b?.handleTimeout(now);
    drain();
  }
  return { got, wakeups, a, b };
}

test("every deadline pollTimeout reports is acted on (hinting peer and Serval-style peer, 0-30% loss)", () => {
  for (const hintless of [false, true]) {
    for (const [seed, loss] of [[1, 0], [2, 0.05], [3, 0.1], [4, 0.2], [5, 0.3]] as const) {
      const { got, wakeups, a, b } = drive(seed, loss, hintless);
      assert.is(got, 60_000, `seed ${seed} loss ${loss}${hintless ? " hintless" : ""}: all data arrived`);
      assert.is(a.closed, "graceful");
      assert.is(b?.closed, "graceful");
      assert.ok(wakeups > 10);
    }
  }
});

test.run();
