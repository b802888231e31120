// MDP nonces (PROTOCOL.md 5.2): 24 random bytes with the top bit of byte 0 cleared
// (Serval DNA reserves it for a future short-nonce form; receivers do not check).

export const NONCE_BYTES = 24;

/** Fill `out` (24 bytes) with a fresh MDP nonce and return it. */
export function generateNonce(randomBytes: (n: number) => Uint8Array, out: Uint8Array = new Uint8Array(NONCE_BYTES)): Uint8Array {
  out.set(randomBytes(NONCE_BYTES));
  out[0] &= 0x7f;
  return out;
}
