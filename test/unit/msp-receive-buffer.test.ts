// The receive ring grows only as far ahead as packets arrive (8 slots to start,
// up to the window) and shrinks once empty; ordering and bounds are unchanged.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ReceiveBuffer, RX_BEYOND, RX_DUPLICATE, RX_NEW, RX_OLD } from "../../src/msp/receive-buffer";

const body = (n: number) => Uint8Array.of(n & 0xff);
const slots = (r: ReceiveBuffer) => (r as unknown as { slots: unknown[] }).slots.length;

test("starts with 8 slots; packets far ahead grow it, order is kept across the growth", () => {
  const r = new ReceiveBuffer(256);
  assert.is(slots(r), 8);
  for (let s = 1; s < 6; s++) assert.is(r.insert(s, 0, body(s)), RX_NEW);
  assert.is(slots(r), 8);
  assert.is(r.insert(100, 0, body(100)), RX_NEW);
  assert.is(slots(r), 128);
  assert.is(r.insert(255, 0, body(255)), RX_NEW);
  assert.is(slots(r), 256);
  assert.is(r.insert(256, 0, body(0)), RX_BEYOND);
  assert.is(r.insert(3, 0, body(3)), RX_DUPLICATE);
  assert.ok(r.holds(100) && r.holds(255) && !r.holds(6));
  assert.is(r.insert(0, 0, body(0)), RX_NEW);
  assert.ok(r.contiguousThrough(5) && !r.contiguousThrough(6));
  for (let s = 0; s < 6; s++) {
    assert.equal(Array.from(r.head()!.body), [s]);
    r.advance();
  }
  assert.is(r.head(), undefined);
  assert.is(r.insert(5, 0, body(5)), RX_OLD);
  assert.ok(r.holds(100));
});

test("an emptied large ring shrinks back; a window smaller than 8 is never exceeded", () => {
  const r = new ReceiveBuffer(256);
  r.insert(70, 0, body(70));
  for (let s = 0; s < 70; s++) r.insert(s, 0, body(s));
  assert.is(slots(r), 128);
  for (let s = 0; s <= 70; s++) {
    assert.equal(Array.from(r.head()!.body), [s]);
    r.advance();
  }
  assert.is(r.count, 0);
  assert.is(slots(r), 8);
  assert.is(r.insert(71, 0, body(71)), RX_NEW);
  assert.equal(Array.from(r.head()!.body), [71]);
  const small = new ReceiveBuffer(4);
  assert.is(slots(small), 4);
  assert.is(small.insert(3, 0, body(3)), RX_NEW);
  assert.is(small.insert(4, 0, body(4)), RX_BEYOND);
  assert.is(slots(small), 4);
});


test("contiguousThrough (kept as a count, O(1)) agrees with a walk from the head, random arrivals and reads", () => {
  let x = 12345;
  const rnd = (n: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % n; };
  const r = new ReceiveBuffer(64);
  const held = new Set<number>();
  let next = 0;
  for (let step = 0; step < 20000; step++) {
    if (rnd(3) > 0) {
      const seq = next + rnd(70) - 3;
      const res = r.insert(seq & 0xffff, 0, body(seq));
      if (res === RX_NEW) held.add(seq);
    } else if (r.head()) {
      r.advance();
      held.delete(next);
      next++;
    }
    for (let k = -2; k < 66; k++) {
      let walk = true;
      for (let j = 0; j <= k; j++) if (!held.has(next + j)) walk = false;
      assert.is(r.contiguousThrough((next + k) & 0xffff), walk, `step ${step}, next ${next}, +${k}`);
    }
  }
});

test.run();
