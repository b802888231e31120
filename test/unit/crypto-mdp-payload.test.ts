// MDP payload crypto modes (spec 4.3, 5.2-5.4), nonces and the shared-key cache.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { generateIdentity } from "../../src/crypto/identity";
import { generateNonce, NONCE_BYTES, pooledRandom, RANDOM_POOL_BYTES } from "../../src/crypto/nonce";
import { SharedKeyCache } from "../../src/crypto/shared-key-cache";
import {
  buildKeymapRequest, buildKeymapResponse, flagsOfPayloadMode, openCiphered, openMdpPayload, parseKeymapResponse,
  payloadModeOfFlags, payloadOverhead, sealCiphered, sealMdpPayload, KEYMAP_RESPONSE_BYTES,
} from "../../src/crypto/mdp-payload";

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const crypto = createNaclCrypto(random);
const alice = generateIdentity(random);
const bob = generateIdentity(random);
const plain = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);

test("frame flags map to crypto modes; CIPHERED without SIGNED is unsupported", () => {
  assert.is(payloadModeOfFlags(0x00), "plain");
  assert.is(payloadModeOfFlags(0x20), "signed");
  assert.is(payloadModeOfFlags(0x30), "ciphered");
  assert.is(payloadModeOfFlags(0x10), undefined);
  assert.is(payloadModeOfFlags(0x40 | 0x01 | 0x30), "ciphered"); // other flag bits ignored
  assert.is(flagsOfPayloadMode("ciphered"), 0x30);
  assert.is(flagsOfPayloadMode("signed"), 0x20);
  assert.is(flagsOfPayloadMode("plain"), 0);
  assert.is(payloadOverhead("ciphered"), 40);
  assert.is(payloadOverhead("signed"), 64);
  const r = openMdpPayload(crypto, 0x10, plain, { sourceSid: alice.sid, destination: bob });
  assert.equal(r, { ok: false, reason: "unsupported" });
});

test("signed: plaintext || signature over SHA-512(plaintext), verified with the source's key", () => {
  const sealed = sealMdpPayload(crypto, "signed", plain, { source: alice });
  assert.is(sealed.length, plain.length + 64);
  assert.equal(sealed.subarray(0, plain.length), plain);
  assert.ok(crypto.verifyDetached(crypto.sha512(plain), sealed.subarray(plain.length), alice.signPublic));
  const ok = openMdpPayload(crypto, 0x20, sealed, { sourceSid: alice.sid, sourceSignPublic: alice.signPublic });
  assert.ok(ok.ok && ok.plain.length === plain.length);
  if (ok.ok) assert.equal(ok.plain, plain);
  assert.equal(openMdpPayload(crypto, 0x20, sealed, { sourceSid: alice.sid }), { ok: false, reason: "need-sign-key" });
  assert.equal(openMdpPayload(crypto, 0x20, sealed, { sourceSid: alice.sid, sourceSignPublic: bob.signPublic }), { ok: false, reason: "bad-signature" });
  const tampered = sealed.slice(); tampered[5] ^= 0x01;
  assert.equal(openMdpPayload(crypto, 0x20, tampered, { sourceSid: alice.sid, sourceSignPublic: alice.signPublic }), { ok: false, reason: "bad-signature" });
  assert.equal(openMdpPayload(crypto, 0x20, sealed.subarray(0, 63), { sourceSid: alice.sid, sourceSignPublic: alice.signPublic }), { ok: false, reason: "too-short" });
});

test("ciphered: nonce(24) || MAC(16) || ciphertext, opened by the destination only", () => {
  const sealed = sealMdpPayload(crypto, "ciphered", plain, { source: alice, destinationSid: bob.sid })!;
  assert.is(sealed.length, plain.length + 40);
  assert.is(sealed[0] & 0x80, 0);
  const ok = openMdpPayload(crypto, 0x30, sealed, { sourceSid: alice.sid, destination: bob });
  assert.ok(ok.ok);
  if (ok.ok) assert.equal(ok.plain, plain);
  const eve = generateIdentity(random);
  assert.equal(openMdpPayload(crypto, 0x30, sealed, { sourceSid: alice.sid, destination: eve }), { ok: false, reason: "bad-mac" });
  assert.equal(openMdpPayload(crypto, 0x30, sealed, { sourceSid: eve.sid, destination: bob }), { ok: false, reason: "bad-mac" });
  assert.equal(openMdpPayload(crypto, 0x30, sealed, { sourceSid: alice.sid }), { ok: false, reason: "need-destination" });
  for (const at of [0, 23, 24, 39, 40, sealed.length - 1]) {
    const t = sealed.slice(); t[at] ^= 0x04;
    assert.equal(openMdpPayload(crypto, 0x30, t, { sourceSid: alice.sid, destination: bob }), { ok: false, reason: "bad-mac" }, `byte ${at}`);
  }
  assert.equal(openMdpPayload(crypto, 0x30, sealed.subarray(0, 39), { sourceSid: alice.sid, destination: bob }), { ok: false, reason: "too-short" });
  // An empty message still carries nonce + MAC.
  const empty = sealMdpPayload(crypto, "ciphered", new Uint8Array(0), { source: alice, destinationSid: bob.sid })!;
  assert.is(empty.length, 40);
  const e = openMdpPayload(crypto, 0x30, empty, { sourceSid: alice.sid, destination: bob });
  assert.ok(e.ok && e.plain.length === 0);
  assert.throws(() => sealMdpPayload(crypto, "ciphered", plain, { source: alice }), /destination/);
});

test("plain mode passes the payload through", () => {
  assert.is(sealMdpPayload(crypto, "plain", plain, { source: alice }), plain);
  const r = openMdpPayload(crypto, 0x00, plain, { sourceSid: alice.sid });
  assert.ok(r.ok && r.plain === plain);
});

test("nonces: 24 bytes, top bit of byte 0 always clear, different each time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const n = generateNonce(random);
    assert.is(n.length, NONCE_BYTES);
    assert.is(n[0] & 0x80, 0);
    seen.add(Buffer.from(n).toString("hex"));
  }
  assert.is(seen.size, 200);
  const allOnes = generateNonce((k) => new Uint8Array(k).fill(0xff));
  assert.is(allOnes[0], 0x7f);
  assert.is(allOnes[1], 0xff);
});

test("sealed payloads own their nonce: a second seal does not change the first, with and without a provider's sealAfterNm", () => {
  const key = crypto.boxBeforeNm(bob.sid, alice.boxSecret)!;
  const { sealAfterNm: _, ...withoutSeal } = crypto;
  for (const c of [crypto, withoutSeal]) {
    const a = sealCiphered(c, plain, key);
    const nonceA = a.slice(0, NONCE_BYTES);
    const b = sealCiphered(c, plain, key);
    assert.equal(a.subarray(0, NONCE_BYTES), nonceA);
    assert.not.equal(b.subarray(0, NONCE_BYTES), nonceA);
    assert.is(a[0] & 0x80, 0);
    assert.is(a.length, NONCE_BYTES + 16 + plain.length);
    for (const p of [a, b]) assert.equal(openCiphered(crypto, p, crypto.boxBeforeNm(alice.sid, bob.boxSecret)!), plain);
  }
  // a given nonce is used as it is
  const given = new Uint8Array(NONCE_BYTES).fill(0x81);
  assert.equal(sealCiphered(crypto, plain, key, given).subarray(0, NONCE_BYTES), given);
});

test("pooledRandom hands out its source's bytes in order, each once, one draw per pool; big requests go straight through", () => {
  // A counting source: byte i of the stream is i & 0xff.
  let drawn = 0;
  const draws: number[] = [];
  const source = (n: number): Uint8Array => {
    draws.push(n);
    const b = Uint8Array.from({ length: n }, (_, i) => (drawn + i) & 0xff);
    drawn += n;
    return b;
  };
  const r = pooledRandom(source, 96);
  const got: number[] = [];
  for (let i = 0; i < 8; i++) {
    const b = r(NONCE_BYTES);
    assert.is(b.length, NONCE_BYTES);
    got.push(...b);
  }
  // 8 nonces of 24 from pools of 96: two draws, the stream in order
  assert.equal(draws, [96, 96]);
  assert.equal(got, Array.from({ length: 192 }, (_, i) => i & 0xff));
  // a request that does not fit what is left starts a new pool (the rest is never handed out)
  r(10);
  r(24);
  assert.equal(draws, [96, 96, 96]);
  // more than a quarter of the pool: straight from the source
  assert.is(r(64).length, 64);
  assert.equal(draws, [96, 96, 96, 64]);
  // the nonces the daemon's pool makes are distinct and fresh arrays
  const pooled = pooledRandom(random);
  const seen = new Set<string>();
  const arrays = new Set<Uint8Array>();
  for (let i = 0; i < 3 * RANDOM_POOL_BYTES / NONCE_BYTES; i++) {
    const n = generateNonce(pooled);
    arrays.add(n);
    seen.add(Buffer.from(n).toString("hex"));
  }
  assert.is(seen.size, 3 * RANDOM_POOL_BYTES / NONCE_BYTES);
  assert.is(arrays.size, seen.size);
});

test("keymap request is 02; response is 02 || sign key || signature over the raw SID", () => {
  assert.equal(buildKeymapRequest(), Uint8Array.of(2));
  const resp = buildKeymapResponse(crypto, alice);
  assert.is(resp.length, KEYMAP_RESPONSE_BYTES);
  assert.is(resp[0], 2);
  assert.equal(resp.subarray(1, 33), alice.signPublic);
  assert.ok(crypto.verifyDetached(alice.sid, resp.subarray(33), alice.signPublic));
  const parsed = parseKeymapResponse(crypto, resp, alice.sid);
  assert.ok(parsed !== undefined);
  assert.equal(parsed?.signPublic, alice.signPublic);
  assert.is(parsed?.combined, true);
  assert.is(parseKeymapResponse(crypto, resp, bob.sid), undefined); // signature is over the claimed source SID
  assert.is(parseKeymapResponse(crypto, resp.subarray(0, 96), alice.sid), undefined);
  const wrongType = resp.slice(); wrongType[0] = 1;
  assert.is(parseKeymapResponse(crypto, wrongType, alice.sid), undefined);
});

test("shared keys are cached per pair and both sides agree", () => {
  const k1 = crypto.boxBeforeNm(bob.sid, alice.boxSecret);
  assert.is(crypto.boxBeforeNm(bob.sid, alice.boxSecret), k1); // same object: cache hit
  assert.equal(crypto.boxBeforeNm(alice.sid, bob.boxSecret), k1);
  const eve = generateIdentity(random);
  assert.not.equal(crypto.boxBeforeNm(eve.sid, alice.boxSecret), k1);
});

/** A cache of capacity 2 holding (p1, mine) -> k1 and then (p2, mine) -> k2; p3 and k3 not stored. */
function twoPairs(): { c: SharedKeyCache; mine: Uint8Array; p: Uint8Array[]; k: Uint8Array[] } {
  const c = new SharedKeyCache(2);
  const mine = random(32);
  const p = [random(32), random(32), random(32)];
  const k = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
  c.set(p[0], mine, k[0]);
  c.set(p[1], mine, k[1]);
  return { c, mine, p, k };
}

test("SharedKeyCache evicts the least recently used pair", () => {
  const { c, mine, p: [p1, p2, p3], k: [k1, , k3] } = twoPairs();
  assert.is(c.get(p1, mine), k1); // p1 is now most recent
  c.set(p3, mine, k3);
  assert.is(c.size, 2);
  assert.is(c.get(p2, mine), undefined);
  assert.is(c.get(p1, mine), k1);
  assert.is(c.get(p3.slice(), mine.slice()), k3); // equal bytes in other objects still hit
  assert.throws(() => new SharedKeyCache(0));
});

test("SharedKeyCache: repeated hits on the last pair keep the LRU order, and other pairs are still told apart", () => {
  const { c, mine, p: [p1, p2, p3], k: [k1, k2, k3] } = twoPairs();
  assert.is(c.get(p1, mine), k1);
  assert.is(c.get(p1, mine), k1); // the last pair again
  assert.is(c.get(p2.slice(), mine), k2);
  assert.is(c.get(p2, mine), k2); // p2 now most recent, p1 least
  const twin = p2.slice(); twin[31] ^= 1;
  assert.is(c.get(twin, mine), undefined, "a key differing in its last byte from the last pair's is a miss");
  c.set(p3, mine, k3); // evicts p1
  assert.is(c.get(p1, mine), undefined);
  assert.is(c.get(p2, mine), k2);
  assert.is(c.get(p3, mine), k3);
  c.clear();
  assert.is(c.get(p3, mine), undefined);
});

test("SharedKeyCache tells pairs apart beyond the 6-byte prefix and copies the keys it keeps", () => {
  const c = new SharedKeyCache(8);
  const mine = random(32), other = random(32);
  const peer = random(32);
  const twin = peer.slice(); twin[31] ^= 1; // same prefix, different key
  c.set(peer, mine, Uint8Array.of(1));
  assert.is(c.get(twin, mine), undefined);
  assert.is(c.get(peer, other), undefined);
  // Same 48-bit slot (prefix XOR equal) but a different pair: a miss, never the wrong key.
  const mine2 = mine.slice(); const peer2 = peer.slice();
  mine2[0] ^= 0x55; peer2[0] ^= 0x55; mine2[20] ^= 1;
  assert.is(c.get(peer2, mine2), undefined);
  // The caller's buffer is reused for the next packet: the cache must not see the change.
  const view = peer.slice();
  c.set(view, mine, Uint8Array.of(9));
  view.fill(0);
  assert.equal(c.get(peer, mine), Uint8Array.of(9));
});

test("provider's shared-key cache stays bounded", () => {
  const small = createNaclCrypto(random, { sharedKeyCacheSize: 4 });
  const me = generateIdentity(random);
  const peers = Array.from({ length: 6 }, () => generateIdentity(random));
  const first = peers.map((p) => small.boxBeforeNm(p.sid, me.boxSecret));
  // Most recent 4 are cache hits (same object); the first was evicted and recomputed (equal value, new object).
  assert.is(small.boxBeforeNm(peers[5].sid, me.boxSecret), first[5]);
  const again = small.boxBeforeNm(peers[0].sid, me.boxSecret);
  assert.ok(again !== first[0]);
  assert.equal(again, first[0]);
});

test.run();
