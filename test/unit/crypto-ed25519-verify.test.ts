// BigInt Ed25519 verification: RFC 8032 vectors, agreement with tweetnacl, and
// libsodium's stricter rejections (S >= L, small-order keys).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import nacl from "tweetnacl";
import { ed25519Verify } from "../../src/crypto/ed25519-verify";
import { fromHex } from "../../src/wire/bytes";
import { L, bigToBytesLE, bytesToBigLE } from "../../src/crypto/ed25519-point";

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (b === undefined) throw new Error(`bad hex ${s}`);
  return b;
}

const RFC8032 = [
  { sk: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", pk: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", msg: "",
    sig: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
  { sk: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", pk: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", msg: "72",
    sig: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
  { sk: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", pk: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", msg: "af82",
    sig: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
];

for (const [i, v] of RFC8032.entries()) {
  test(`RFC 8032 test ${i + 1}`, () => {
    const pair = nacl.sign.keyPair.fromSeed(hex(v.sk));
    assert.equal(pair.publicKey, hex(v.pk));
    assert.equal(nacl.sign.detached(hex(v.msg), pair.secretKey), hex(v.sig));
    assert.ok(ed25519Verify(hex(v.msg), hex(v.sig), hex(v.pk)));
    const bad = hex(v.sig); bad[63] ^= 0x01;
    assert.not.ok(ed25519Verify(hex(v.msg), bad, hex(v.pk)));
  });
}

test("agrees with tweetnacl on valid and corrupted signatures", () => {
  for (let i = 0; i < 24; i++) {
    const pair = nacl.sign.keyPair.fromSeed(random(32));
    const msg = random(i % 3 === 0 ? 0 : 1 + (i * 37) % 300);
    const sig = nacl.sign.detached(msg, pair.secretKey);
    assert.ok(ed25519Verify(msg, sig, pair.publicKey), `valid #${i}`);
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [];
    const s1 = sig.slice(); s1[i % 32] ^= 1 << (i % 8); cases.push([msg, s1, pair.publicKey]); // R
    const s2 = sig.slice(); s2[32 + (i % 31)] ^= 1 << (i % 8); cases.push([msg, s2, pair.publicKey]); // S
    if (msg.length > 0) { const m = msg.slice(); m[i % m.length] ^= 0x80; cases.push([m, sig, pair.publicKey]); }
    const pk = pair.publicKey.slice(); pk[i % 32] ^= 1 << (i % 8); cases.push([msg, sig, pk]);
    for (const [m, s, p] of cases) assert.is(ed25519Verify(m, s, p), nacl.sign.detached.verify(m, s, p), `case #${i}`);
    for (const [m, s, p] of cases) assert.not.ok(ed25519Verify(m, s, p));
  }
});

test("rejects S >= L (malleated signatures), which tweetnacl accepts", () => {
  const pair = nacl.sign.keyPair.fromSeed(random(32));
  const msg = random(64);
  const sig = nacl.sign.detached(msg, pair.secretKey);
  const s = bytesToBigLE(sig.subarray(32), false);
  const mall = sig.slice();
  mall.set(bigToBytesLE(s + L), 32);
  assert.ok(nacl.sign.detached.verify(msg, mall, pair.publicKey));
  assert.not.ok(ed25519Verify(msg, mall, pair.publicKey));
});

test("rejects small-order and invalid public keys, and wrong lengths", () => {
  const msg = random(10);
  const sig = new Uint8Array(64);
  const identity = new Uint8Array(32); identity[0] = 1;
  // With A = identity, R = [s]B; s = 0 makes R the identity too: a "signature" valid for any message.
  assert.not.ok(ed25519Verify(msg, Uint8Array.from([...identity, ...new Uint8Array(32)]), identity));
  assert.not.ok(ed25519Verify(msg, sig, new Uint8Array(32))); // order-4 point
  const noPoint = new Uint8Array(32); noPoint[0] = 2;
  assert.not.ok(ed25519Verify(msg, sig, noPoint));
  const pair = nacl.sign.keyPair.fromSeed(random(32));
  const good = nacl.sign.detached(msg, pair.secretKey);
  assert.not.ok(ed25519Verify(msg, good.subarray(0, 63), pair.publicKey));
  assert.not.ok(ed25519Verify(msg, good, pair.publicKey.subarray(0, 31)));
});

test.run();
