// Public surface of src/crypto.
export type { CryptoProvider, Identity } from "./types";
export { createNaclCrypto, MAC_BYTES, SIGNATURE_BYTES, SHARED_KEY_BYTES } from "./nacl-provider";
export type { RandomSource, NaclProviderOptions, NativeCryptoPrimitives } from "./nacl-provider";
export type { IdentityPrimitives } from "./identity";
export {
  identityFromSeed, identityFromSignSecret, generateIdentity, identitySeed, seedOfSignSecret, checkIdentity,
  SEED_BYTES, SID_BYTES, SIGN_PUBLIC_BYTES, SIGN_SECRET_BYTES, BOX_SECRET_BYTES,
} from "./identity";
export { curve25519PublicFromEd25519 } from "./ed25519-to-x25519";
export { curve25519SecretFromSeedHash } from "./x25519-from-seed";
export { ed25519Verify } from "./ed25519-verify";
export { generateNonce, NONCE_BYTES } from "./nonce";
export { SharedKeyCache, DEFAULT_SHARED_KEY_CACHE_SIZE } from "./shared-key-cache";
export { toHex, parseHex as fromHex, bytesEqual } from "../wire/bytes";
export * from "./mdp-payload";
