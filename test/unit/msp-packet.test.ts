import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  MSP_FLAG_ACK, MSP_FLAG_FIRST, MSP_FLAG_SHUTDOWN, MSP_FLAG_STOP, MSP_KIND_ACK, MSP_KIND_CONTROL, MSP_KIND_DATA,
  decodeMspPacket, encodeMspAck, encodeMspAckHint, encodeMspData, encodeMspStop, newMspPacketRepr,
} from "../../src/wire/msp-packet";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

test("connector's first packet with data and shutdown: 05 FF FF 00 00 Hello", () => {
  const bytes = Uint8Array.of(0x05, 0xff, 0xff, 0x00, 0x00, ...ascii("Hello\n"));
  const p = newMspPacketRepr();
  assert.ok(decodeMspPacket(bytes, p));
  assert.is(p.kind, MSP_KIND_DATA);
  assert.is(p.flags, MSP_FLAG_FIRST | MSP_FLAG_SHUTDOWN);
  assert.is(p.ack, 0xffff);
  assert.is(p.seq, 0);
  assert.equal(Array.from(p.body), Array.from(ascii("Hello\n")));
  assert.is(p.body.buffer, bytes.buffer, "body is a view, not a copy");
  assert.is(hex(encodeMspData(MSP_FLAG_FIRST | MSP_FLAG_SHUTDOWN, 0xffff, 0, ascii("Hello\n"))), hex(bytes));
});

test("listener's reply: 03 00 00 00 00 Hi", () => {
  const bytes = Uint8Array.of(0x03, 0x00, 0x00, 0x00, 0x00, ...ascii("Hi\n"));
  const p = newMspPacketRepr();
  assert.ok(decodeMspPacket(bytes, p));
  assert.is(p.flags, MSP_FLAG_ACK | MSP_FLAG_SHUTDOWN);
  assert.is(p.ack, 0);
  assert.is(p.seq, 0);
  assert.is(p.body.length, 3);
  assert.is(hex(encodeMspData(MSP_FLAG_ACK | MSP_FLAG_SHUTDOWN, 0, 0, ascii("Hi\n"))), hex(bytes));
});

test("connect kick 04 FF FF is an ack-only packet with FIRST", () => {
  const p = newMspPacketRepr();
  assert.ok(decodeMspPacket(Uint8Array.of(0x04, 0xff, 0xff), p));
  assert.is(p.kind, MSP_KIND_ACK);
  assert.is(p.flags, MSP_FLAG_FIRST);
  assert.is(p.ack, 0xffff);
  assert.is(p.seq, -1);
  assert.is(hex(encodeMspAck(MSP_FLAG_FIRST, 0xffff)), "04 ff ff");
  assert.is(hex(encodeMspAck(MSP_FLAG_ACK, -1)), "02 ff ff", "ack of next_seq 0 wraps to FFFF");
});

test("STOP is one byte 08; lengths 2 and 4 count as control and ack", () => {
  const p = newMspPacketRepr();
  assert.is(hex(encodeMspStop()), "08");
  assert.ok(decodeMspPacket(Uint8Array.of(0x08), p));
  assert.is(p.kind, MSP_KIND_CONTROL);
  assert.is(p.flags, MSP_FLAG_STOP);
  assert.ok(decodeMspPacket(Uint8Array.of(0x02, 0x01), p));
  assert.is(p.kind, MSP_KIND_CONTROL);
  assert.ok(decodeMspPacket(Uint8Array.of(0x02, 0x34, 0x12, 0x99), p));
  assert.is(p.kind, MSP_KIND_ACK);
  assert.is(p.ack, 0x1234, "little-endian");
  assert.not.ok(decodeMspPacket(new Uint8Array(0), p));
});

test("4-byte ack carries a selective-ack hint in byte 3 (ignored by Serval DNA)", () => {
  const p = newMspPacketRepr();
  assert.is(hex(encodeMspAckHint(MSP_FLAG_ACK, 0x0102, 7)), "02 02 01 07");
  assert.ok(decodeMspPacket(Uint8Array.of(0x02, 0x02, 0x01, 0x07), p));
  assert.is(p.kind, MSP_KIND_ACK);
  assert.is(p.ack, 0x0102);
  assert.is(p.hint, 7);
  assert.ok(decodeMspPacket(Uint8Array.of(0x02, 0x02, 0x01), p));
  assert.is(p.hint, -1);
});

test("bare SHUTDOWN: 5 bytes, empty body; seq little-endian", () => {
  const p = newMspPacketRepr();
  assert.ok(decodeMspPacket(Uint8Array.of(0x03, 0x3f, 0x00, 0x40, 0x01), p));
  assert.is(p.kind, MSP_KIND_DATA);
  assert.is(p.ack, 0x3f);
  assert.is(p.seq, 0x140);
  assert.is(p.body.length, 0);
});

test("bodies over 1024 bytes are refused when encoding", () => {
  assert.throws(() => encodeMspData(0, 0, 0, new Uint8Array(1025)));
  assert.is(encodeMspData(0, 0, 0, new Uint8Array(1024)).length, 1029);
});

test.run();
