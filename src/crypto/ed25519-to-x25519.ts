// Ed25519 -> X25519 conversions used by Serval DNA's combined identities
// (PROTOCOL.md 5.1): SID = crypto_sign_ed25519_pk_to_curve25519(signing key).
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
