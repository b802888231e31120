// Reading Serval DNA's binary serval.keyring (no PIN) for import.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import nacl from "tweetnacl";
import { toHex } from "../../src/wire/bytes";
import { identityFromSeed } from "../../src/crypto/identity";
import { parseServalKeyringDump } from "../../src/keyring/serval-dump";
import { decodeServalKeyring } from "../../src/keyring/serval-keyring-file";
import { INTEROP as interop } from "../helpers/wire-interop";

/** Every serval*.keyring with the dump made from it. */
function keyrings(): { name: string; bytes: Uint8Array; dump: string }[] {
  const out: { name: string; bytes: Uint8Array; dump: string }[] = [];
  for (const dir of [interop, join(interop, "relay")]) {
    for (const f of readdirSync(dir)) {
      const m = /^(.*)serval_([A-Z])\.keyring$/.exec(f);
      if (!m) continue;
      out.push({
        name: f,
        bytes: new Uint8Array(readFileSync(join(dir, f))),
        dump: readFileSync(join(dir, `${m[1]}keyring_${m[2]}_dump_secret.txt`), "utf8"),
      });
    }
  }
  return out;
}

test("interop ships 9 Serval DNA keyrings", () => {
  assert.is(keyrings().length, 9);
});

for (const k of keyrings()) {
  test(`${k.name}: opens without a PIN and yields exactly the dumped identity`, () => {
    const r = decodeServalKeyring(k.bytes);
    if (!r.ok) throw new Error(r.error);
    const d = parseServalKeyringDump(k.dump);
    if (!d.ok) throw new Error(d.message);
    assert.is(r.identities.length, 1);
    assert.equal(r.skippedSlots, []);
    assert.equal(r.legacySlots, []);
    const got = r.identities[0].identity, want = d.identities[0].identity;
    assert.is(toHex(got.sid), toHex(want.sid));
    assert.is(toHex(got.signSecret), toHex(want.signSecret));
    assert.is(toHex(got.boxSecret), toHex(want.boxSecret));
  });
}

test("damage to a slot never yields a different key: the slot either opens intact or is skipped", () => {
  const k = keyrings()[0];
  const good = decodeServalKeyring(k.bytes);
  if (!good.ok) throw new Error(good.error);
  const slot = good.identities[0].slot;
  const sid = toHex(good.identities[0].identity.sid);
  // Every header byte (salt, MAC, rotation), then a sample of the encrypted body (each decode
  // derives a key pair, so all 4096 offsets would take too long).
  for (let off = 0; off < 4096; off += off < 98 ? 1 : 29) {
    const bad = k.bytes.slice();
    bad[slot * 4096 + off] ^= 0x10;
    const r = decodeServalKeyring(bad);
    if (!r.ok) throw new Error(r.error);
    if (off < 98) assert.equal(r.skippedSlots, [slot], `offset ${off}`);
    if (r.identities.length > 0) assert.is(toHex(r.identities[0].identity.sid), sid, `offset ${off}`);
  }
});

test("a wrong PIN opens nothing", () => {
  const pinned = decodeServalKeyring(keyrings()[0].bytes, "1234");
  assert.ok(pinned.ok && pinned.identities.length === 0 && pinned.skippedSlots.length === 1);
});

test("wrong sizes are errors", () => {
  const r = decodeServalKeyring(new Uint8Array(5000));
  assert.ok(!r.ok && /4096/.test(r.error));
  assert.not.ok(decodeServalKeyring(new Uint8Array(4096)).ok);
});

// A slot written the way keyring.c packs it, to cover PINs, rotation and legacy keys.
interface Keypair { type: number; packed: Uint8Array; macPart?: Uint8Array }
function writeSlot(file: Uint8Array, slot: number, pairs: Keypair[], pin: string, rotation: number): void {
  const page = new Uint8Array(4096);
  page.set(nacl.randomBytes(32), 0);
  const salt = page.subarray(0, 32);
  const pinBytes = Uint8Array.from(Buffer.from(pin, "utf8"));
  const cat = (...p: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(p));
  page.set(nacl.hash(cat(salt, ...pairs.flatMap((p) => (p.macPart ? [p.macPart] : [])), pinBytes)), 32);
  const body = new Uint8Array(4096 - 98);
  let at = 0;
  for (const p of pairs) {
    const bytes = p.type >= 5 ? cat(Uint8Array.of(p.type, p.packed.length >> 8, p.packed.length & 255), p.packed) : cat(Uint8Array.of(p.type), p.packed);
    for (const b of bytes) body[(rotation + at++) % body.length] = b;
  }
  const plain = cat(Uint8Array.of(rotation >> 8, rotation & 255), body);
  const keyringSalt = file.subarray(2048, 4096);
  const key = nacl.hash(cat(salt, pinBytes, salt)).subarray(0, 32);
  const nonce = nacl.hash(cat(keyringSalt, pinBytes)).subarray(0, 24);
  const stream = (nacl as unknown as { lowlevel: { crypto_stream_xor(c: Uint8Array, cp: number, m: Uint8Array, mp: number, d: number, n: Uint8Array, k: Uint8Array): number } }).lowlevel;
  const enc = new Uint8Array(plain.length);
  stream.crypto_stream_xor(enc, 0, plain, 0, plain.length, nonce, key);
  page.set(enc, 96);
  file.set(page, slot * 4096);
  file[slot >> 3] |= 1 << (slot & 7);
}

test("PIN-protected, rotated (wrapping) and legacy slots", () => {
  const file = new Uint8Array(8 * 4096);
  file.set(nacl.randomBytes(2048), 2048);
  const a = identityFromSeed(nacl.randomBytes(32));
  const combinedMac = Uint8Array.from(Buffer.concat([a.signSecret, a.boxSecret, a.signPublic, a.sid]));
  writeSlot(file, 2, [{ type: 3, packed: nacl.randomBytes(32) }, { type: 6, packed: a.signSecret.subarray(0, 32), macPart: combinedMac }], "s3cret", 3990);
  const boxSecret = nacl.randomBytes(32);
  writeSlot(file, 5, [{ type: 1, packed: boxSecret, macPart: Uint8Array.from(Buffer.concat([boxSecret, nacl.scalarMult.base(boxSecret)])) }, { type: 2, packed: nacl.randomBytes(96) }], "", 17);
  const open = decodeServalKeyring(file);
  assert.ok(open.ok && open.identities.length === 0);
  if (open.ok) { assert.equal(open.legacySlots, [5]); assert.equal(open.skippedSlots, [2]); }
  const withPin = decodeServalKeyring(file, "s3cret");
  assert.ok(withPin.ok && withPin.identities.length === 1 && withPin.identities[0].slot === 2);
  if (withPin.ok) assert.is(toHex(withPin.identities[0].identity.sid), toHex(a.sid));
  // The seed sits at logical bytes 36..67 of the rotated body (after RHIZOME 1+32, type 1, length 2),
  // which wrap around the end: any flipped bit there fails the MAC.
  for (let i = 36; i < 68; i++) {
    const bad = file.slice();
    bad[2 * 4096 + 98 + ((3990 + i) % (4096 - 98))] ^= 0x01;
    const r = decodeServalKeyring(bad, "s3cret");
    assert.ok(r.ok && r.identities.length === 0 && r.skippedSlots.includes(2), `seed byte ${i - 36}`);
  }
});

test.run();
