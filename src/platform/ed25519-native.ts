// Stand-in for src/crypto/ed25519-verify.ts and ed25519-to-x25519.ts in the
// shipped bundle (build/bundle.mjs swaps them in, as it does tweetnacl): the
// daemon always has the shim's native primitives, so the BigInt fallbacks
// would only cost ~2.5 KB of the ipk. Same exports, same results.
import * as native from "serval:native";

/** Marks the bundle as built with this stand-in (selftest shows no JS column). */
export const nativeStandIn = true;

export function ed25519Verify(message: Uint8Array, signature: Uint8Array, signPublic: Uint8Array): boolean {
  if (signature.length !== 64 || signPublic.length !== 32) return false;
  return native.cryptoVerifyDetached(message, signature, signPublic);
}

export function curve25519PublicFromEd25519(signPublic: Uint8Array): Uint8Array | undefined {
  if (signPublic.length !== 32) return undefined;
  return native.cryptoSidFromSignKey(signPublic) ?? undefined;
}
