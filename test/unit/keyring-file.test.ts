// Keyring file codec: round trip, and every kind of damage is reported.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { generateIdentity, identityFromSeed } from "../../src/crypto/identity";
import { toHex } from "../../src/wire/bytes";
import { decodeKeyring, encodeKeyring, KEYRING_MAGIC } from "../../src/keyring/keyring-file";

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const ids = [generateIdentity(random), generateIdentity(random), generateIdentity(random)];

test("round trip keeps order and derives the same identities", () => {
  const bytes = encodeKeyring(ids);
  assert.is(bytes.length, 12 + 3 * 34 + 32);
  assert.equal(bytes.subarray(0, 8), KEYRING_MAGIC);
  const r = decodeKeyring(bytes);
  if (!r.ok) throw new Error(r.error.message);
  assert.is(r.identities.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.is(toHex(r.identities[i].sid), toHex(ids[i].sid));
    assert.equal(r.identities[i].signSecret, ids[i].signSecret);
    assert.equal(r.identities[i].boxSecret, ids[i].boxSecret);
  }
});

test("an empty keyring is valid", () => {
  const r = decodeKeyring(encodeKeyring([]));
  assert.ok(r.ok && r.identities.length === 0);
});

test("a known seed encodes to the documented layout", () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
  const bytes = encodeKeyring([identityFromSeed(seed)]);
  assert.is(toHex(bytes.subarray(0, 14)), "53564D4B4559520A01000001" + "0120");
  assert.equal(bytes.subarray(14, 46), seed);
});

test("every single-bit flip anywhere is detected", () => {
  const bytes = encodeKeyring(ids);
  for (let i = 0; i < bytes.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const bad = bytes.slice();
      bad[i] ^= bit;
      const r = decodeKeyring(bad);
      assert.not.ok(r.ok, `flip at byte ${i}`);
    }
  }
  const flipped = bytes.slice(); flipped[20] ^= 1;
  const r = decodeKeyring(flipped);
  assert.ok(!r.ok && r.error.code === "bad-checksum" && /corrupt/.test(r.error.message));
});

test("every truncation is detected", () => {
  const bytes = encodeKeyring(ids);
  for (let n = 0; n < bytes.length; n++) {
    const r = decodeKeyring(bytes.subarray(0, n));
    assert.not.ok(r.ok, `length ${n}`);
  }
  const r = decodeKeyring(bytes.subarray(0, 60));
  assert.ok(!r.ok && r.error.code === "truncated");
});

test("specific damage gets specific codes", () => {
  const bytes = encodeKeyring(ids);
  const code = (b: Uint8Array): string => { const r = decodeKeyring(b); return r.ok ? "ok" : r.error.code; };
  assert.is(code(new Uint8Array(0)), "bad-magic");
  assert.is(code(new Uint8Array(200)), "bad-magic");
  const v2 = bytes.slice(); v2[8] = 2;
  assert.is(code(v2), "unsupported-version");
  const extra = new Uint8Array(bytes.length + 5); extra.set(bytes);
  assert.is(code(extra), "trailing-bytes");
  const badType = bytes.slice(); badType[12] = 0x07;
  assert.is(code(badType), "bad-entry");
  assert.is(code(encodeKeyring([ids[0], ids[1], ids[0]])), "duplicate-identity");
});

test.run();
