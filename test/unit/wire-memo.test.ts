// The envelope and frame-header memos (src/wire/envelope.ts EnvelopeMemo,
// src/wire/frame.ts FrameHeaderMemo): a packet built with them has exactly the
// bytes of one built without, whatever changed between packets (SIDs, flags,
// the abbreviator, PREVIOUS, SIDs already written in full, the link sequence),
// and the context is left as encoding would have left it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ByteWriter, toHex } from "../../src/wire/bytes";
import type { Abbreviate, AddressEncodeContext } from "../../src/wire/address";
import { newEnvelopeMemo } from "../../src/wire/envelope";
import { newFrameHeaderMemo } from "../../src/wire/frame";
import { appendFrame, beginPacket } from "../../src/wire/packet";
import { ENCAP_OVERLAY, TYPE_DATA, type EnvelopeRepr, type FrameRepr, type Sid } from "../../src/wire/types";

const sidOf = (b: number): Sid => { const s = new Uint8Array(32); for (let i = 0; i < 32; i++) s[i] = (b + i * 7) & 0xff; return s; };
const ME = sidOf(0x11);
const A = sidOf(0x22);
const B = sidOf(0x33);
const C = sidOf(0x44);

function env(linkSeq: number, over: Partial<EnvelopeRepr> = {}): EnvelopeRepr {
  return {
    version: 1, encapsulation: ENCAP_OVERLAY, transmitter: ME, transmitterFull: false, unicast: true,
    interfaceIndex: 1, linkSeq, ...over,
  };
}

function frame(over: Partial<FrameRepr>): FrameRepr {
  return {
    source: A, destination: B, nextHop: C, broadcastId: undefined, ttl: 7, queue: 2, oneHop: false,
    ciphered: true, signed: true, ackSoon: true, type: TYPE_DATA, seq: 9, payload: new Uint8Array([1, 2, 3]),
    invalid: false, ...over,
  };
}

interface Built { bytes: string; previous: Sid | undefined; written: string[] }

/** A packet of `frames` (the memos used as the transmitter uses them: the envelope's always, the header's for the first frame). */
function build(e: EnvelopeRepr, frames: FrameRepr[], abbreviate: Abbreviate | undefined,
  memos?: { env: ReturnType<typeof newEnvelopeMemo>; hdr: ReturnType<typeof newFrameHeaderMemo> }, everyFrame = false): Built {
  const w = new ByteWriter(64);
  const ctx: AddressEncodeContext = beginPacket(w, e, { usePrevious: true, abbreviate }, undefined, memos?.env);
  frames.forEach((f, i) => assert.ok(appendFrame(w, 0, f, ctx, e, 1200, i === 0 || everyFrame ? memos?.hdr : undefined)));
  return { bytes: toHex(w.toBytes()), previous: ctx.previous, written: (ctx.written ?? []).map(toHex) };
}

/** B is abbreviated only once written in full earlier in the packet (inContext). */
const abbrev = (n: number): Abbreviate => (sid, extra, inContext) => (sid === B && !inContext ? 0 : extra ? n + 1 : n);

test("a packet built with the memos has the bytes and context of one built without", () => {
  const memos = { env: newEnvelopeMemo(), hdr: newFrameHeaderMemo() };
  const ab2 = abbrev(2), ab3 = abbrev(3);
  // each step: what changes from the previous packet
  const steps: [string, EnvelopeRepr, FrameRepr[], Abbreviate | undefined][] = [
    ["first", env(1), [frame({})], ab2],
    ["same again (memos used)", env(2), [frame({})], ab2],
    ["link sequence wraps", env(255), [frame({ seq: 10, ttl: 3, payload: new Uint8Array(40) })], ab2],
    ["ack soon off", env(0), [frame({ ackSoon: false })], ab2],
    ["other destination", env(1), [frame({ destination: C, nextHop: A })], ab2],
    ["one hop", env(2), [frame({ oneHop: true, nextHop: undefined })], ab2],
    ["source is the transmitter (SENDER_SAME)", env(3), [frame({ source: ME })], ab2],
    ["next hop = destination (PREVIOUS)", env(4), [frame({ nextHop: B })], ab2],
    ["another abbreviator", env(5), [frame({})], ab3],
    ["no abbreviator", env(6), [frame({})], undefined],
    ["no abbreviator again", env(7), [frame({})], undefined],
    ["broadcast interface, no index", env(8, { unicast: false, interfaceIndex: 0 }), [frame({})], ab3],
    ["full transmitter", env(9, { transmitterFull: true }), [frame({})], ab3],
    ["two frames, the second with the first's SIDs", env(10), [frame({}), frame({ seq: 11 })], ab3],
    ["a frame after one that wrote B in full", env(11), [frame({ destination: A, source: C, nextHop: B }), frame({ seq: 12 })], ab3],
    ["back to the first", env(12), [frame({})], ab2],
  ];
  let hits = 0;
  for (const [what, e, frames, ab] of steps) {
    const before = memos.hdr.bytes;
    const plain = build(e, frames, ab);
    const memo = build(e, frames, ab, memos);
    assert.is(memo.bytes, plain.bytes, what);
    assert.is(memo.previous, plain.previous, `${what}: ctx.previous`);
    assert.equal(memo.written, plain.written, `${what}: ctx.written`);
    if (before !== undefined && memos.hdr.bytes === before) hits++;
  }
  assert.ok(hits >= 3, `the header memo was used (${hits} times)`);
});

test("the header memo offered for every frame: after PREVIOUS-able and full SIDs it is not misused", () => {
  const memos = { env: newEnvelopeMemo(), hdr: newFrameHeaderMemo() };
  const ab = abbrev(2);
  const cases: FrameRepr[][] = [
    [frame({}), frame({ seq: 1 })],
    [frame({}), frame({ seq: 2 }), frame({ seq: 3 })],
    [frame({ source: B, destination: A }), frame({ seq: 4, source: B, destination: A })],
    [frame({ nextHop: B }), frame({ seq: 5, source: B })],
    [frame({ source: C, destination: A, nextHop: B }), frame({ seq: 6 }), frame({ seq: 7, source: B })],
    // the second frame's source is the last address written (PREVIOUS there, not in the first)
    [frame({ source: A, destination: C, nextHop: A }), frame({ seq: 8, source: A, destination: C, nextHop: A })],
    // the context as after the envelope (previous = ME) but for B, written in full by the first frame
    [frame({ source: A, destination: B, nextHop: ME }), frame({ seq: 9, source: A, destination: B, nextHop: ME })],
  ];
  for (let round = 0; round < 2; round++) {
    cases.forEach((frames, i) => {
      assert.is(build(env(i), frames, ab, memos, true).bytes, build(env(i), frames, ab).bytes, `case ${i}, round ${round}`);
    });
  }
});

test("a cleared memo is encoded again: what the abbreviator answers may have changed", () => {
  const memos = { env: newEnvelopeMemo(), hdr: newFrameHeaderMemo() };
  let n = 0; // the same abbreviator (the same function), answering differently
  const ab: Abbreviate = (sid, extra) => (n === 0 ? 0 : extra ? n + 1 : n);
  const first = build(env(1), [frame({})], ab, memos);
  n = 2;
  memos.env.bytes = undefined;
  memos.hdr.bytes = undefined;
  const second = build(env(1), [frame({})], ab, memos);
  assert.is(second.bytes, build(env(1), [frame({})], ab).bytes);
  assert.ok(second.bytes.length < first.bytes.length, "abbreviated once the memo is cleared");
});

test.run();
