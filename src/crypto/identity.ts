// Serval DNA CRYPTOCOMBINED identities (spec 5.1): everything follows from one
// Ed25519 seed. box secret = clamped SHA-512(seed)[0..32];
// SID = X25519 public key of the box secret = pk_to_curve25519(sign public).

import nacl from "tweetnacl";
import type { Identity } from "./types";
import { curve25519SecretFromSeedHash } from "./ed25519-to-x25519";
import { bytesEqual } from "./hex";

export const SEED_BYTES = 32;
export const SIGN_PUBLIC_BYTES = 32;
export const SIGN_SECRET_BYTES = 64;
export const BOX_SECRET_BYTES = 32;
export const SID_BYTES = 32;

/** Derive the whole identity from a 32-byte Ed25519 seed. */
export function identityFromSeed(seed: Uint8Array): Identity {
  if (seed.length !== SEED_BYTES) throw new RangeError(`identity seed must be ${SEED_BYTES} bytes`);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  const boxSecret = curve25519SecretFromSeedHash(nacl.hash(seed));
  const sid = nacl.scalarMult.base(boxSecret);
  return { sid, signPublic: pair.publicKey, signSecret: pair.secretKey, boxSecret };
}

/** The seed inside a 64-byte Ed25519 secret key (seed || public). */
export function seedOfSignSecret(signSecret: Uint8Array): Uint8Array {
  if (signSecret.length !== SIGN_SECRET_BYTES) throw new RangeError(`signing secret must be ${SIGN_SECRET_BYTES} bytes`);
  return signSecret.slice(0, SEED_BYTES);
}

/** Derive the identity from a 64-byte Ed25519 secret key (seed || public). */
export function identityFromSignSecret(signSecret: Uint8Array): Identity {
  return identityFromSeed(seedOfSignSecret(signSecret));
}

/** A fresh identity from 32 bytes of the given random source. */
export function generateIdentity(randomBytes: (n: number) => Uint8Array): Identity {
  return identityFromSeed(randomBytes(SEED_BYTES));
}

/** The seed that the rest of an identity is derived from. */
export function identitySeed(identity: Identity): Uint8Array {
  return seedOfSignSecret(identity.signSecret);
}

/**
 * Check that every part of `identity` matches its seed (e.g. keys imported
 * from Serval DNA's dump). Returns the name of the first mismatching part.
 */
export function checkIdentity(identity: Identity): "ok" | "signPublic" | "signSecret" | "boxSecret" | "sid" {
  const derived = identityFromSignSecret(identity.signSecret);
  if (!bytesEqual(derived.signPublic, identity.signPublic)) return "signPublic";
  if (!bytesEqual(derived.signSecret, identity.signSecret)) return "signSecret";
  if (!bytesEqual(derived.boxSecret, identity.boxSecret)) return "boxSecret";
  if (!bytesEqual(derived.sid, identity.sid)) return "sid";
  return "ok";
}
