// A peer SID that is a small-order X25519 point gives an all-zero shared secret,
// so its crypto_box key is a constant anyone can compute. libsodium and our C
// shim refuse such a peer (crypto_box_beforenm = -1); the provider refuses it
// for the tweetnacl fallback too, and MDP treats the peer as invalid: its
// ciphered frames are dropped and counted, sending to it fails, nothing throws.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import nacl from "tweetnacl";
import { createNaclCrypto } from "../../src/crypto/nacl-provider";
import { generateIdentity, identityFromSeed } from "../../src/crypto/identity";
import { openMdpPayload, sealMdpPayload } from "../../src/crypto/mdp-payload";
import { SimNet } from "../helpers/simnet";

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const P = (1n << 255n) - 19n;
const le32 = (v: bigint): Uint8Array => { const b = new Uint8Array(32); for (let i = 0; i < 32; i++) b[i] = Number((v >> BigInt(8 * i)) & 255n); return b; };
/** 0, 1, p - 1, the two u of order 8, and the non-canonical p, p + 1; each also with bit 255 set. */
const SMALL_ORDER = [0n, 1n, P - 1n,
  0x00b8495f16056286fdb1329ceb8d09da6ac49ff1fae35616aeb8413b7c7aebe0n,
  0x57119fd0dd4e22d8868e1c58c45c44045bef839c55b1d0b1248c50a3bc959c5fn, P, P + 1n,
].flatMap((u) => [le32(u), le32(u | (1n << 255n))]);
const ORDER8 = SMALL_ORDER[6]!;

test("the list really is small order: tweetnacl's X25519 gives all zeros for each", () => {
  for (const u of SMALL_ORDER) assert.ok(nacl.scalarMult(random(32), u).every((b) => b === 0));
});

test("tweetnacl fallback: boxBeforeNm refuses every small-order peer, still answers a real one", () => {
  const crypto = createNaclCrypto(random);
  const me = generateIdentity(random), peer = generateIdentity(random);
  for (const u of SMALL_ORDER) assert.is(crypto.boxBeforeNm(u, me.boxSecret), undefined);
  assert.equal(crypto.boxBeforeNm(peer.sid, me.boxSecret), nacl.box.before(peer.sid, me.boxSecret));
});

test("native refusal (undefined or null) is honoured and cached: one X25519 per refused pair", () => {
  let calls = 0;
  for (const refusal of [undefined, null]) {
    const crypto = createNaclCrypto(random, { native: { boxBeforeNm: () => { calls++; return refusal; } } });
    const me = generateIdentity(random);
    for (let i = 0; i < 5; i++) assert.is(crypto.boxBeforeNm(ORDER8, me.boxSecret), undefined);
  }
  assert.is(calls, 2);
});

test("MDP payloads: a ciphered frame from a small-order SID fails as bad-peer-key; sealing to one gives undefined", () => {
  const crypto = createNaclCrypto(random);
  const me = generateIdentity(random);
  const payload = random(24 + 16 + 20);
  for (const u of SMALL_ORDER) {
    assert.equal(openMdpPayload(crypto, 0x30, payload, { sourceSid: u, destination: me }), { ok: false, reason: "bad-peer-key" });
    assert.is(sealMdpPayload(crypto, "ciphered", random(10), { source: me, destinationSid: u }), undefined);
  }
});

test("mesh: a neighbour whose SID has small order gets its ciphered frames dropped (counted), and sending to it fails cleanly", () => {
  const net = new SimNet({ seed: 17 });
  const a = net.addNode("A");
  // B's SID is a point of order 8 (its box secret does not match it: a forged identity)
  const b = net.addNode("B", { ...identityFromSeed(net.randomBytes(32)), sid: ORDER8.slice() });
  net.link("AB", [a, b]);
  net.start(a);
  net.start(b);
  net.runFor(3000);
  a.node.bind(undefined, 77);
  const before = a.node.stats.cryptoFailures;
  // B seals with A's (valid) SID, so B's side works; A cannot derive a key for B
  assert.ok(net.send(b, { srcPort: 77, dstSid: a.identity.sid, dstPort: 77, payload: Uint8Array.of(1, 2, 3) }).ok);
  net.runFor(2000);
  assert.is(a.inbox.length, 0);
  assert.ok(a.node.stats.cryptoFailures > before, "drop counted");
  assert.equal(a.node.send(net.time, { srcPort: 77, dstSid: b.identity.sid, dstPort: 77, payload: Uint8Array.of(1) }),
    { ok: false, error: "bad-destination" });
  // plain traffic between them still works
  b.node.bind(undefined, 78);
  assert.ok(net.send(a, { srcPort: 78, dstSid: b.identity.sid, dstPort: 78, payload: Uint8Array.of(9), noCrypt: true, noSign: true }).ok);
  net.runFor(2000);
  assert.is(b.inbox.length, 1);
});

test.run();
