/*
 * X25519 (RFC 7748 section 5): the Montgomery ladder on u-coordinates with a
 * constant-time conditional swap per scalar bit, and crypto_box_beforenm.
 */
#include <string.h>
#include "crypto.h"
#include "fe25519.h"

void sc_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
    uint8_t k[32];
    fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
    uint32_t swap = 0, bit;
    int t;

    memcpy(k, scalar, 32);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    fe_frombytes(x1, point);
    fe_1(x2);
    fe_0(z2);
    fe_copy(x3, x1);
    fe_1(z3);
    for (t = 254; t >= 0; t--) {
        bit = (k[t >> 3] >> (t & 7)) & 1;
        swap ^= bit;
        fe_cswap(x2, x3, swap);
        fe_cswap(z2, z3, swap);
        swap = bit;
        fe_add(a, x2, z2);
        fe_sq(aa, a);
        fe_sub(b, x2, z2);
        fe_sq(bb, b);
        fe_sub(e, aa, bb);
        fe_add(c, x3, z3);
        fe_sub(d, x3, z3);
        fe_mul(da, d, a);
        fe_mul(cb, c, b);
        fe_add(x3, da, cb);
        fe_sq(x3, x3);
        fe_sub(z3, da, cb);
        fe_sq(z3, z3);
        fe_mul(z3, z3, x1);
        fe_mul(x2, aa, bb);
        fe_mul_small(z2, e, 121665);   /* a24 = (486662 - 2) / 4 */
        fe_add(z2, z2, aa);
        fe_mul(z2, z2, e);
    }
    fe_cswap(x2, x3, swap);
    fe_cswap(z2, z3, swap);
    fe_invert(z2, z2);
    fe_mul(x2, x2, z2);
    fe_tobytes(out, x2);
    memset(k, 0, sizeof k);
}

void sc_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
    uint8_t nine[32] = {9};
    sc_x25519(out, scalar, nine);
}

void sc_box_beforenm(uint8_t key[32], const uint8_t peer_public[32],
                     const uint8_t secret[32])
{
    static const uint8_t zero[16];
    uint8_t s[32];
    sc_x25519(s, secret, peer_public);
    sc_hsalsa20(key, zero, s);
    memset(s, 0, sizeof s);
}
