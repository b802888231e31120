// Link-sequence windows and ACK masks (spec 6.4) and the frame duplicate
// window (spec 4.2), with worked examples.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { SeqWindow64, SEQ_DUP, SEQ_LATE, SEQ_NEW, ackCovers, ackIsAfter, dropRateFromMask, popcount } from "../../src/mdp/link-window";
import { prng } from "../helpers/prng";

test("worked example: 10, 11, 14 (12 and 13 missed), then 12 late", () => {
  const w = new SeqWindow64();
  assert.is(w.receive(10), SEQ_NEW);
  assert.is(w.last, 10);
  assert.is(w.mask32, 0);
  assert.is(w.receive(11), SEQ_NEW);
  assert.is(w.mask32, 0b1); // bit 0 <=> 10 (= last-1-0)
  assert.is(w.receive(14), SEQ_NEW);
  assert.is(w.missed, 2);
  // bit k <=> 14-1-k: bit0=13 (missed), bit1=12 (missed), bit2=11, bit3=10
  assert.is(w.mask32, 0b1100);
  assert.is(w.receive(12), SEQ_LATE);
  assert.is(w.mask32, 0b1110);
  assert.is(w.receive(12), SEQ_DUP);
  assert.is(w.receive(14), SEQ_DUP);
  assert.is(w.receive(10), SEQ_DUP);
  assert.ok(w.has(11) && w.has(14) && !w.has(13));
});

test("sender side: which packets does ACK (14, 0b1110) cover, which are NACKed", () => {
  const ack = 14, mask = 0b1110;
  assert.ok(ackCovers(14, ack, mask)); // d = 0
  assert.ok(ackCovers(12, ack, mask)); // d = 2, bit 1
  assert.ok(ackCovers(11, ack, mask)); // d = 3, bit 2
  assert.not.ok(ackCovers(13, ack, mask)); // d = 1, bit 0 clear
  assert.ok(ackIsAfter(13, ack)); // so 13 is NACKed
  assert.not.ok(ackCovers(15, ack, mask)); // sent after the ACK: neither
  assert.not.ok(ackIsAfter(15, ack));
  // Only 32 mask bits travel: d = 33 is never covered.
  assert.not.ok(ackCovers((14 - 33) & 0xff, ack, 0xffffffff));
  assert.ok(ackCovers((14 - 32) & 0xff, ack, 0x80000000));
});

test("wrap-around: 254 then 1 (255 and 0 missed)", () => {
  const w = new SeqWindow64();
  w.receive(253);
  w.receive(254);
  assert.is(w.receive(1), SEQ_NEW);
  assert.is(w.last, 1);
  assert.is(w.missed, 2);
  // bit0=0 missed, bit1=255 missed, bit2=254, bit3=253
  assert.is(w.mask32, 0b1100);
  assert.is(w.receive(255), SEQ_LATE);
  assert.is(w.mask32, 0b1110);
  assert.ok(ackCovers(253, 1, w.mask32));
  assert.not.ok(ackCovers(0, 1, w.mask32));
});

test("bits beyond 32 are kept (64-entry window) and a jump of 64+ clears it", () => {
  const w = new SeqWindow64();
  w.receive(0);
  w.receive(40); // 0 is now bit 39
  assert.is(w.mask32, 0);
  assert.is(w.hi, 1 << 7);
  assert.ok(w.has(0));
  assert.is(w.receive(0), SEQ_DUP);
  w.receive(40 + 64); // 40 -> bit 63, 0 -> bit 103 (gone)
  assert.is(w.hi >>> 31, 1);
  assert.not.ok(w.has(0));
  w.receive(200); // 96 ahead: everything shifted out
  assert.is(w.lo, 0);
  assert.is(w.hi, 0);
});

test("frame duplicate window: equal to last is a duplicate; late frames once", () => {
  const w = new SeqWindow64();
  assert.is(w.receive(7), SEQ_NEW);
  assert.is(w.receive(7), SEQ_DUP);
  assert.is(w.receive(9), SEQ_NEW);
  assert.is(w.receive(8), SEQ_LATE);
  assert.is(w.receive(8), SEQ_DUP);
  // 63 behind still inside the window (bit 62); 65 behind is treated as new (servald resets).
  const v = new SeqWindow64();
  v.receive(100);
  assert.is(v.receive(100 - 63), SEQ_LATE);
  assert.is(v.receive(100 - 63), SEQ_DUP);
});

test("drop rate from an ACK mask: 15 - received of the last 15, values <= 3 count as 0", () => {
  assert.is(dropRateFromMask(0x7fff), 0);
  assert.is(dropRateFromMask(0x7ff8), 0); // 3 of 15 lost: counts as 0
  assert.is(dropRateFromMask(0x7ff0), 4); // 4 of 15 lost
  assert.is(dropRateFromMask(0x7f00), 8);
  assert.is(dropRateFromMask(0), 15);
  assert.is(dropRateFromMask(0xffff8000), 15); // only the low 15 bits count
  assert.is(popcount(0xffffffff), 32);
});

test("random sequences against a 64-bit model: every jump ahead (1..192), late and repeated ones", () => {
  const rnd = prng(64);
  for (let run = 0; run < 200; run++) {
    const w = new SeqWindow64();
    let last = -1, mask = 0n; // bit k <=> last - 1 - k
    for (let i = 0; i < 200; i++) {
      const r = rnd();
      // (mostly a few ahead, as a neighbour's frames on one of its interfaces; some far, late or repeated)
      const seq = last < 0 ? Math.floor(r * 256) : r < 0.6 ? (last + 1 + Math.floor(rnd() * 40)) & 0xff : r < 0.8 ? (last + 1 + Math.floor(rnd() * 192)) & 0xff : (last - Math.floor(rnd() * 70)) & 0xff;
      let want: number, missed = 0;
      if (last < 0) { want = SEQ_NEW; last = seq; } else if (seq === last) want = SEQ_DUP;
      else {
        const off = (last - 1 - seq) & 0xff;
        if (off < 64) {
          want = (mask >> BigInt(off)) & 1n ? SEQ_DUP : SEQ_LATE;
          mask |= 1n << BigInt(off);
        } else {
          const ahead = (seq - last) & 0xff;
          mask = ((mask << BigInt(ahead)) | (1n << BigInt(ahead - 1))) & 0xffffffffffffffffn;
          missed = ahead - 1;
          last = seq;
          want = SEQ_NEW;
        }
      }
      assert.is(w.receive(seq), want, `run ${run} step ${i}: ${seq}`);
      assert.is(w.last, last);
      assert.is(w.missed, missed);
      assert.is(BigInt(w.lo >>> 0) | (BigInt(w.hi >>> 0) << 32n), mask, `run ${run} step ${i}: the mask after ${seq}`);
    }
  }
});

test.run();
