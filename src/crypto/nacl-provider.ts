// CryptoProvider over tweetnacl (pure JS, runs on quickjs-ng). Random bytes
// come from an injected source: the C shim under QuickJS, node:crypto in tests.

import nacl from "tweetnacl";
import type { CryptoProvider } from "./types";
import { curve25519PublicFromEd25519 } from "./ed25519-to-x25519";
import { toHex } from "./hex";
import { DEFAULT_SHARED_KEY_CACHE_SIZE, SharedKeyCache } from "./shared-key-cache";

/** Returns n cryptographically secure random bytes. */
export type RandomSource = (n: number) => Uint8Array;

export interface NaclProviderOptions {
  /** Max cached crypto_box shared keys (one per local/peer pair). */
  sharedKeyCacheSize?: number;
  /** Max cached signing-key -> SID conversions. */
  sidCacheSize?: number;
}

export const MAC_BYTES = 16;
export const SIGNATURE_BYTES = 64;
export const SHARED_KEY_BYTES = 32;

/** A CryptoProvider with a bounded shared-key cache and a SID-derivation cache. */
export function createNaclCrypto(randomSource: RandomSource, options: NaclProviderOptions = {}): CryptoProvider {
  const sharedKeys = new SharedKeyCache(options.sharedKeyCacheSize ?? DEFAULT_SHARED_KEY_CACHE_SIZE);
  // Values are the derived SID, or null for an invalid point (also worth caching).
  const sids = new Map<string, Uint8Array | null>();
  const sidCacheSize = options.sidCacheSize ?? DEFAULT_SHARED_KEY_CACHE_SIZE;

  return {
    boxBeforeNm(peerSid: Uint8Array, myBoxSecret: Uint8Array): Uint8Array {
      const pairKey = toHex(peerSid) + toHex(myBoxSecret);
      let key = sharedKeys.get(pairKey);
      if (key === undefined) {
        key = nacl.box.before(peerSid, myBoxSecret);
        sharedKeys.set(pairKey, key);
      }
      return key;
    },
    boxAfterNm(plain: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
      return nacl.box.after(plain, nonce, key);
    },
    boxOpenAfterNm(boxed: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
      if (boxed.length < MAC_BYTES) return undefined;
      return nacl.box.open.after(boxed, nonce, key) ?? undefined;
    },
    signDetached(message: Uint8Array, signSecret: Uint8Array): Uint8Array {
      return nacl.sign.detached(message, signSecret);
    },
    verifyDetached(message: Uint8Array, signature: Uint8Array, signPublic: Uint8Array): boolean {
      if (signature.length !== SIGNATURE_BYTES || signPublic.length !== 32) return false;
      return nacl.sign.detached.verify(message, signature, signPublic);
    },
    sha512(message: Uint8Array): Uint8Array {
      return nacl.hash(message);
    },
    sidFromSignKey(signPublic: Uint8Array): Uint8Array | undefined {
      const k = toHex(signPublic);
      const hit = sids.get(k);
      if (hit !== undefined) return hit === null ? undefined : hit.slice();
      const sid = curve25519PublicFromEd25519(signPublic);
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
