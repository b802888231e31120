// crypto_sign_ed25519_sk_to_curve25519 (PROTOCOL.md 5.1): the box secret of a
// combined Serval identity. Apart from ed25519-to-x25519.ts (BigInt point
// maths), which the shipped bundle swaps for the shim (build/bundle.mjs).

/** The first 32 bytes of SHA-512(Ed25519 seed), clamped. */
export function curve25519SecretFromSeedHash(seedHash: Uint8Array): Uint8Array {
  const s = seedHash.slice(0, 32);
  s[0] &= 248;
  s[31] &= 127;
  s[31] |= 64;
  return s;
}
