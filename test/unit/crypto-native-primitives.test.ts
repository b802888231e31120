// Native primitives (from the C shim) replace tweetnacl one by one; the
// provider keeps its caches and checks. The stand-in "native" here wraps
// tweetnacl and counts calls, so results must be identical.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import nacl from "tweetnacl";
import { createNaclCrypto, type NativeCryptoPrimitives } from "../../src/crypto/nacl-provider";
import { generateIdentity, identityFromSeed, type IdentityPrimitives } from "../../src/crypto/identity";
import { decodeKeyring, encodeKeyring } from "../../src/keyring/keyring-file";
import { curve25519PublicFromEd25519 } from "../../src/crypto/ed25519-to-x25519";
import { openMdpPayload, sealMdpPayload } from "../../src/crypto/mdp-payload";

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

function countingNative(): { native: NativeCryptoPrimitives; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const hit = (name: string): void => { calls[name] = (calls[name] ?? 0) + 1; };
  const native: NativeCryptoPrimitives = {
    boxBeforeNm(pk, sk) { hit("boxBeforeNm"); return nacl.box.before(pk, sk); },
    boxAfterNm(m, n, k) { hit("boxAfterNm"); return nacl.box.after(m, n, k); },
    boxOpenAfterNm(c, n, k) { hit("boxOpenAfterNm"); return nacl.box.open.after(c, n, k); }, // null on bad MAC
    signDetached(m, sk) { hit("signDetached"); return nacl.sign.detached(m, sk); },
    verifyDetached(m, s, pk) { hit("verifyDetached"); return nacl.sign.detached.verify(m, s, pk); },
    sha512(m) { hit("sha512"); return nacl.hash(m); },
    sidFromSignKey(pk) { hit("sidFromSignKey"); return curve25519PublicFromEd25519(pk) ?? null; },
  };
  return { native, calls };
}

test("every primitive is routed to the native implementation, with the same results", () => {
  const { native, calls } = countingNative();
  const c = createNaclCrypto(random, { native });
  const js = createNaclCrypto(random);
  const a = generateIdentity(random), b = generateIdentity(random);
  const msg = random(500);
  const sealed = sealMdpPayload(c, "ciphered", msg, { source: a, destinationSid: b.sid })!;
  const opened = openMdpPayload(js, 0x30, sealed, { sourceSid: a.sid, destination: b });
  assert.ok(opened.ok);
  const back = openMdpPayload(c, 0x30, sealMdpPayload(js, "ciphered", msg, { source: a, destinationSid: b.sid })!, { sourceSid: a.sid, destination: b });
  assert.ok(back.ok);
  const signed = sealMdpPayload(c, "signed", msg, { source: a });
  assert.equal(signed, sealMdpPayload(js, "signed", msg, { source: a })); // Ed25519 is deterministic
  assert.ok(openMdpPayload(c, 0x20, signed, { sourceSid: a.sid, sourceSignPublic: a.signPublic }).ok);
  assert.equal(c.sidFromSignKey(a.signPublic), a.sid);
  assert.equal(calls, { boxBeforeNm: 2, boxAfterNm: 1, boxOpenAfterNm: 1, signDetached: 1, verifyDetached: 1, sha512: 2, sidFromSignKey: 1 });
});

test("caches sit in front of native calls; bad MAC (null) and invalid keys (null) map to undefined", () => {
  const { native, calls } = countingNative();
  const c = createNaclCrypto(random, { native });
  const a = generateIdentity(random), b = generateIdentity(random);
  for (let i = 0; i < 5; i++) c.boxBeforeNm(b.sid, a.boxSecret);
  for (let i = 0; i < 5; i++) c.sidFromSignKey(b.signPublic);
  assert.is(calls.boxBeforeNm, 1);
  assert.is(calls.sidFromSignKey, 1);
  const sealed = sealMdpPayload(c, "ciphered", random(10), { source: a, destinationSid: b.sid })!;
  sealed[30] ^= 1;
  assert.equal(openMdpPayload(c, 0x30, sealed, { sourceSid: a.sid, destination: b }), { ok: false, reason: "bad-mac" });
  assert.is(c.sidFromSignKey(new Uint8Array(32)), undefined);
});

test("a partial native set falls back to tweetnacl for the rest", () => {
  let n = 0;
  const c = createNaclCrypto(random, { native: { sha512: (m) => { n++; return nacl.hash(m); } } });
  const a = generateIdentity(random);
  const sig = c.signDetached(c.sha512(Uint8Array.of(1, 2, 3)), a.signSecret);
  assert.ok(c.verifyDetached(c.sha512(Uint8Array.of(1, 2, 3)), sig, a.signPublic));
  assert.is(n, 2);
});

test("identity derivation routes to native primitives and gives the same identity", () => {
  const calls: string[] = [];
  const prims: IdentityPrimitives = {
    signSeedKeypair(seed) { calls.push("seed"); return nacl.sign.keyPair.fromSeed(seed).secretKey; },
    x25519Base(s) { calls.push("base"); return nacl.scalarMult.base(s); },
    sha512(m) { calls.push("sha"); return nacl.hash(m); },
  };
  const seed = random(32);
  const js = identityFromSeed(seed);
  const nat = identityFromSeed(seed, prims);
  assert.equal(nat, js);
  assert.equal(calls.sort(), ["base", "seed", "sha"]);
  const file = decodeKeyring(encodeKeyring([js]), prims);
  assert.ok(file.ok && file.identities[0].sid.every((v, i) => v === js.sid[i]));
  assert.is(calls.length, 6);
  assert.throws(() => identityFromSeed(seed, { signSeedKeypair: () => new Uint8Array(32) }), /64-byte/);
});

test.run();
