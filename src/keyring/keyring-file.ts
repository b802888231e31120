// Our keyring file format (pure codec, no I/O). It stores only each identity's
// 32-byte Ed25519 seed; everything else is derived (src/crypto/identity.ts).
// A SHA-512 checksum makes corruption a reported error, never a silent reset.
//
//   offset size
//   0      8    magic "SVMKEYR\n"
//   8      1    format version (1)
//   9      1    flags (0)
//   10     2    identity count, big-endian
//   12     ...  per identity: type (1 byte, 0x01 = Ed25519 seed), length (1 byte, 32), value
//   end-32 32   first 32 bytes of SHA-512 over every byte before it
// The first identity is the primary one (the node's address).

import nacl from "tweetnacl";
import type { Identity } from "../crypto/types";
import { identityFromSeed, identitySeed, SEED_BYTES, type IdentityPrimitives } from "../crypto/identity";
import { bytesEqual, toHex } from "../wire/bytes";

export const KEYRING_MAGIC = Uint8Array.of(0x53, 0x56, 0x4d, 0x4b, 0x45, 0x59, 0x52, 0x0a); // "SVMKEYR\n"
export const KEYRING_VERSION = 1;
export const KEYRING_ENTRY_SEED = 0x01;
export const KEYRING_MAX_IDENTITIES = 0xffff;
const HEADER_BYTES = 12;
const CHECKSUM_BYTES = 32;

export type KeyringErrorCode =
  | "truncated"
  | "bad-magic"
  | "unsupported-version"
  | "bad-checksum"
  | "bad-entry"
  | "duplicate-identity"
  | "trailing-bytes";

export interface KeyringError {
  code: KeyringErrorCode;
  message: string;
}

export type KeyringDecodeResult = { ok: true; identities: Identity[] } | { ok: false; error: KeyringError };

function checksum(bytes: Uint8Array): Uint8Array {
  return nacl.hash(bytes).subarray(0, CHECKSUM_BYTES);
}

/** Serialise identities (primary first). */
export function encodeKeyring(identities: readonly Identity[]): Uint8Array {
  if (identities.length > KEYRING_MAX_IDENTITIES) throw new RangeError("too many identities for one keyring");
  const bodyLen = HEADER_BYTES + identities.length * (2 + SEED_BYTES);
  const out = new Uint8Array(bodyLen + CHECKSUM_BYTES);
  out.set(KEYRING_MAGIC, 0);
  out[8] = KEYRING_VERSION;
  out[9] = 0;
  out[10] = identities.length >> 8;
  out[11] = identities.length & 0xff;
  let at = HEADER_BYTES;
  for (const id of identities) {
    out[at++] = KEYRING_ENTRY_SEED;
    out[at++] = SEED_BYTES;
    out.set(identitySeed(id), at);
    at += SEED_BYTES;
  }
  out.set(checksum(out.subarray(0, bodyLen)), bodyLen);
  return out;
}

function fail(code: KeyringErrorCode, message: string): KeyringDecodeResult {
  return { ok: false, error: { code, message } };
}

/**
 * Parse a keyring file; every kind of damage is an error with a readable message.
 * `prims` (optional) derives the identities with native primitives.
 */
export function decodeKeyring(bytes: Uint8Array, prims?: IdentityPrimitives): KeyringDecodeResult {
  if (bytes.length < KEYRING_MAGIC.length || !bytesEqual(bytes.subarray(0, KEYRING_MAGIC.length), KEYRING_MAGIC)) {
    return fail("bad-magic", "not a serval-mesh keyring (bad magic header)");
  }
  if (bytes.length < HEADER_BYTES + CHECKSUM_BYTES) {
    return fail("truncated", `keyring truncated: ${bytes.length} bytes, header and checksum need ${HEADER_BYTES + CHECKSUM_BYTES}`);
  }
  const version = bytes[8];
  if (version !== KEYRING_VERSION) {
    return fail("unsupported-version", `keyring format version ${version} is not supported (this build reads version ${KEYRING_VERSION})`);
  }
  const count = (bytes[10] << 8) | bytes[11];
  // Walk the entries first so a short file reads as "truncated" rather than a checksum error.
  const seeds: Uint8Array[] = [];
  let at = HEADER_BYTES;
  const end = bytes.length - CHECKSUM_BYTES;
  while (seeds.length < count) {
    if (at + 2 > end) return fail("truncated", `keyring truncated: header lists ${count} identities, found ${seeds.length}`);
    const type = bytes[at];
    const len = bytes[at + 1];
    if (at + 2 + len > end) return fail("truncated", `keyring truncated inside identity ${seeds.length}`);
    if (type !== KEYRING_ENTRY_SEED || len !== SEED_BYTES) {
      return fail("bad-entry", `keyring identity ${seeds.length} has unknown entry type 0x${type.toString(16)} length ${len}`);
    }
    seeds.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (at !== end) return fail("trailing-bytes", `keyring has ${end - at} unexpected bytes after ${count} identities`);
  if (!bytesEqual(checksum(bytes.subarray(0, end)), bytes.subarray(end))) {
    return fail("bad-checksum", "keyring checksum mismatch: the file is corrupt");
  }
  const identities: Identity[] = [];
  const seen = new Set<string>();
  for (const seed of seeds) {
    const id = identityFromSeed(seed.slice(), prims);
    const sidHex = toHex(id.sid);
    if (seen.has(sidHex)) return fail("duplicate-identity", `keyring lists identity ${sidHex} twice`);
    seen.add(sidHex);
    identities.push(id);
  }
  return { ok: true, identities };
}
