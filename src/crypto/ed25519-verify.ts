// Ed25519 signature verification (crypto_sign_verify_detached) over BigInt.
// Verification only handles public data, so variable-time arithmetic is fine;
// under quickjs-ng it is ~20x faster than tweetnacl's (BENCHMARKS.md).
// Like libsodium it rejects S >= L, non-canonical or small-order public keys,
// and a small-order R.

import nacl from "tweetnacl";
import { BASE, L, compress, decompress, doubleMultiply, hasSmallOrder, negate, bytesToBigLE } from "./ed25519-point";

function scalarLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** True if `signature` (64 bytes) is a valid Ed25519 signature of `message` by `signPublic`. */
export function ed25519Verify(message: Uint8Array, signature: Uint8Array, signPublic: Uint8Array): boolean {
  if (signature.length !== 64 || signPublic.length !== 32) return false;
  const s = bytesToBigLE(signature.subarray(32), false);
  if (s >= L) return false;
  const a = decompress(signPublic);
  if (a === undefined || hasSmallOrder(a)) return false;
  const hin = new Uint8Array(64 + message.length);
  hin.set(signature.subarray(0, 32), 0);
  hin.set(signPublic, 32);
  hin.set(message, 64);
  const h = scalarLE(nacl.hash(hin)) % L;
  // R' = [s]B - [h]A must encode to the signature's R; like libsodium, a
  // small-order R is refused (else a signer could use R = identity, s = h a).
  const rp = doubleMultiply(s, BASE, h, negate(a));
  const r = compress(rp);
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= r[i] ^ signature[i];
  return diff === 0 && !hasSmallOrder(rp);
}
