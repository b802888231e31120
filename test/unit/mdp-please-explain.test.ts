// Please-explain (legacy frame type 0x60, spec 3.3): payload codec and the
// node's answers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { decodeExplain, encodeExplain, ExplainLimiter } from "../../src/mdp/please-explain";
import { MeshNode } from "../../src/mdp/node";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { identityFromSeed } from "../../src/crypto/identity";
import { ByteWriter, bytesEqual } from "../../src/wire/bytes";
import { encodePacket, decodePacket } from "../../src/wire/packet";
import { SidBook } from "../helpers/sid-book";
import { ENCAP_OVERLAY, TYPE_PLEASEEXPLAIN, type FrameRepr } from "../../src/wire/types";

const crypto = createNaclCrypto((n) => new Uint8Array(randomBytes(n)));
const ids = [1, 2, 3].map((i) => identityFromSeed(new Uint8Array(32).fill(i)));

test("codec: questions, answers, signing keys and explain-yourself round-trip; bad lengths stop parsing", () => {
  const sid = ids[0].sid;
  const body = encodeExplain([sid.subarray(0, 3), sid.subarray(0, 0), sid], [ids[1].sid], true);
  // The empty prefix and the 32-byte one are not questions: never send length 0 (servald asserts).
  assert.equal([...body.subarray(0, 4)], [3, sid[0], sid[1], sid[2]]);
  const e = decodeExplain(body);
  assert.is(e.requests.length, 1);
  assert.is(e.sids.length, 1);
  assert.ok(bytesEqual(e.sids[0], ids[1].sid));
  assert.ok(e.explainYourself);
  const withKey = decodeExplain(Uint8Array.from([0xfb, ...ids[2].signPublic, 0, 5, 1]));
  assert.is(withKey.signKeys.length, 1);
  assert.is(withKey.requests.length, 0); // stopped at the 0 length
  assert.is(decodeExplain(Uint8Array.of(5, 1, 2)).requests.length, 0); // truncated
});

test("limiter: one question per prefix per interval", () => {
  const l = new ExplainLimiter(500);
  const p = Uint8Array.of(1, 2);
  assert.is(l.filter([p], 0).length, 1);
  assert.is(l.filter([p], 100).length, 0);
  assert.is(l.filter([p, Uint8Array.of(3)], 600).length, 2);
});

function packetFrom(sender: Uint8Array, frame: Partial<FrameRepr>): Uint8Array {
  const w = new ByteWriter();
  const f: FrameRepr = {
    source: sender, destination: undefined, nextHop: undefined, broadcastId: undefined, ttl: 1, queue: 0,
    oneHop: true, ciphered: false, signed: false, ackSoon: false, type: TYPE_PLEASEEXPLAIN, seq: 9,
    payload: new Uint8Array(0), invalid: false, ...frame,
  };
  encodePacket(w, { version: 1, encapsulation: ENCAP_OVERLAY, transmitter: sender, transmitterFull: true, unicast: false, interfaceIndex: 0, linkSeq: 3 }, [f]);
  return w.toBytes();
}

test("node answers a question about its own prefix and a known SID with full SIDs, to the asker", () => {
  const node = new MeshNode({ identities: [ids[0]], crypto, now: 0 });
  node.addInterface({ index: 0, name: "e", broadcastAddress: "bcast" });
  node.learnSid(ids[2].sid);
  const asker = ids[1].sid;
  const q = encodeExplain([ids[0].sid.subarray(0, 2), ids[2].sid.subarray(0, 4)], []);
  node.handlePacket(10, 0, "peer:4110", packetFrom(asker, { payload: q }));
  const book = new SidBook();
  book.learnSid(asker);
  const answers: Uint8Array[] = [];
  for (let t = node.pollTransmit(); t; t = node.pollTransmit()) {
    for (const f of decodePacket(t.bytes, book).frames) {
      if (f.type !== TYPE_PLEASEEXPLAIN) continue;
      assert.ok(f.destination && bytesEqual(f.destination, asker), "answer goes to the asker");
      answers.push(...decodeExplain(f.payload).sids);
    }
  }
  assert.ok(answers.some((s) => bytesEqual(s, ids[0].sid)), "own SID");
  assert.ok(answers.some((s) => bytesEqual(s, ids[2].sid)), "known SID");
  // Asked again at once: rate-limited (500 ms per SID).
  node.handlePacket(20, 0, "peer:4110", packetFrom(asker, { payload: q, seq: 10 }));
  let again = 0;
  for (let t = node.pollTransmit(); t; t = node.pollTransmit()) {
    for (const f of decodePacket(t.bytes, book).frames) if (f.type === TYPE_PLEASEEXPLAIN) again++;
  }
  assert.is(again, 0);
});

test("node learns SIDs it is told about, so their abbreviations resolve afterwards", () => {
  const node = new MeshNode({ identities: [ids[0]], crypto, now: 0 });
  node.addInterface({ index: 0, name: "e", broadcastAddress: "bcast" });
  node.handlePacket(10, 0, "peer:4110", packetFrom(ids[1].sid, { payload: encodeExplain([], [ids[2].sid]) }));
  for (let t = node.pollTransmit(); t; t = node.pollTransmit()) { /* drain */ }
  // A frame whose source is ids[2], abbreviated to 3 bytes, now resolves: no please-explain goes out.
  const w = new ByteWriter();
  const f: FrameRepr = {
    source: ids[2].sid, destination: undefined, nextHop: undefined, broadcastId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    ttl: 5, queue: 0, oneHop: false, ciphered: false, signed: false, ackSoon: false, type: 0x30, seq: 11,
    payload: Uint8Array.of(0x05), invalid: false,
  };
  encodePacket(w, { version: 1, encapsulation: ENCAP_OVERLAY, transmitter: ids[1].sid, transmitterFull: true, unicast: false, interfaceIndex: 0, linkSeq: 4 },
    [f], { abbreviate: (s) => (bytesEqual(s, ids[2].sid) ? 3 : 0) });
  const before = node.stats.explainsSent;
  node.handlePacket(20, 0, "peer:4110", w.toBytes());
  assert.is(node.stats.explainsSent, before);
  assert.is(node.stats.framesDropped, 0);
  // Control: a node that was not told asks about the prefix instead.
  const other = new MeshNode({ identities: [ids[0]], crypto, now: 0 });
  other.addInterface({ index: 0, name: "e", broadcastAddress: "bcast" });
  other.handlePacket(20, 0, "peer:4110", w.toBytes());
  assert.is(other.stats.explainsSent, 1);
  assert.is(other.stats.framesDropped, 1);
});

test.run();
