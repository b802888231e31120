// MDP nonces (PROTOCOL.md 5.2): 24 random bytes with the top bit of byte 0 cleared
// (Serval DNA reserves it for a future short-nonce form; receivers do not check).

export const NONCE_BYTES = 24;

/** Fill `out` (24 bytes) with a fresh MDP nonce and return it. */
export function generateNonce(randomBytes: (n: number) => Uint8Array, out: Uint8Array = new Uint8Array(NONCE_BYTES)): Uint8Array {
  out.set(randomBytes(NONCE_BYTES));
  out[0] &= 0x7f;
  return out;
}

/** Bytes a pooled source (pooledRandom) draws from its source at a time: 64 nonces. */
export const RANDOM_POOL_BYTES = 64 * NONCE_BYTES;

/**
 * A random source that draws `poolBytes` at a time from `source` and hands
 * them out in order, each byte once (small requests only; larger ones go to
 * the source directly). The daemon seals every unicast frame with a fresh
 * nonce: one getrandom per 64 of them instead of one per frame. Make it in
 * the process that uses it (after any fork: a forked copy of a pool would
 * repeat its bytes).
 */
export function pooledRandom(source: (n: number) => Uint8Array, poolBytes = RANDOM_POOL_BYTES): (n: number) => Uint8Array {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return (n: number): Uint8Array => {
    if (n > poolBytes >> 2) return source(n);
    if (at + n > pool.length) {
      pool = source(poolBytes);
      at = 0;
    }
    const out = pool.slice(at, at + n);
    pool.fill(0, at, at + n); // (handed out: not kept in memory)
    at += n;
    return out;
  };
}
