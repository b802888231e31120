/*
 * Poly1305 (RFC 8439 section 2.5): h = (h + block) * r mod 2^130 - 5, tag =
 * (h + s) mod 2^128. Five 26-bit limbs, so every product is a 32x32->64-bit
 * multiply (cheap on 32-bit MIPS; no 128-bit integers). 2^130 = 5 mod p folds
 * the high products back with a factor of 5.
 */
#include "crypto.h"

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

#define M26 0x3ffffffu

/* 16 little-endian bytes -> five 26-bit limbs */
static void split(uint32_t l[5], const uint8_t b[16])
{
    uint32_t t0 = ld32(b), t1 = ld32(b + 4), t2 = ld32(b + 8), t3 = ld32(b + 12);
    l[0] = t0 & M26;
    l[1] = ((t0 >> 26) | (t1 << 6)) & M26;
    l[2] = ((t1 >> 20) | (t2 << 12)) & M26;
    l[3] = ((t2 >> 14) | (t3 << 18)) & M26;
    l[4] = t3 >> 8;
}

void sc_poly1305(uint8_t mac[16], const uint8_t *m, size_t n, const uint8_t key[32])
{
    /* everything derived from the key, in one place to be wiped */
    struct {
        uint32_t r[5], s5[5], h[5], g[5];
        uint64_t d[5];
        uint8_t rb[16];
    } k;
    uint32_t *r = k.r, *s5 = k.s5, *h = k.h, *g = k.g, c[5];
    uint64_t *d = k.d, f;
    uint8_t *rb = k.rb, last[16];
    uint32_t mask, carry;
    int i, j;

    for (i = 0; i < 5; i++)
        h[i] = 0;
    for (i = 0; i < 16; i++)
        rb[i] = key[i];
    /* clamp r: top 4 bits of bytes 3, 7, 11, 15 and low 2 bits of 4, 8, 12 */
    rb[3] &= 15; rb[7] &= 15; rb[11] &= 15; rb[15] &= 15;
    rb[4] &= 252; rb[8] &= 252; rb[12] &= 252;
    split(r, rb);
    for (i = 0; i < 5; i++)
        s5[i] = r[i] * 5;

    while (n > 0) {
        const uint8_t *blk = m;
        uint32_t hibit = 1u << 24;   /* the 2^128 bit of a full block */
        if (n < 16) {
            for (i = 0; i < 16; i++)
                last[i] = (size_t)i < n ? m[i] : (size_t)i == n ? 1 : 0;
            blk = last;
            hibit = 0;
        }
        split(c, blk);
        c[4] |= hibit;
        for (i = 0; i < 5; i++)
            h[i] += c[i];
        /* d_k = sum of h_i * r_j with i + j = k, plus 5 * those with i + j = k + 5 */
        d[0] = (uint64_t)h[0] * r[0] + (uint64_t)h[1] * s5[4] + (uint64_t)h[2] * s5[3] +
               (uint64_t)h[3] * s5[2] + (uint64_t)h[4] * s5[1];
        d[1] = (uint64_t)h[0] * r[1] + (uint64_t)h[1] * r[0] + (uint64_t)h[2] * s5[4] +
               (uint64_t)h[3] * s5[3] + (uint64_t)h[4] * s5[2];
        d[2] = (uint64_t)h[0] * r[2] + (uint64_t)h[1] * r[1] + (uint64_t)h[2] * r[0] +
               (uint64_t)h[3] * s5[4] + (uint64_t)h[4] * s5[3];
        d[3] = (uint64_t)h[0] * r[3] + (uint64_t)h[1] * r[2] + (uint64_t)h[2] * r[1] +
               (uint64_t)h[3] * r[0] + (uint64_t)h[4] * s5[4];
        d[4] = (uint64_t)h[0] * r[4] + (uint64_t)h[1] * r[3] + (uint64_t)h[2] * r[2] +
               (uint64_t)h[3] * r[1] + (uint64_t)h[4] * r[0];
        carry = 0;
        for (i = 0; i < 5; i++) {
            d[i] += carry;
            h[i] = (uint32_t)d[i] & M26;
            carry = (uint32_t)(d[i] >> 26);
        }
        h[0] += carry * 5;
        h[1] += h[0] >> 26;
        h[0] &= M26;
        m += n < 16 ? n : 16;
        n -= n < 16 ? n : 16;
    }

    /* full carry, then h mod p: use h - p = h + 5 - 2^130 unless it borrows */
    for (j = 0; j < 2; j++) {
        for (i = 0; i < 4; i++) {
            h[i + 1] += h[i] >> 26;
            h[i] &= M26;
        }
        h[0] += (h[4] >> 26) * 5;
        h[4] &= M26;
    }
    carry = 5;
    for (i = 0; i < 5; i++) {
        g[i] = h[i] + carry;
        carry = g[i] >> 26;
        g[i] &= M26;
    }
    /* carry out of limb 4 means h + 5 >= 2^130, i.e. h >= p */
    mask = 0u - carry;
    for (i = 0; i < 5; i++)
        h[i] = (h[i] & ~mask) | (g[i] & mask);

    /* tag = (h + s) mod 2^128, s = key[16..31] */
    f = (uint64_t)(h[0] | h[1] << 26) + ld32(key + 16);
    c[0] = (uint32_t)f;
    f = (f >> 32) + (uint64_t)((h[1] >> 6) | h[2] << 20) + ld32(key + 20);
    c[1] = (uint32_t)f;
    f = (f >> 32) + (uint64_t)((h[2] >> 12) | h[3] << 14) + ld32(key + 24);
    c[2] = (uint32_t)f;
    f = (f >> 32) + (uint64_t)((h[3] >> 18) | h[4] << 8) + ld32(key + 28);
    c[3] = (uint32_t)f;
    for (i = 0; i < 4; i++)
        for (j = 0; j < 4; j++)
            mac[4 * i + j] = (uint8_t)(c[i] >> (8 * j));
    /* r and the accumulator would forge tags for this key */
    sc_wipe(&k, sizeof k);
}

int sc_verify16(const uint8_t a[16], const uint8_t b[16])
{
    unsigned d = 0;
    int i;
    for (i = 0; i < 16; i++)
        d |= (unsigned)(a[i] ^ b[i]);
    /* 0 if equal, -1 otherwise, without a data-dependent branch */
    return (int)((1u & ((d - 1) >> 8)) - 1);
}
