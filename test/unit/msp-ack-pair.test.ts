// Two adjacent out-of-order packets share one ack (MSP_HINT_PAIR in the hint
// byte), and the sender counts both as delivered.
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

test("receiver: two adjacent out-of-order packets, one ack with the pair flag; a lone one waits ackDelayMs", () => {
  const rx = new MspConnection(0, "accept");
  assert.ok(rx.pollTransmit(0), "the accept side answers at once");
  assert.is(rx.pollTransmit(0), undefined);
  rx.handlePacket(10, encodeMspData(0, 0xffff, 1, body)); // seq 0 missing
  assert.is(rx.pollTransmit(10), undefined, "a lone out-of-order packet waits for a partner");
  rx.handlePacket(11, encodeMspData(0, 0xffff, 2, body));
  const a = rx.pollTransmit(11);
  assert.ok(a);
  const p = decode(a!);
  assert.is(p.ack, 0xffff);
  assert.is(p.hint, 2 | MSP_HINT_PAIR, "seq 2 and the one before it");
  assert.is(rx.pollTransmit(11), undefined, "one ack for the two");

  rx.handlePacket(12, encodeMspData(0, 0xffff, 4, body));
  assert.is(rx.pollTransmit(12), undefined);
  assert.is(rx.pollTimeout(), 17, "ackDelayMs later");
  const lone = decode(rx.pollTransmit(17)!);
  assert.is(lone.hint, 4, "alone: no pair flag");

  rx.handlePacket(20, encodeMspData(0, 0xffff, 0, body)); // the hole fills
  for (let b = rx.read(); b; b = rx.read()) rx.consume(b.length, 20); // acks follow consumption
  const cum = decode(rx.pollTransmit(20)!);
  assert.is(cum.ack, 2, "cumulative ack through seq 2");
  assert.is(cum.hint, -1, "seq 4's hint already went out");
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
