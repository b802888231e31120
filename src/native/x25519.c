/*
 * X25519 (RFC 7748 section 5): the Montgomery ladder on u-coordinates with a
 * constant-time conditional swap per scalar bit, and crypto_box_beforenm.
 * Like libsodium, both refuse a peer point of small order (an all-zero shared
 * secret, which anyone can compute).
 */
#include <string.h>
#include "crypto.h"
#include "fe25519.h"

int sc_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
    /* the ladder state and temporaries in one place, wiped at the end */
    struct {
        uint8_t k[32];
        fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
    } v;
    uint32_t swap = 0, bit;
    unsigned zero = 0;
    int t;

    memcpy(v.k, scalar, 32);
    v.k[0] &= 248;
    v.k[31] &= 127;
    v.k[31] |= 64;
    fe_frombytes(v.x1, point);
    fe_1(v.x2);
    fe_0(v.z2);
    fe_copy(v.x3, v.x1);
    fe_1(v.z3);
    for (t = 254; t >= 0; t--) {
        bit = (v.k[t >> 3] >> (t & 7)) & 1;
        swap ^= bit;
        fe_cswap(v.x2, v.x3, swap);
        fe_cswap(v.z2, v.z3, swap);
        swap = bit;
        fe_add(v.a, v.x2, v.z2);
        fe_sq(v.aa, v.a);
        fe_sub(v.b, v.x2, v.z2);
        fe_sq(v.bb, v.b);
        fe_sub(v.e, v.aa, v.bb);
        fe_add(v.c, v.x3, v.z3);
        fe_sub(v.d, v.x3, v.z3);
        fe_mul(v.da, v.d, v.a);
        fe_mul(v.cb, v.c, v.b);
        fe_add(v.x3, v.da, v.cb);
        fe_sq(v.x3, v.x3);
        fe_sub(v.z3, v.da, v.cb);
        fe_sq(v.z3, v.z3);
        fe_mul(v.z3, v.z3, v.x1);
        fe_mul(v.x2, v.aa, v.bb);
        fe_mul_small(v.z2, v.e, 121665);   /* a24 = (486662 - 2) / 4 */
        fe_add(v.z2, v.z2, v.aa);
        fe_mul(v.z2, v.z2, v.e);
    }
    fe_cswap(v.x2, v.x3, swap);
    fe_cswap(v.z2, v.z3, swap);
    fe_invert(v.z2, v.z2);
    fe_mul(v.x2, v.x2, v.z2);
    fe_tobytes(out, v.x2);
    sc_wipe(&v, sizeof v);
    /* all-zero output: the point has small order (RFC 7748 section 6.1);
     * checked without a data-dependent branch */
    for (t = 0; t < 32; t++)
        zero |= out[t];
    return -(int)(((zero - 1) >> 8) & 1);
}

void sc_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
    uint8_t nine[32] = {9};
    (void)sc_x25519(out, scalar, nine);   /* never zero: 9 has order L */
}

int sc_box_beforenm(uint8_t key[32], const uint8_t peer_public[32],
                    const uint8_t secret[32])
{
    static const uint8_t zero[16];
    uint8_t s[32];
    int rc = sc_x25519(s, secret, peer_public);
    sc_hsalsa20(key, zero, s);
    sc_wipe(s, sizeof s);
    return rc;
}
