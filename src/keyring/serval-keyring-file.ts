// Reader for Serval DNA's binary `serval.keyring` (import only; pure codec).
// Layout (keyring.c, keyring.h):
//   page 0: 2048-byte slot allocation bitmap, then 2048 bytes of keyring salt
//   page N (4096 bytes, N >= 1, bit N set in the bitmap): one identity
//     0   32  slot salt
//     32  64  MAC = SHA-512(slot salt || each CRYPTOBOX/CRYPTOCOMBINED keypair's private || public || slot PIN)
//     96  ..  XSalsa20-encrypted with key = SHA-512(salt || PIN || salt || keyring PIN)[0..32],
//             nonce = SHA-512(keyring PIN || keyring salt || keyring PIN || PIN)[0..24]
//     96  2   (decrypted) rotation, big-endian
//     98  ..  keypairs, read from offset `rotation` and wrapping: type byte (0 ends),
//             a 2-byte big-endian length for types >= 5, then the packed key.
// A CRYPTOCOMBINED (6) keypair packs only its 32-byte Ed25519 seed.
// Slots whose MAC does not match (another PIN, free space) are skipped, as servald does.

import nacl from "tweetnacl";
import type { Identity } from "../crypto/types";
import { identityFromSeed, type IdentityPrimitives } from "../crypto/identity";
import { bytesEqual } from "../wire/bytes";

const PAGE = 4096;
const BAM_BYTES = 2048;
const SLOT_SALT = 32;
const SLOT_MAC = 64;
const SLOT_HEADER = SLOT_SALT + SLOT_MAC; // not encrypted
const KEYTYPE_CRYPTOBOX = 0x01;
const KEYTYPE_CRYPTOSIGN = 0x02;
const KEYTYPE_RHIZOME = 0x03;
const KEYTYPE_DID = 0x04;
const KEYTYPE_CRYPTOCOMBINED = 0x06;
/** Packed sizes of the four original key types, which carry no length bytes. */
const FIXED_PACKED_SIZE: Record<number, number> = {
  [KEYTYPE_CRYPTOBOX]: 32,
  [KEYTYPE_CRYPTOSIGN]: 64 + 32,
  [KEYTYPE_RHIZOME]: 32,
  [KEYTYPE_DID]: 32 + 64,
};

interface NaclLowLevel {
  crypto_stream_xor(c: Uint8Array, cpos: number, m: Uint8Array, mpos: number, d: number, n: Uint8Array, k: Uint8Array): number;
}
const lowlevel = (nacl as unknown as { lowlevel: NaclLowLevel }).lowlevel;

export interface ServalKeyringIdentity {
  /** Page number of the identity in the file. */
  slot: number;
  identity: Identity;
}

export type ServalKeyringResult =
  /** skippedSlots: allocated but not opened (another PIN, or damaged). legacySlots: valid but no CRYPTOCOMBINED key. */
  | { ok: true; identities: ServalKeyringIdentity[]; skippedSlots: number[]; legacySlots: number[] }
  | { ok: false; error: string };

/** UTF-8 bytes of a PIN (no TextEncoder under quickjs). */
function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

type SlotResult = { kind: "identity"; identity: Identity } | { kind: "legacy" } | { kind: "invalid" };

/**
 * Decrypt and check one slot. "legacy" = a valid slot (MAC checked) holding a
 * pre-2016 CRYPTOBOX identity and no CRYPTOCOMBINED key: not importable here.
 */
function readSlot(page: Uint8Array, keyringSalt: Uint8Array, keyringPin: Uint8Array, pin: Uint8Array, prims?: IdentityPrimitives): SlotResult {
  const salt = page.subarray(0, SLOT_SALT);
  const key = nacl.hash(concat([salt, pin, salt, keyringPin])).subarray(0, 32);
  const nonce = nacl.hash(concat([keyringPin, keyringSalt, keyringPin, pin])).subarray(0, 24);
  const plain = new Uint8Array(PAGE - SLOT_HEADER);
  lowlevel.crypto_stream_xor(plain, 0, page, SLOT_HEADER, plain.length, nonce, key);
  const rotation = (plain[0] << 8) | plain[1];
  const ring = plain.subarray(2);
  const size = ring.length;
  // Unrotate: logical byte i is ring[(rotation + i) % size].
  const start = rotation % size;
  const data = concat([ring.subarray(start), ring.subarray(0, start)]);
  let at = 0;
  let combined: Identity | undefined;
  const boxKeys: { secret: Uint8Array; sid: Uint8Array }[] = []; // legacy CRYPTOBOX keypairs
  while (at < size) {
    const type = data[at++];
    if (type === 0) break;
    let len: number;
    if (FIXED_PACKED_SIZE[type] !== undefined) len = FIXED_PACKED_SIZE[type];
    else {
      if (at + 2 > size) return { kind: "invalid" };
      len = (data[at] << 8) | data[at + 1];
      at += 2;
    }
    if (at + len > size) return { kind: "invalid" };
    const packed = data.subarray(at, at + len);
    at += len;
    if (type === KEYTYPE_CRYPTOCOMBINED) {
      // servald creates one combined key per identity; a second one means this is not a real slot.
      if (len !== 32 || combined !== undefined) return { kind: "invalid" };
      combined = identityFromSeed(packed.slice(), prims);
    } else if (type === KEYTYPE_CRYPTOBOX) {
      const secret = packed.slice();
      boxKeys.push({ secret, sid: nacl.scalarMult.base(secret) });
    }
  }
  if (combined === undefined && boxKeys.length === 0) return { kind: "invalid" };
  // The MAC covers the primary keypairs in servald's keypair order: by type, then public key.
  boxKeys.sort((a, b) => compareBytes(a.sid, b.sid));
  const macParts: Uint8Array[] = [salt];
  for (const k of boxKeys) macParts.push(k.secret, k.sid);
  if (combined !== undefined) macParts.push(combined.signSecret, combined.boxSecret, combined.signPublic, combined.sid);
  macParts.push(pin);
  if (!bytesEqual(nacl.hash(concat(macParts)), page.subarray(SLOT_SALT, SLOT_HEADER))) return { kind: "invalid" };
  return combined === undefined ? { kind: "legacy" } : { kind: "identity", identity: combined };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Read the CRYPTOCOMBINED identities of a Serval DNA keyring file that open
 * with `pin` (default: no PIN). Identities come in slot order; the first is
 * servald's primary identity.
 */
export function decodeServalKeyring(bytes: Uint8Array, pin = "", prims?: IdentityPrimitives): ServalKeyringResult {
  if (bytes.length < 2 * PAGE || bytes.length % PAGE !== 0) {
    return { ok: false, error: `not a Serval DNA keyring: ${bytes.length} bytes is not a whole number (>= 2) of ${PAGE}-byte pages` };
  }
  const bam = bytes.subarray(0, BAM_BYTES);
  const keyringSalt = bytes.subarray(BAM_BYTES, PAGE);
  const keyringPin = new Uint8Array(0); // servald opens keyrings with an empty keyring PIN
  const pinBytes = utf8(pin);
  const identities: ServalKeyringIdentity[] = [];
  const skippedSlots: number[] = [];
  const legacySlots: number[] = [];
  const slots = Math.min(bytes.length / PAGE, BAM_BYTES * 8);
  for (let slot = 1; slot < slots; slot++) {
    if ((bam[slot >> 3] & (1 << (slot & 7))) === 0) continue;
    const r = readSlot(bytes.subarray(slot * PAGE, (slot + 1) * PAGE), keyringSalt, keyringPin, pinBytes, prims);
    if (r.kind === "identity") identities.push({ slot, identity: r.identity });
    else if (r.kind === "legacy") legacySlots.push(slot);
    else skippedSlots.push(slot);
  }
  return { ok: true, identities, skippedSlots, legacySlots };
}
