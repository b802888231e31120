// The C shim's crypto primitives (src/native/crypto.h, our own C code) in the
// shape createNaclCrypto(random, { native }) takes: the daemon's data path
// then costs microseconds per packet instead of ~1 ms of tweetnacl-js.
import * as native from "serval:native";
import type { IdentityPrimitives } from "../crypto/identity";
import type { NativeCryptoPrimitives } from "../crypto/nacl-provider";

/** All primitives NativeCryptoPrimitives knows, backed by serval:native. */
export function nativeCrypto(): NativeCryptoPrimitives {
  return {
    boxBeforeNm: native.cryptoBoxBeforeNm,
    boxAfterNm: native.cryptoBoxAfterNm,
    boxOpenAfterNm: native.cryptoBoxOpenAfterNm,
    sealAfterNm: native.cryptoSealAfterNm,
    signDetached: native.cryptoSignDetached,
    verifyDetached: native.cryptoVerifyDetached,
    sha512: native.cryptoSha512,
    sidFromSignKey: native.cryptoSidFromSignKey,
  };
}

/** Also exposed for the crypto selftest. */
export const nativeX25519 = native.cryptoX25519;
export const nativeX25519Base = native.cryptoX25519Base;
export const nativeSignSeedKeypair = native.cryptoSignSeedKeypair;

/** The shim's primitives for identity derivation (src/crypto/identity.ts):
 *  ~0.4 ms per identity instead of ~70 ms of tweetnacl-js. */
export function nativeIdentityPrimitives(): IdentityPrimitives {
  return {
    signSeedKeypair: native.cryptoSignSeedKeypair,
    x25519Base: native.cryptoX25519Base,
    sha512: native.cryptoSha512,
  };
}
