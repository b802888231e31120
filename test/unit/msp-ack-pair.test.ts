// Out-of-order packets share acks (one per hintEvery arrivals or ackDelayMs,
// hinting the newest, with MSP_HINT_PAIR when the one before it is held), and
// the sender counts both packets of a pair as delivered.
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
  for (const [t, seq] of [[16, 4], [17, 5], [18, 8]] as const) {
    rx.handlePacket(t, encodeMspData(0, 0xffff, seq, body));
    assert.is(rx.pollTransmit(t), undefined, `seq ${seq} waits`);
  }
  rx.handlePacket(19, encodeMspData(0, 0xffff, 6, body));
  const b = decode(rx.pollTransmit(19)!);
  assert.is(b.hint, 8, "the newest (8); 7 is missing: no pair flag");
  assert.is(rx.pollTransmit(19), undefined);

  // A repeat counts too: with three new ones it makes four.
  rx.handlePacket(20, encodeMspData(0, 0xffff, 10, body));
  rx.handlePacket(21, encodeMspData(0, 0xffff, 11, body));
  rx.handlePacket(22, encodeMspData(0, 0xffff, 4, body)); // repeated
  assert.is(rx.pollTransmit(22), undefined);
  rx.handlePacket(23, encodeMspData(0, 0xffff, 13, body));
  const c = decode(rx.pollTransmit(23)!);
  assert.is(c.hint, 13, "the newest new one");

  rx.handlePacket(30, encodeMspData(0, 0xffff, 15, body));
  assert.is(rx.pollTimeout(), 35, "a lone one waits ackDelayMs");
  const lone = decode(rx.pollTransmit(35)!);
  assert.is(lone.hint, 15, "alone: no pair flag");

  rx.handlePacket(40, encodeMspData(0, 0xffff, 0, body)); // the first hole fills
  for (let x = rx.read(); x; x = rx.read()) rx.consume(x.length, 40); // acks follow consumption
  const cum = decode(rx.pollTransmit(40)!);
  assert.is(cum.ack, 2, "cumulative ack through seq 2");
  assert.is(cum.hint, -1, "hints owed before it already went out");
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

test.run();
