// Per-hop retransmission bookkeeping: ACK and NACK handling (spec 6.4-6.5).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { TxQueue, retransmitDelay, type TxFrame } from "../../src/mdp/tx-queue";
import { newDestination, newNeighbour, type Iface } from "../../src/mdp/neighbours";
import type { FrameRepr } from "../../src/wire/types";
import { QUEUE_PER_DESTINATION_MAX } from "../../src/mdp/constants";

const iface = { index: 1, name: "x", mtu: 1200, broadcastAddress: "b", tickMs: 500, nextTickAt: 0 } as Iface;
iface.broadcast = newDestination(iface, "b", false, 300);
const dest = newDestination(iface, "n", true, 300);
const sub = { sid: new Uint8Array(32), hex: "N", signKey: undefined, local: false, lastUsed: 0, explainedAt: 0, keyRequestAt: 0, abbrev: 1 };
const n = newNeighbour(sub, 0);
const other = newNeighbour({ ...sub, hex: "O" }, 0);

/** The destination has sent `count` packets (its wire sequence is the low byte). */
function sentSoFar(count: number): void {
  dest.sent = count;
  dest.seq = count & 0xff;
}

function frame(linkSeq: number, finalHex = "X", to = n): TxFrame {
  return {
    frame: {} as FrameRepr, finalHex, fixed: undefined, reliable: true, enqueuedAt: 0, deadline: 5000,
    txCount: 1, nextTxAt: 500, seq16: linkSeq, sentDest: dest, sentTo: to, sentLinkSeq: linkSeq, pickedTo: undefined, pickedFrom: undefined,
    ackFor: undefined, local: false,
  };
}

test("ACK (14, 0b1110): frames in 14, 12, 11 are dequeued; the one in 13 is NACKed; 15 waits", () => {
  const q = new TxQueue();
  sentSoFar(15);
  const f = [11, 12, 13, 14, 15].map((s) => frame(s));
  for (const x of f) q.add(x);
  const acked: number[] = [];
  const r = q.onAck(n, dest, 14, 0b1110, 100, (x) => acked.push(x.sentLinkSeq));
  assert.is(r.acked, 3);
  assert.is(r.nacked, 1);
  assert.equal(acked.sort(), [11, 12, 14]);
  assert.equal(q.frames.map((x) => x.sentLinkSeq), [13, 15]);
  assert.is(f[2].nextTxAt, 100); // resend now
  assert.is(f[4].nextTxAt, 500); // sent after the ACK: keep its timer
});

test("frames sent after the ACKed packet stay in order behind the ones kept (the scan stops at the first)", () => {
  const q = new TxQueue();
  sentSoFar(18);
  const f = [10, 10, 11, 12, 16, 17, 17, 18].map((s) => frame(s));
  for (const x of f) q.add(x);
  const r = q.onAck(n, dest, 12, 0b10, 100, () => {});
  assert.is(r.acked, 3); // 12, and 10 twice (bit 1); 11 NACKed
  assert.is(r.nacked, 1);
  assert.equal(q.frames, [f[2], f[4], f[5], f[6], f[7]]);
  assert.equal(f.slice(4).map((x) => x.nextTxAt), [500, 500, 500, 500]);
  assert.is(q.onAck(n, dest, 18, 0b11, 100, () => {}).acked, 4);
  assert.equal(q.frames, [f[2]]);
});

test("an ACK from another neighbour, or for another destination, touches nothing", () => {
  const q = new TxQueue();
  sentSoFar(3);
  q.add(frame(3));
  q.add(frame(3, "X", other));
  assert.is(q.onAck(n, iface.broadcast, 3, 0, 0, () => {}).acked, 0);
  assert.is(q.onAck(other, dest, 3, 0, 0, () => {}).acked, 1);
  assert.is(q.length, 1);
  assert.is(q.frames[0].sentTo, n);
});

test("an ACK for a packet 256 sends later (same 8-bit sequence) does not ACK an older frame: it NACKs it", () => {
  const q = new TxQueue();
  sentSoFar(300 + 256);
  const old = frame(300); // wire sequence 300 & 0xff = 44, sent 256 packets ago
  const fresh = frame(300 + 256);
  q.add(old);
  q.add(fresh);
  const r = q.onAck(n, dest, (300 + 256) & 0xff, 0, 100, () => {});
  assert.is(r.acked, 1);
  assert.is(r.nacked, 1);
  assert.equal(q.frames, [old]);
  assert.is(old.nextTxAt, 100);
});

test("per-destination cap drops the oldest frame for that destination and counts it", () => {
  const q = new TxQueue();
  let dropped = 0;
  q.onDrop = () => { dropped++; };
  for (let i = 0; i < QUEUE_PER_DESTINATION_MAX + 5; i++) q.add(frame(i, "X"));
  q.add(frame(0, "Y"));
  assert.is(q.countFor("X"), QUEUE_PER_DESTINATION_MAX);
  assert.is(q.countFor("Y"), 1);
  assert.is(dropped, 5);
  assert.is(q.frames[0].sentLinkSeq, 5); // 0..4 went first
});

test("retransmit delay follows the destination's RTO, backing off to 1 s", () => {
  const d = newDestination(iface, "z", true, 100);
  assert.is(retransmitDelay(d, 1), 100);
  assert.is(retransmitDelay(d, 2), 100);
  assert.ok(retransmitDelay(d, 5) > 200);
  assert.is(retransmitDelay(d, 50), 1000);
  // The default retry cap then covers several seconds even with a 30 ms RTO.
  const fast = newDestination(iface, "f", true, 30);
  let total = 0;
  for (let k = 1; k < 14; k++) total += retransmitDelay(fast, k);
  assert.ok(total > 4000, `retries span ${total} ms`);
});

test("retransmit delay: an RTO above 1 s (a next hop that answers late) is kept, not cut to 1 s", () => {
  const slow = newDestination(iface, "s", true, 2500);
  assert.is(retransmitDelay(slow, 1), 2500);
  assert.is(retransmitDelay(slow, 5), 2500);
});

test.run();
