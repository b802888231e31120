// The part of tweetnacl's API that src/ uses, backed by the C shim's own
// primitives (src/native/crypto.h). build/bundle.mjs resolves "tweetnacl" to
// this module for the shipped bundle, so tweetnacl-js (33 KB of the minified
// bundle) is not embedded in servald; Node tests import the real tweetnacl.
// Same results and argument order as tweetnacl (test/integration/native-crypto
// checks the primitives against it); like tweetnacl, box.open.after gives null
// for a bad MAC.
import * as native from "serval:native";

/** Detached Ed25519 keypair as tweetnacl returns it. */
export interface SignKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

function open(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  return native.cryptoBoxOpenAfterNm(boxed, nonce, key) ?? null;
}

function fromSeed(seed: Uint8Array): SignKeyPair {
  const secretKey = native.cryptoSignSeedKeypair(seed); // seed || public
  return { publicKey: secretKey.slice(32), secretKey };
}

const nacl = {
  /** Marks this stand-in (selftest crypto has no tweetnacl-js to compare with). */
  nativeStandIn: true,
  hash: native.cryptoSha512,
  scalarMult: { base: native.cryptoX25519Base },
  box: {
    before: native.cryptoBoxBeforeNm,
    after: native.cryptoBoxAfterNm,
    open: { after: open },
  },
  sign: {
    detached: native.cryptoSignDetached,
    keyPair: { fromSeed },
  },
};

export default nacl;
