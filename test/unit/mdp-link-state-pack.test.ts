// packLinkState's payload for one record about ourselves (an ACK record, per
// neighbour per tick) is written straight into its bytes (link-state.ts
// ownRecordPayload): it must be byte for byte what the generic encoder writes
// (wire/linkstate.ts encodeLinkState), whatever the flags, the transmitter's
// abbreviation, and the optional fields; and it must decode to the record.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newOwnRecordMemo, packLinkState, packOwnRecord } from "../../src/mdp/link-state";
import { ByteWriter } from "../../src/wire/bytes";
import { decodeLinkState, encodeLinkState, newLinkRecord } from "../../src/wire/linkstate";
import { LS_BROADCAST, LS_UNICAST, type LinkRecordRepr } from "../../src/wire/types";
import type { Abbreviate } from "../../src/wire/address";

function sid(first: number): Uint8Array {
  const s = new Uint8Array(32);
  for (let i = 0; i < 32; i++) s[i] = (first + i * 7) & 0xff;
  return s;
}

const self = sid(0x11);
const them = sid(0x42);

function generic(records: LinkRecordRepr[], abbreviate?: Abbreviate): Uint8Array {
  const w = new ByteWriter(64);
  encodeLinkState(w, self, records, abbreviate ? { abbreviate } : undefined);
  return w.toBytes();
}

function record(fields: Partial<LinkRecordRepr>): LinkRecordRepr {
  return Object.assign(newLinkRecord(), { receiver: self }, fields);
}

const cases: [string, LinkRecordRepr][] = [
  ["ACK, broadcast link", record({ flags: LS_BROADCAST, transmitter: them, interfaceIndex: 2, ackSeq: 0x1ab, ackMask: 0xfffffffe })],
  ["ACK, unicast link", record({ flags: LS_UNICAST, transmitter: them, interfaceIndex: 0, ackSeq: 7, ackMask: 0x80000001 })],
  ["no ACK yet", record({ flags: LS_UNICAST, transmitter: them, interfaceIndex: 1 })],
  ["drop rate, version", record({ transmitter: them, version: 0x1ff, dropRate: 12 })],
  ["NO_PATH", record({ transmitter: undefined, version: 3 })],
  ["transmitter is self", record({ transmitter: sid(0x11), interfaceIndex: 3 })],
];
const abbreviators: [string, Abbreviate | undefined][] = [
  ["no abbreviator", undefined],
  ["in full", () => 0],
  ["3-byte prefix", (_s, extra, inContext) => (extra || inContext ? 99 : 3)],
  ["31-byte prefix", () => 31],
  ["out of range", () => 32],
];

test("one record about ourselves: the same bytes as the generic encoder", () => {
  const w = new ByteWriter(64);
  for (const [name, rec] of cases) {
    for (const [how, abbreviate] of abbreviators) {
      const fast = packLinkState(w, self, [rec], abbreviate);
      assert.is(fast.length, 1, `${name}, ${how}`);
      assert.equal(Array.from(fast[0]), Array.from(generic([rec], abbreviate)), `${name}, ${how}`);
    }
  }
});

test("packOwnRecord: from its memo, the ACK patched in, the same bytes as the generic encoder", () => {
  // One memo, as a destination keeps it, through ACKs that change and records
  // and abbreviators that change what else is written.
  const memo = newOwnRecordMemo();
  const acks: [number, number][] = [[0x1ab, 0xfffffffe], [0x1ac, 0xffffffff], [5, 0x80000001], [-1, 0], [6, 0x7fff0000]];
  for (const [name, base] of cases) {
    for (const [how, abbreviate] of abbreviators) {
      for (const [ackSeq, ackMask] of acks) {
        const rec = { ...base, ackSeq, ackMask };
        const got = packOwnRecord(self, rec, abbreviate, memo, 1, 1);
        assert.equal(Array.from(got), Array.from(generic([rec], abbreviate)), `${name}, ${how}, ACK ${ackSeq}`);
      }
    }
  }
  // A new address-book generation writes it anew (the abbreviator may answer otherwise).
  let len = 3;
  const abbreviate: Abbreviate = () => len;
  const rec = cases[0][1];
  packOwnRecord(self, rec, abbreviate, memo, 1, 1);
  len = 5;
  assert.equal(Array.from(packOwnRecord(self, rec, abbreviate, memo, 1, 2)), Array.from(generic([rec], abbreviate)));
  len = 7;
  assert.equal(Array.from(packOwnRecord(self, rec, abbreviate, memo, 2, 2)), Array.from(generic([rec], abbreviate)));
  // The memo keeps its own copy: a payload handed out may be changed by its user.
  const a = packOwnRecord(self, rec, abbreviate, memo, 2, 2);
  a.fill(0);
  assert.equal(Array.from(packOwnRecord(self, rec, abbreviate, memo, 2, 2)), Array.from(generic([rec], abbreviate)));
});

test("an ACK payload decodes to its record", () => {
  const rec = cases[0][1];
  const [payload] = packLinkState(new ByteWriter(64), self, [rec]);
  // (the ports byte first, then the records; decoded with `them` as the MDP source: SELF is them)
  const book = { learnSid: () => {}, lookupPrefix: () => undefined, learnSignKey: () => {}, sidFromSignKey: () => undefined };
  const ls = decodeLinkState(payload.subarray(1), book, them);
  assert.is(ls.error, undefined);
  assert.is(ls.records.length, 1);
  const got = ls.records[0];
  assert.equal(Array.from(got.receiver!), Array.from(them));
  assert.equal(Array.from(got.transmitter!), Array.from(them));
  assert.is(got.interfaceIndex, 2);
  assert.is(got.ackSeq, 0xab);
  assert.is(got.ackMask, 0xfffffffe);
});

test.run();
