// Ed25519 -> X25519 conversions used by Serval DNA's combined identities
// (spec 5.1): SID = crypto_sign_ed25519_pk_to_curve25519(signing key).
// The public-key conversion runs once per peer (callers cache it).

import { decompress, inPrimeSubgroup, isIdentity, bigToBytesLE, inverse, mod } from "./ed25519-point";

/**
 * crypto_sign_ed25519_pk_to_curve25519: u = (1 + y) / (1 - y) mod p.
 * Like libsodium, rejects keys that are not points, small-order points and
 * points outside the prime-order subgroup. Returns undefined for those.
 */
export function curve25519PublicFromEd25519(signPublic: Uint8Array): Uint8Array | undefined {
  if (signPublic.length !== 32) return undefined;
  const point = decompress(signPublic);
  if (point === undefined || isIdentity(point)) return undefined;
  if (!inPrimeSubgroup(point)) return undefined;
  const y = point.y;
  return bigToBytesLE(mod((1n + y) * inverse(mod(1n - y))));
}

/**
 * crypto_sign_ed25519_sk_to_curve25519: the first 32 bytes of SHA-512(seed),
 * clamped. `seedHash` is SHA-512 of the 32-byte Ed25519 seed.
 */
export function curve25519SecretFromSeedHash(seedHash: Uint8Array): Uint8Array {
  const s = seedHash.slice(0, 32);
  s[0] &= 248;
  s[31] &= 127;
  s[31] |= 64;
  return s;
}
