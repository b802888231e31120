// Identity derivation (spec 5.1) against every Serval DNA identity in the
// interop captures, plus RFC known-answer vectors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import nacl from "tweetnacl";
import type { Identity } from "../../src/crypto/types";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { identityFromSeed, identityFromSignSecret, generateIdentity, checkIdentity } from "../../src/crypto/identity";
import { curve25519PublicFromEd25519 } from "../../src/crypto/ed25519-to-x25519";
import { fromHex, toHex } from "../../src/wire/bytes";
import { parseServalKeyringDump } from "../../src/keyring/serval-dump";
import { INTEROP as interop } from "../helpers/wire-interop";

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const crypto = createNaclCrypto(random);
function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (b === undefined) throw new Error(`bad hex ${s}`);
  return b;
}

/** The single CRYPTOCOMBINED identity of a dump. */
function dumpIdentity(text: string): Identity {
  const parsed = parseServalKeyringDump(text);
  if (!parsed.ok) throw new Error(parsed.message);
  assert.is(parsed.identities.length, 1);
  return parsed.identities[0].identity;
}

/** Every `*_dump_secret.txt` with the `sid_*.txt` that goes with it. */
function dumps(): { name: string; text: string; sidText: string }[] {
  const out: { name: string; text: string; sidText: string }[] = [];
  for (const dir of [interop, join(interop, "relay")]) {
    for (const f of readdirSync(dir)) {
      const m = /^(.*)keyring_([A-Z])_dump_secret\.txt$/.exec(f);
      if (!m) continue;
      const sidText = readFileSync(join(dir, `${m[1]}sid_${m[2]}.txt`), "utf8").trim();
      out.push({ name: join(dir === interop ? "" : "relay", f), text: readFileSync(join(dir, f), "utf8"), sidText });
    }
  }
  return out;
}

test("interop has the expected identity dumps", () => {
  assert.is(dumps().length, 9); // A,B + line A,B,C + loss10 A,B + loss10stall A,B
});

for (const d of dumps()) {
  test(`${d.name}: SID, signing key and box secret derive exactly as Serval DNA's`, () => {
    const dumped = dumpIdentity(d.text);
    const fromSeed = identityFromSignSecret(dumped.signSecret);
    assert.is(toHex(fromSeed.sid), d.sidText);
    assert.is(toHex(dumped.sid), d.sidText);
    assert.is(toHex(fromSeed.signPublic), toHex(dumped.signPublic));
    assert.is(toHex(fromSeed.boxSecret), toHex(dumped.boxSecret));
    assert.is(toHex(fromSeed.signSecret), toHex(dumped.signSecret));
    // SID from the public signing key alone (how peers learn it, 0xFB SIGNKEY).
    assert.is(toHex(crypto.sidFromSignKey(dumped.signPublic) ?? new Uint8Array()), d.sidText);
    assert.is(checkIdentity(dumped), "ok");
  });

  test(`${d.name}: sign/verify and box round trip`, () => {
    const me = dumpIdentity(d.text);
    const msg = random(200);
    const sig = crypto.signDetached(msg, me.signSecret);
    assert.ok(crypto.verifyDetached(msg, sig, me.signPublic));
    msg[7] ^= 1;
    assert.not.ok(crypto.verifyDetached(msg, sig, me.signPublic));
    const peer = generateIdentity(random);
    const nonce = random(24);
    const boxed = crypto.boxAfterNm(msg, nonce, crypto.boxBeforeNm(peer.sid, me.boxSecret)!);
    const opened = crypto.boxOpenAfterNm(boxed, nonce, crypto.boxBeforeNm(me.sid, peer.boxSecret)!);
    assert.equal(opened, msg);
  });
}

test("pk_to_curve25519 agrees with scalarmult_base(sk_to_curve25519) for random keys", () => {
  for (let i = 0; i < 40; i++) {
    const id = identityFromSeed(random(32));
    assert.is(toHex(curve25519PublicFromEd25519(id.signPublic) ?? new Uint8Array()), toHex(id.sid));
  }
});

test("invalid signing keys are rejected", () => {
  const identityPoint = new Uint8Array(32); identityPoint[0] = 1; // y = 1
  assert.is(curve25519PublicFromEd25519(identityPoint), undefined);
  // y = 0 decodes to a point of order 4 (small order, outside the prime subgroup).
  assert.is(curve25519PublicFromEd25519(new Uint8Array(32)), undefined);
  // y = -1 is the point of order 2.
  assert.is(curve25519PublicFromEd25519(hex("ECFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF7F")), undefined);
  // y = 2 has no x on the curve.
  const y2 = new Uint8Array(32); y2[0] = 2;
  assert.is(curve25519PublicFromEd25519(y2), undefined);
  // Non-canonical y >= p.
  assert.is(curve25519PublicFromEd25519(hex("EEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF7F")), undefined);
  assert.is(curve25519PublicFromEd25519(new Uint8Array(31)), undefined);
  // Negating a valid key (flipping the x sign bit) stays in the prime-order subgroup.
  const id = identityFromSeed(random(32));
  const neg = id.signPublic.slice(); neg[31] ^= 0x80;
  assert.ok(curve25519PublicFromEd25519(neg) !== undefined);
  assert.is(crypto.sidFromSignKey(identityPoint), undefined);
  assert.is(crypto.sidFromSignKey(identityPoint), undefined); // cached result too
});

test("RFC 8032 test 1: Ed25519 from seed, signature of the empty message", () => {
  const id = identityFromSeed(hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  assert.is(toHex(id.signPublic), "D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A");
  const sig = crypto.signDetached(new Uint8Array(0), id.signSecret);
  assert.is(toHex(sig), "E5564300C360AC729086E2CC806E828A84877F1EB8E5D974D873E065224901555FB8821590A33BACC61E39701CF9B46BD25BF5F0595BBE24655141438E7A100B");
});

test("RFC 7748 6.1: X25519 public keys and shared secret; NaCl box.before known answer", () => {
  const aliceSk = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const bobSk = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const alicePk = nacl.scalarMult.base(aliceSk);
  const bobPk = nacl.scalarMult.base(bobSk);
  assert.is(toHex(alicePk), "8520F0098930A754748B7DDCB43EF75A0DBF3A0D26381AF4EBA4A98EAA9B4E6A");
  assert.is(toHex(bobPk), "DE9EDB7D7B7DC1B4D35B61C2ECE435373F8343C85B78674DADFC7E146F882B4F");
  // NaCl's tests/box7: crypto_box_beforenm(bobpk, alicesk) = "firstkey".
  assert.is(toHex(crypto.boxBeforeNm(bobPk, aliceSk)!), "1B27556473E985D462CD51197A9A46C76009549EAC6474F206C4EE0844F68389");
  assert.is(toHex(crypto.boxBeforeNm(alicePk, bobSk)!), "1B27556473E985D462CD51197A9A46C76009549EAC6474F206C4EE0844F68389");
});

test("SHA-512 of 'abc' (FIPS 180-2)", () => {
  const abc = Uint8Array.of(0x61, 0x62, 0x63);
  assert.is(toHex(crypto.sha512(abc)), "DDAF35A193617ABACC417349AE20413112E6FA4E89A97EA20A9EEEE64B55D39A2192992A274FC1A836BA3C23A3FEEBBD454D4423643CE80E2A9AC94FA54CA49F");
});

test("random bytes come from the injected source, and the length is checked", () => {
  let calls = 0;
  const p = createNaclCrypto((n) => { calls++; return new Uint8Array(n).fill(7); });
  assert.equal(p.randomBytes(3), Uint8Array.of(7, 7, 7));
  assert.is(calls, 1);
  const bad = createNaclCrypto(() => new Uint8Array(1));
  assert.throws(() => bad.randomBytes(5), /random source/);
});

test.run();
