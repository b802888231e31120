// The crypto operations MDP needs (PROTOCOL.md 5), behind one interface so the
// sans-I/O protocol cores never import a library directly.

/** A local identity: Ed25519 signing keypair plus the X25519 keys derived from it. */
export interface Identity {
  sid: Uint8Array; // 32, X25519 public key = SID
  signPublic: Uint8Array; // 32, Ed25519 public key
  signSecret: Uint8Array; // 64, Ed25519 secret key (seed || public)
  boxSecret: Uint8Array; // 32, X25519 secret key
}

export interface CryptoProvider {
  /** crypto_box_beforenm(peerSid, mySecret): the cached shared key for a pair;
   * undefined when peerSid is a small-order point (the X25519 shared secret is
   * all zeros, a key anyone can compute): such a peer is invalid. */
  boxBeforeNm(peerSid: Uint8Array, myBoxSecret: Uint8Array): Uint8Array | undefined;
  /** crypto_box_easy_afternm: returns MAC(16) || ciphertext. */
  boxAfterNm(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** nonce || boxAfterNm(plain, nonce, key) in one array (an MDP ciphered
   * payload); optional: sealCiphered composes it when a provider lacks it. */
  sealAfterNm?(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  /** crypto_box_open_easy_afternm; undefined when the MAC does not verify. */
  boxOpenAfterNm(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined;
  signDetached(message: Uint8Array, signSecret: Uint8Array): Uint8Array;
  verifyDetached(message: Uint8Array, signature: Uint8Array, signPublic: Uint8Array): boolean;
  sha512(message: Uint8Array): Uint8Array;
  /** crypto_sign_ed25519_pk_to_curve25519; undefined for an invalid point. */
  sidFromSignKey(signPublic: Uint8Array): Uint8Array | undefined;
  randomBytes(n: number): Uint8Array;
}
