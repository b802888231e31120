// The interface rescan's alarm (src/daemon/lazy-alarm.ts) against a fake clock:
// due every 5 s, it runs on the first wakeup after that; its own timer wakes the
// process only when no wakeup came within the slack, and is re-armed once per
// run, not per wakeup.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LazyAlarm } from "../../src/daemon/lazy-alarm.js";
import { FakeDriverIo } from "../helpers/driver-io.js";

function setup(): { io: FakeDriverIo; alarm: LazyAlarm; ran: number[]; armed: () => number } {
  const io = new FakeDriverIo();
  const ran: number[] = [];
  let arms = 0;
  const clock = {
    now: () => io.now(),
    setTimeout: (fn: () => void, ms: number) => { arms++; return io.setTimeout(fn, ms); },
    clearTimeout: (h: unknown) => io.clearTimeout(h),
  };
  const alarm = new LazyAlarm(clock, 5000, 2000, () => ran.push(io.now()));
  return { io, alarm, ran, armed: () => arms };
}

test("rides on wakeups: every wakeup at 500 ms (a tick) runs it on the first one at or after each 5 s", () => {
  const { io, alarm, ran, armed } = setup();
  const t0 = io.now();
  for (let i = 0; i < 40; i++) {
    io.advance(500);
    alarm.poll();
  }
  assert.equal(ran.map((t) => t - t0), [5000, 10000, 15000, 20000]);
  assert.equal(alarm.timerRuns, 0, "its own timer never fired");
  assert.equal(armed(), 1 + 4, "one timer at the start, then one per run (none per wakeup)");
  assert.equal(io.timers.length, 1, "a single fallback timer pending");
});

test("wakeups that do not fall on the period: the first one after the due time runs it", () => {
  const { io, alarm, ran } = setup();
  const t0 = io.now();
  io.advance(4900); assert.equal(alarm.poll(), false);
  io.advance(300); assert.equal(alarm.poll(), true);
  assert.equal(alarm.poll(), false, "not twice on one wakeup");
  assert.equal(ran.map((t) => t - t0), [5200]);
  assert.equal(alarm.nextAt - t0, 10200, "the next period counts from the run");
});

test("no other wakeups (no interface up yet): the fallback timer runs it at 5 + 2 s, and again every 7 s", () => {
  const { io, alarm, ran } = setup();
  const t0 = io.now();
  io.advance(21_000);
  assert.equal(ran.map((t) => t - t0), [7000, 14000, 21000]);
  assert.equal(alarm.timerRuns, 3);
  assert.equal(alarm.runs, 3);
});

test("a run between timer and wakeups moves the deadline; runNow restarts the period; stop ends it", () => {
  const { io, alarm, ran } = setup();
  const t0 = io.now();
  io.advance(6000); alarm.poll(); // due since 5 s: runs now, on the wakeup at 6 s
  io.advance(7000); // no wakeup: fallback at 6 + 7 = 13 s
  assert.equal(ran.map((t) => t - t0), [6000, 13000]);
  alarm.runNow();
  assert.equal(ran.length, 3);
  assert.equal(alarm.nextAt - io.now(), 5000);
  alarm.stop();
  io.advance(60_000);
  assert.equal(alarm.poll(), false);
  assert.equal(ran.length, 3, "nothing after stop");
  assert.equal(io.timers.length, 0, "its timer cleared");
});

test("setPeriod (the netlink watch failed: back to 5 s from 60 s): the new period counts from now, with one timer", () => {
  const io = new FakeDriverIo();
  const ran: number[] = [];
  const alarm = new LazyAlarm(io, 60_000, 2000, () => ran.push(io.now()));
  const t0 = io.now();
  io.advance(10_000); assert.equal(alarm.poll(), false);
  alarm.setPeriod(5000);
  assert.equal(alarm.nextAt - t0, 15_000);
  assert.equal(io.timers.length, 1, "the 60 s fallback timer was replaced");
  io.advance(5000); assert.equal(alarm.poll(), true);
  io.advance(7000); // no wakeup: the fallback timer, 5 + 2 s after that run
  assert.equal(ran.map((t) => t - t0), [15_000, 22_000]);
});

test.run();
