// Broadcast-id (BPI) de-dup cache, as servald's overlay_broadcast_drop_check (spec 4.2).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BroadcastCache, bpiHash } from "../../src/mdp/broadcast-cache";

test("BPI hash of 01..08 is slot 921 (hand-computed)", () => {
  // h: 0 ->1 ->10 ->83 ->668 ->5349 ->42798 ->14706 ->52121 ; 52121 & 0x3FF = 921
  assert.is(bpiHash(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)), 921);
});

test("BPI hash of FF x 8 is slot 682 (0xAAAA & 0x3FF)", () => {
  assert.is(bpiHash(new Uint8Array(8).fill(0xff)), 682);
});

test("first sight passes, repeat is a duplicate, a colliding id evicts", () => {
  const c = new BroadcastCache();
  const id = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  assert.is(c.checkAndRemember(id), false);
  assert.is(c.checkAndRemember(id), true);
  // Find another id in the same slot: it replaces the first.
  const other = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  let found = false;
  for (let a = 0; a < 256 && !found; a++) {
    for (let b = 0; b < 256; b++) {
      other[6] = a; other[7] = b;
      if ((a !== 7 || b !== 8) && bpiHash(other) === 921) { found = true; break; }
    }
  }
  assert.ok(found);
  assert.is(c.checkAndRemember(other), false);
  assert.is(c.checkAndRemember(id), false); // forgotten: one id per slot
});

test("an all-zero id is always a duplicate (the table starts zeroed)", () => {
  const c = new BroadcastCache();
  assert.is(c.checkAndRemember(new Uint8Array(8)), true);
});

test.run();
