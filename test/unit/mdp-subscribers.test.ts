// The address book (spec 3.1): unique-prefix resolution, signing keys, bounded size.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Subscribers } from "../../src/mdp/subscribers";
import { identityFromSeed } from "../../src/crypto/identity";
import { curve25519PublicFromEd25519 } from "../../src/crypto/ed25519-to-x25519";
import { SUBSCRIBERS_MAX } from "../../src/mdp/constants";

const sid = (...head: number[]) => { const s = new Uint8Array(32); s.set(head); return s; };

test("a prefix resolves only when exactly one SID has it", () => {
  const b = new Subscribers(() => undefined);
  b.learnSid(sid(0xab, 0xcd, 1));
  b.learnSid(sid(0xab, 0xce, 2));
  assert.is(b.lookupPrefix(Uint8Array.of(0xab)), "ambiguous");
  assert.equal([...(b.lookupPrefix(Uint8Array.of(0xab, 0xcd)) as Uint8Array)].slice(0, 3), [0xab, 0xcd, 1]);
  assert.is(b.lookupPrefix(Uint8Array.of(0x12)), undefined);
});

test("a remembered prefix answer follows the book: a new SID makes it ambiguous, or resolves it", () => {
  const b = new Subscribers(() => undefined);
  b.learnSid(sid(0xab, 0xcd, 1));
  const p = Uint8Array.of(0xab, 0xcd);
  assert.equal([...(b.lookupPrefix(p) as Uint8Array)].slice(0, 3), [0xab, 0xcd, 1]);
  assert.equal([...(b.lookupPrefix(p) as Uint8Array)].slice(0, 3), [0xab, 0xcd, 1]); // answered again (remembered)
  assert.is(b.lookupPrefix(Uint8Array.of(0x12, 0x34)), undefined);
  b.learnSid(sid(0xab, 0xcd, 2));
  assert.is(b.lookupPrefix(p), "ambiguous");
  b.learnSid(sid(0x12, 0x34, 5));
  assert.equal([...(b.lookupPrefix(Uint8Array.of(0x12, 0x34)) as Uint8Array)].slice(0, 3), [0x12, 0x34, 5]);
  // Same bytes, other lengths: other answers.
  assert.is(b.lookupPrefix(Uint8Array.of(0x12)), b.lookupPrefix(Uint8Array.of(0x12, 0x34)));
  assert.is(b.lookupPrefix(Uint8Array.of(0, 0x12)), undefined);
});

test("learnt SIDs are copies (decoders hand out views of receive buffers)", () => {
  const b = new Subscribers(() => undefined);
  const buf = sid(7, 7, 7);
  b.learnSid(buf);
  buf[0] = 9;
  assert.ok(b.lookupPrefix(Uint8Array.of(7, 7)) instanceof Uint8Array);
});

test("setSignKey stores a key only if it derives to the SID", () => {
  const id = identityFromSeed(new Uint8Array(32).fill(4));
  const other = identityFromSeed(new Uint8Array(32).fill(5));
  const b = new Subscribers((k) => curve25519PublicFromEd25519(k));
  assert.not.ok(b.setSignKey(id.sid, other.signPublic));
  assert.is(b.get(id.sid), undefined);
  assert.ok(b.setSignKey(id.sid, id.signPublic));
  assert.equal(b.get(id.sid)!.signKey, id.signPublic);
});

test("the book is capped: the least recently used forgettable SID goes, local ones stay", () => {
  const b = new Subscribers(() => undefined);
  const mine = b.add(sid(0xff, 0xff), true);
  for (let i = 0; i < SUBSCRIBERS_MAX + 10; i++) b.learnSid(sid(i >> 8, i & 0xff, 1));
  assert.is(b.size, SUBSCRIBERS_MAX);
  assert.ok(b.get(mine.sid));
  assert.is(b.get(sid(0, 0, 1)), undefined); // the oldest went first
});

test.run();
