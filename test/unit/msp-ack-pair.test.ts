// Out-of-order packets share acks (one per hintEvery arrivals or ackDelayMs,
// hinting the newest, with MSP_HINT_PAIR when the one before it is held), every
// hole is named (the packets either side of it), and the sender counts both
// packets of a pair as delivered and resends what the hints say is missing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MspConnection } from "../../src/msp/connection";
import { MSP_FLAG_ACK, MSP_HINT_PAIR, decodeMspPacket, encodeMspAckHint, encodeMspData, newMspPacketRepr } from "../../src/wire/msp-packet";

const body = new Uint8Array(100).fill(7);
const decode = (b: Uint8Array) => {
  const p = newMspPacketRepr();
  assert.ok(decodeMspPacket(b, p));
  return { ...p };
};

// (ackEvery 2: the cumulative acks below follow the consumption of two packets at once)
const EVERY_2 = { ackEvery: 2 };

test("receiver: out-of-order packets share acks: one per hintEvery arrivals or ackDelayMs, hinting the newest (paired when the one before it is held)", () => {
  const rx = new MspConnection(0, "accept", EVERY_2);
  assert.ok(rx.pollTransmit(0), "the accept side answers at once");
  assert.is(rx.pollTransmit(0), undefined);
  rx.handlePacket(10, encodeMspData(0, 0xffff, 1, body)); // seq 0 missing
  assert.is(rx.pollTransmit(10), undefined, "an out-of-order packet waits for company");
  rx.handlePacket(11, encodeMspData(0, 0xffff, 2, body));
  assert.is(rx.pollTransmit(11), undefined, "two are fewer than hintEvery (4)");
  assert.is(rx.pollTimeout(), 15, "ackDelayMs after the first");
  const a = decode(rx.pollTransmit(15)!);
  assert.is(a.ack, 0xffff);
  assert.is(a.hint, 2 | MSP_HINT_PAIR, "seq 2 and the one before it");
  assert.is(rx.pollTransmit(15), undefined, "one ack for the two");

  // Four more out of order: the fourth brings the ack at once, hinting the newest.
  for (const [t, seq] of [[16, 3], [17, 4], [18, 5]] as const) {
    rx.handlePacket(t, encodeMspData(0, 0xffff, seq, body));
    assert.is(rx.pollTransmit(t), undefined, `seq ${seq} waits`);
  }
  rx.handlePacket(19, encodeMspData(0, 0xffff, 6, body));
  const b = decode(rx.pollTransmit(19)!);
  assert.is(b.hint, 6 | MSP_HINT_PAIR, "the newest (6) and 5");
  assert.is(rx.pollTransmit(19), undefined);

  // A repeat counts too: with three new ones it makes four.
  rx.handlePacket(20, encodeMspData(0, 0xffff, 7, body));
  rx.handlePacket(21, encodeMspData(0, 0xffff, 8, body));
  rx.handlePacket(22, encodeMspData(0, 0xffff, 4, body)); // repeated
  assert.is(rx.pollTransmit(22), undefined);
  rx.handlePacket(23, encodeMspData(0, 0xffff, 9, body));
  const c = decode(rx.pollTransmit(23)!);
  assert.is(c.hint, 9 | MSP_HINT_PAIR, "the newest new one");

  rx.handlePacket(30, encodeMspData(0, 0xffff, 11, body)); // 10 missing
  assert.is(rx.pollTimeout(), 35, "a lone one waits ackDelayMs");
  const lone = decode(rx.pollTransmit(35)!);
  assert.is(lone.hint, 11, "alone, after a hole: no pair flag");
  assert.is(rx.pollTransmit(40), undefined, "9, the last packet before the hole, was hinted already: nothing more owed");

  rx.handlePacket(40, encodeMspData(0, 0xffff, 0, body)); // the first hole fills
  for (let x = rx.read(); x; x = rx.read()) rx.consume(x.length, 40); // acks follow consumption
  const cum = decode(rx.pollTransmit(40)!);
  assert.is(cum.ack, 9, "cumulative ack through seq 9");
  assert.is(cum.hint, -1, "hints owed before it already went out");
});

test("receiver: every hole beyond the cumulative ack's is named: the last packet held before it, then the one after it (unpaired), one per ack, the rest ackDelayMs apart", () => {
  const rx = new MspConnection(0, "accept", EVERY_2);
  rx.pollTransmit(0);
  // 0 (the cumulative hole), 3 and 7 are missing.
  for (const [t, seq] of [[10, 1], [11, 2], [12, 4], [13, 5]] as const) rx.handlePacket(t, encodeMspData(0, 0xffff, seq, body));
  const a = decode(rx.pollTransmit(13)!);
  assert.is(a.hint, 2 | MSP_HINT_PAIR, "fourth arrival: the last packet before the hole at 3 (and 1)");
  rx.handlePacket(14, encodeMspData(0, 0xffff, 6, body));
  rx.handlePacket(15, encodeMspData(0, 0xffff, 8, body));
  rx.handlePacket(16, encodeMspData(0, 0xffff, 9, body));
  rx.handlePacket(17, encodeMspData(0, 0xffff, 10, body));
  const b = decode(rx.pollTransmit(17)!);
  assert.is(b.ack, 0xffff);
  assert.is(b.hint, 4, "4 follows the hole at 3 (unpaired: 3 is missing)");
  assert.is(rx.pollTransmit(17), undefined);
  assert.is(rx.pollTimeout(), 22, "the next hole ackDelayMs later");
  const c = decode(rx.pollTransmit(22)!);
  assert.is(c.hint, 6 | MSP_HINT_PAIR, "6, the last packet held before the hole at 7");
  const d = decode(rx.pollTransmit(27)!);
  assert.is(d.hint, 8, "8 follows it");
  assert.is(rx.pollTransmit(40), undefined, "every hole named: no more acks");
  rx.handlePacket(41, encodeMspData(0, 0xffff, 7, body)); // fills the hole at 7
  rx.handlePacket(42, encodeMspData(0, 0xffff, 12, body)); // a new hole at 11
  rx.handlePacket(43, encodeMspData(0, 0xffff, 3, body)); // fills the one at 3
  const e = decode(rx.pollTransmit(48)!);
  assert.is(e.hint, 10 | MSP_HINT_PAIR, "holes that filled meanwhile are not named: the last one before 11");
  const f = decode(rx.pollTransmit(53)!);
  assert.is(f.hint, 12, "and the one after it");
});

test("receiver: owed hints that the cumulative ack overtakes are dropped", () => {
  const rx = new MspConnection(0, "accept", EVERY_2);
  rx.pollTransmit(0);
  rx.handlePacket(10, encodeMspData(0, 0xffff, 1, body));
  rx.handlePacket(11, encodeMspData(0, 0xffff, 0, body)); // fills the hole before the hint went out
  for (let x = rx.read(); x; x = rx.read()) rx.consume(x.length, 11);
  const a = decode(rx.pollTransmit(11)!);
  assert.is(a.ack, 1, "cumulative through 1");
  assert.is(a.hint, -1, "no hint: nothing is beyond the ack");
  assert.is(rx.pollTransmit(16), undefined, "and no second ack for the covered hint");
});

test("receiver: in-order data is acked once per ackEvery (default 4) packets consumed, or ackDelayMs after", () => {
  const rx = new MspConnection(0, "accept");
  rx.pollTransmit(0);
  const consumeAll = (t: number) => { for (let x = rx.read(); x; x = rx.read()) rx.consume(x.length, t); };
  for (let seq = 0; seq < 3; seq++) {
    rx.handlePacket(10 + seq, encodeMspData(0, 0xffff, seq, body));
    consumeAll(10 + seq);
    assert.is(rx.pollTransmit(10 + seq), undefined, `${seq + 1} consumed: no ack yet`);
  }
  rx.handlePacket(13, encodeMspData(0, 0xffff, 3, body));
  consumeAll(13);
  const a = decode(rx.pollTransmit(13)!);
  assert.is(a.ack, 3, "the fourth consumed packet brings the ack at once");
  assert.is(rx.pollTransmit(13), undefined);
  rx.handlePacket(20, encodeMspData(0, 0xffff, 4, body));
  consumeAll(20);
  assert.is(rx.pollTransmit(20), undefined);
  assert.is(rx.pollTimeout(), 25, "a lone packet is acked ackDelayMs later");
  assert.is(decode(rx.pollTransmit(25)!).ack, 4);
});

test("sender: a pair hint marks both packets delivered (only the real hole is resent)", () => {
  const tx = new MspConnection(0, "connect");
  tx.write(new Uint8Array(4 * 1024));
  const sent: number[] = [];
  for (let t = 10; t < 14; t++) {
    const out = tx.pollTransmit(t);
    assert.ok(out, `packet at ${t}`);
    sent.push(decode(out!).seq);
  }
  assert.equal(sent, [0, 1, 2, 3]);
  // The peer holds 1 and 2 (hint offset 2 from ack 0xffff, paired), not 0.
  tx.handlePacket(60, encodeMspAckHint(MSP_FLAG_ACK, 0xffff, 2 | MSP_HINT_PAIR));
  const resent: number[] = [];
  for (let t = 60; t < 400; t += 5) {
    tx.handleTimeout(t);
    for (let out = tx.pollTransmit(t); out; out = tx.pollTransmit(t)) {
      const p = decode(out);
      if (p.seq >= 0) resent.push(p.seq);
    }
  }
  assert.ok(resent.includes(0), "the hole is resent");
  assert.not.ok(resent.includes(1), "seq 1 was covered by the pair flag");
  assert.not.ok(resent.includes(2));
});

/** A connector that sent seqs 0..n-1 at t = 10, 11, ...; returns it. */
function sentWindow(n: number): MspConnection {
  const tx = new MspConnection(0, "connect", { initialWindow: n });
  tx.write(new Uint8Array(n * 1024));
  for (let t = 10; t < 10 + n; t++) assert.is(decode(tx.pollTransmit(t)!).seq, t - 10);
  return tx;
}

/** Seqs resent from `from` to 180 ms, timers run every 5 ms (no ack comes:
 * the hole's packet would go again about a round trip after its resend). */
function resentBy(tx: MspConnection, from: number): number[] {
  const resent: number[] = [];
  for (let t = from; t < 180; t += 5) {
    tx.handleTimeout(t);
    for (let out = tx.pollTransmit(t); out; out = tx.pollTransmit(t)) {
      const p = decode(out);
      if (p.seq >= 0) resent.push(p.seq);
    }
  }
  return resent.sort((a, b) => a - b);
}

test("sender: a hole named by its edges is resent whole; packets merely unhinted are not", () => {
  const tx = sentWindow(14);
  // The peer consumed 0..2, lacks 3, holds 4..6, lacks 7 and 8, holds 9; 10..13 unknown.
  tx.handlePacket(60, encodeMspAckHint(MSP_FLAG_ACK, 2, 2 | MSP_HINT_PAIR)); // 5 (and 4)
  tx.handlePacket(61, encodeMspAckHint(MSP_FLAG_ACK, 2, 3 | MSP_HINT_PAIR)); // 6: the last before the hole
  tx.handlePacket(62, encodeMspAckHint(MSP_FLAG_ACK, 2, 6)); // 9, unpaired: 8 is missing
  assert.equal(resentBy(tx, 62), [3, 7, 8], "the cumulative hole and 7..8, nothing else");
});

test("sender: without the hole's lower edge (its ack lost) at most a few packets below a reported one are taken as missing", () => {
  const tx = sentWindow(14);
  // Holds 0..2 (consumed), lacks 3, holds 4 (hinted); 5..11 unhinted; holds 12: 11 is missing.
  tx.handlePacket(60, encodeMspAckHint(MSP_FLAG_ACK, 2, 1)); // 4
  tx.handlePacket(62, encodeMspAckHint(MSP_FLAG_ACK, 2, 9)); // 12, unpaired
  assert.equal(resentBy(tx, 62), [3, 7, 8, 9, 10, 11], "11 and the four below it");
});

test.run();
