// Serval DNA CRYPTOCOMBINED identities (PROTOCOL.md 5.1): everything follows from one
// Ed25519 seed. box secret = clamped SHA-512(seed)[0..32];
// SID = X25519 public key of the box secret = pk_to_curve25519(sign public).

import nacl from "tweetnacl";
import type { Identity } from "./types";
import { curve25519SecretFromSeedHash } from "./x25519-from-seed";
import { bytesEqual } from "../wire/bytes";

export const SEED_BYTES = 32;
export const SIGN_PUBLIC_BYTES = 32;
export const SIGN_SECRET_BYTES = 64;
export const BOX_SECRET_BYTES = 32;
export const SID_BYTES = 32;

/**
 * Native replacements (the C shim's) for the primitives identity derivation
 * uses; each one given replaces tweetnacl's (~70 ms per identity under quickjs-ng).
 */
export interface IdentityPrimitives {
  /** crypto_sign_seed_keypair: the 64-byte secret key (seed || public) of a 32-byte seed. */
  signSeedKeypair?(seed: Uint8Array): Uint8Array;
  /** crypto_scalarmult_base: the X25519 public key of a 32-byte secret. */
  x25519Base?(secret: Uint8Array): Uint8Array;
  sha512?(message: Uint8Array): Uint8Array;
}

/** Derive the whole identity from a 32-byte Ed25519 seed. */
export function identityFromSeed(seed: Uint8Array, prims: IdentityPrimitives = {}): Identity {
  if (seed.length !== SEED_BYTES) throw new RangeError(`identity seed must be ${SEED_BYTES} bytes`);
  let signSecret: Uint8Array;
  if (prims.signSeedKeypair !== undefined) {
    signSecret = prims.signSeedKeypair(seed);
    if (signSecret.length !== SIGN_SECRET_BYTES) throw new Error("signSeedKeypair must return a 64-byte secret key");
  } else signSecret = nacl.sign.keyPair.fromSeed(seed).secretKey;
  const boxSecret = curve25519SecretFromSeedHash(prims.sha512 !== undefined ? prims.sha512(seed) : nacl.hash(seed));
  const sid = prims.x25519Base !== undefined ? prims.x25519Base(boxSecret) : nacl.scalarMult.base(boxSecret);
  return { sid, signPublic: signSecret.slice(SEED_BYTES), signSecret, boxSecret };
}

/** The seed inside a 64-byte Ed25519 secret key (seed || public). */
export function seedOfSignSecret(signSecret: Uint8Array): Uint8Array {
  if (signSecret.length !== SIGN_SECRET_BYTES) throw new RangeError(`signing secret must be ${SIGN_SECRET_BYTES} bytes`);
  return signSecret.slice(0, SEED_BYTES);
}

/** Derive the identity from a 64-byte Ed25519 secret key (seed || public). */
export function identityFromSignSecret(signSecret: Uint8Array, prims?: IdentityPrimitives): Identity {
  return identityFromSeed(seedOfSignSecret(signSecret), prims);
}

/** A fresh identity from 32 bytes of the given random source. */
export function generateIdentity(randomBytes: (n: number) => Uint8Array, prims?: IdentityPrimitives): Identity {
  return identityFromSeed(randomBytes(SEED_BYTES), prims);
}

/** The seed that the rest of an identity is derived from. */
export function identitySeed(identity: Identity): Uint8Array {
  return seedOfSignSecret(identity.signSecret);
}

/**
 * Check that every part of `identity` matches its seed (e.g. keys imported
 * from Serval DNA's dump). Returns the name of the first mismatching part.
 */
export function checkIdentity(identity: Identity, prims?: IdentityPrimitives): "ok" | "signPublic" | "signSecret" | "boxSecret" | "sid" {
  const derived = identityFromSignSecret(identity.signSecret, prims);
  if (!bytesEqual(derived.signPublic, identity.signPublic)) return "signPublic";
  if (!bytesEqual(derived.signSecret, identity.signSecret)) return "signSecret";
  if (!bytesEqual(derived.boxSecret, identity.boxSecret)) return "boxSecret";
  if (!bytesEqual(derived.sid, identity.sid)) return "sid";
  return "ok";
}
