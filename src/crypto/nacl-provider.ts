// CryptoProvider over tweetnacl (pure JS, runs on quickjs-ng), with our BigInt
// code for the public-key-only operations (SID derivation, signature checks). Random bytes
// come from an injected source: the C shim under QuickJS, node:crypto in tests.
// Any primitive can be replaced by a native one (e.g. libsodium in the C shim):
// under quickjs-ng tweetnacl costs ~0.7 ms per 1 KiB box (BENCHMARKS.md).

import nacl from "tweetnacl";
import type { CryptoProvider } from "./types";
import { curve25519PublicFromEd25519 } from "./ed25519-to-x25519";
import { ed25519Verify } from "./ed25519-verify";
import { bytesEqual, toHex } from "../wire/bytes";
import { DEFAULT_SHARED_KEY_CACHE_SIZE, SharedKeyCache } from "./shared-key-cache";

/** Returns n cryptographically secure random bytes. */
export type RandomSource = (n: number) => Uint8Array;

/**
 * Primitives the C shim may implement natively, with libsodium semantics and
 * the same argument order as CryptoProvider. Each one given replaces the
 * tweetnacl version; caching stays here.
 *  boxBeforeNm      crypto_box_beforenm(peer public, my secret) -> 32-byte key, or
 *                   null/undefined for a small-order peer key (libsodium's -1)
 *  boxAfterNm       crypto_box_easy_afternm -> MAC(16) || ciphertext
 *  boxOpenAfterNm   crypto_box_open_easy_afternm -> plaintext, or null/undefined on a bad MAC
 *  sealAfterNm      nonce || crypto_box_easy_afternm, in one array (the MDP ciphered payload)
 *  signDetached     crypto_sign_detached(message, 64-byte secret) -> 64-byte signature
 *  verifyDetached   crypto_sign_verify_detached(signature, message, public) == 0
 *  sha512           crypto_hash_sha512
 *  sidFromSignKey   crypto_sign_ed25519_pk_to_curve25519 -> 32 bytes, or null/undefined if invalid
 */
export interface NativeCryptoPrimitives {
  boxBeforeNm?(peerSid: Uint8Array, myBoxSecret: Uint8Array): Uint8Array | null | undefined;
  boxAfterNm?(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  boxOpenAfterNm?(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null | undefined;
  sealAfterNm?(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  signDetached?(message: Uint8Array, signSecret: Uint8Array): Uint8Array;
  verifyDetached?(message: Uint8Array, signature: Uint8Array, signPublic: Uint8Array): boolean;
  sha512?(message: Uint8Array): Uint8Array;
  sidFromSignKey?(signPublic: Uint8Array): Uint8Array | null | undefined;
}

export interface NaclProviderOptions {
  /** Native replacements for some or all primitives. */
  native?: NativeCryptoPrimitives;
  /** Max cached crypto_box shared keys (one per local/peer pair). */
  sharedKeyCacheSize?: number;
  /** Max cached signing-key -> SID conversions. */
  sidCacheSize?: number;
}

export const MAC_BYTES = 16;
export const SIGNATURE_BYTES = 64;
export const SHARED_KEY_BYTES = 32;

/** crypto_box_beforenm's key for an all-zero X25519 shared secret (HSalsa20 of
 * zeros), what tweetnacl returns for a small-order peer key; libsodium and
 * the C shim refuse such a peer instead. */
const ZERO_SECRET_KEY = Uint8Array.of(
  0x35, 0x1f, 0x86, 0xfa, 0xa3, 0xb9, 0x88, 0x46, 0x8a, 0x85, 0x01, 0x22, 0xb6, 0x5b, 0x0a, 0xce,
  0xce, 0x9c, 0x48, 0x26, 0x80, 0x6a, 0xee, 0xe6, 0x3d, 0xe9, 0xc0, 0xda, 0x2b, 0xd7, 0xf9, 0x1e);
/** Cached in place of a key for a refused peer, so it is not recomputed per packet. */
const REFUSED = new Uint8Array(0);

/** A CryptoProvider with a bounded shared-key cache and a SID-derivation cache. */
export function createNaclCrypto(randomSource: RandomSource, options: NaclProviderOptions = {}): CryptoProvider {
  const sharedKeys = new SharedKeyCache(options.sharedKeyCacheSize ?? DEFAULT_SHARED_KEY_CACHE_SIZE);
  // Values are the derived SID, or null for an invalid point (also worth caching).
  const sids = new Map<string, Uint8Array | null>();
  const sidCacheSize = options.sidCacheSize ?? DEFAULT_SHARED_KEY_CACHE_SIZE;
  const nat = options.native ?? {};
  const before = nat.boxBeforeNm?.bind(nat) ?? nacl.box.before;
  const after = nat.boxAfterNm?.bind(nat) ?? nacl.box.after;
  const openAfter = nat.boxOpenAfterNm?.bind(nat) ?? nacl.box.open.after;
  const sealAfter = nat.sealAfterNm?.bind(nat) ?? ((plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array => {
    const boxed = after(plain, nonce, key);
    const out = new Uint8Array(nonce.length + boxed.length);
    out.set(nonce, 0);
    out.set(boxed, nonce.length);
    return out;
  });
  const sign = nat.signDetached?.bind(nat) ?? nacl.sign.detached;
  // Verification sees only public data, so the (much faster under QuickJS) BigInt version is safe.
  const verify = nat.verifyDetached?.bind(nat) ?? ed25519Verify;
  const hash = nat.sha512?.bind(nat) ?? nacl.hash;
  const toSid = nat.sidFromSignKey?.bind(nat) ?? curve25519PublicFromEd25519;

  return {
    boxBeforeNm(peerSid: Uint8Array, myBoxSecret: Uint8Array): Uint8Array | undefined {
      let key = sharedKeys.get(peerSid, myBoxSecret);
      if (key === undefined) {
        key = before(peerSid, myBoxSecret) ?? REFUSED;
        if (bytesEqual(key, ZERO_SECRET_KEY)) key = REFUSED;
        sharedKeys.set(peerSid, myBoxSecret, key);
      }
      return key === REFUSED ? undefined : key;
    },
    boxAfterNm(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
      return after(plain, nonce, key);
    },
    sealAfterNm(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
      return sealAfter(plain, nonce, key);
    },
    boxOpenAfterNm(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
      if (boxed.length < MAC_BYTES) return undefined;
      return openAfter(boxed, nonce, key) ?? undefined;
    },
    signDetached(message: Uint8Array, signSecret: Uint8Array): Uint8Array {
      return sign(message, signSecret);
    },
    verifyDetached(message: Uint8Array, signature: Uint8Array, signPublic: Uint8Array): boolean {
      if (signature.length !== SIGNATURE_BYTES || signPublic.length !== 32) return false;
      return verify(message, signature, signPublic);
    },
    sha512(message: Uint8Array): Uint8Array {
      return hash(message);
    },
    sidFromSignKey(signPublic: Uint8Array): Uint8Array | undefined {
      const k = toHex(signPublic);
      const hit = sids.get(k);
      if (hit !== undefined) return hit === null ? undefined : hit.slice();
      const sid = signPublic.length === 32 ? toSid(signPublic) ?? undefined : undefined;
      if (sids.size >= sidCacheSize) {
        const oldest = sids.keys().next().value;
        if (oldest !== undefined) sids.delete(oldest);
      }
      sids.set(k, sid ?? null);
      return sid?.slice();
    },
    randomBytes(n: number): Uint8Array {
      const bytes = randomSource(n);
      if (bytes.length !== n) throw new Error(`random source returned ${bytes.length} bytes, wanted ${n}`);
      return bytes;
    },
  };
}
