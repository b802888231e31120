/*
 * Field arithmetic mod p = 2^255 - 19 in ten signed 32-bit limbs of 26 and
 * 25 bits (limb i has weight 2^ceil(25.5 i)), so that every product is a
 * 32x32->64-bit multiply: fast on 32-bit CPUs such as MIPS 24Kc. A product
 * of two odd limbs lands one bit above the next limb's weight (doubled), and
 * limbs past 2^255 fold back with a factor of 19 (2^255 = 19 mod p).
 * All operations return carried limbs (|limb| < 2^26 + small), so any two
 * results can be multiplied without overflowing 64-bit sums.
 */
#include <string.h>
#include "crypto.h"
#include "fe25519.h"

static int bits_of(int i)
{
    return (i & 1) ? 25 : 26;
}

/* carry 64-bit limb sums into h (floor carries; the top one wraps times 19) */
static void carry(fe h, int64_t t[10])
{
    int i;
    int64_t c;
    for (i = 0; i < 10; i++) {
        int b = bits_of(i);
        c = t[i] >> b;
        t[i] -= c * ((int64_t)1 << b);
        if (i < 9)
            t[i + 1] += c;
        else
            t[0] += 19 * c;
    }
    c = t[0] >> 26;
    t[0] -= c * ((int64_t)1 << 26);
    t[1] += c;
    for (i = 0; i < 10; i++)
        h[i] = (int32_t)t[i];
}

void fe_0(fe h)
{
    memset(h, 0, sizeof(fe));
}

void fe_1(fe h)
{
    fe_0(h);
    h[0] = 1;
}

void fe_copy(fe h, const fe f)
{
    memmove(h, f, sizeof(fe));
}

void fe_add(fe h, const fe f, const fe g)
{
    int64_t t[10];
    int i;
    for (i = 0; i < 10; i++)
        t[i] = (int64_t)f[i] + g[i];
    carry(h, t);
}

void fe_sub(fe h, const fe f, const fe g)
{
    int64_t t[10];
    int i;
    for (i = 0; i < 10; i++)
        t[i] = (int64_t)f[i] - g[i];
    carry(h, t);
}

void fe_neg(fe h, const fe f)
{
    fe z;
    fe_0(z);
    fe_sub(h, z, f);
}

/* Schoolbook product, written out (generated): odd x odd limb products
 * use 2f, products past 2^255 use 19g. */
void fe_mul(fe h, const fe f, const fe g)
{
    int32_t g19[10], f2[10];
    int64_t t[10];
    int i;
    for (i = 0; i < 10; i++) {
        g19[i] = 19 * g[i];
        f2[i] = 2 * f[i];
    }
    t[0] = (int64_t)f[0] * g[0]
        + (int64_t)f2[1] * g19[9]
        + (int64_t)f[2] * g19[8]
        + (int64_t)f2[3] * g19[7]
        + (int64_t)f[4] * g19[6]
        + (int64_t)f2[5] * g19[5]
        + (int64_t)f[6] * g19[4]
        + (int64_t)f2[7] * g19[3]
        + (int64_t)f[8] * g19[2]
        + (int64_t)f2[9] * g19[1];
    t[1] = (int64_t)f[0] * g[1]
        + (int64_t)f[1] * g[0]
        + (int64_t)f[2] * g19[9]
        + (int64_t)f[3] * g19[8]
        + (int64_t)f[4] * g19[7]
        + (int64_t)f[5] * g19[6]
        + (int64_t)f[6] * g19[5]
        + (int64_t)f[7] * g19[4]
        + (int64_t)f[8] * g19[3]
        + (int64_t)f[9] * g19[2];
    t[2] = (int64_t)f[0] * g[2]
        + (int64_t)f2[1] * g[1]
        + (int64_t)f[2] * g[0]
        + (int64_t)f2[3] * g19[9]
        + (int64_t)f[4] * g19[8]
        + (int64_t)f2[5] * g19[7]
        + (int64_t)f[6] * g19[6]
        + (int64_t)f2[7] * g19[5]
        + (int64_t)f[8] * g19[4]
        + (int64_t)f2[9] * g19[3];
    t[3] = (int64_t)f[0] * g[3]
        + (int64_t)f[1] * g[2]
        + (int64_t)f[2] * g[1]
        + (int64_t)f[3] * g[0]
        + (int64_t)f[4] * g19[9]
        + (int64_t)f[5] * g19[8]
        + (int64_t)f[6] * g19[7]
        + (int64_t)f[7] * g19[6]
        + (int64_t)f[8] * g19[5]
        + (int64_t)f[9] * g19[4];
    t[4] = (int64_t)f[0] * g[4]
        + (int64_t)f2[1] * g[3]
        + (int64_t)f[2] * g[2]
        + (int64_t)f2[3] * g[1]
        + (int64_t)f[4] * g[0]
        + (int64_t)f2[5] * g19[9]
        + (int64_t)f[6] * g19[8]
        + (int64_t)f2[7] * g19[7]
        + (int64_t)f[8] * g19[6]
        + (int64_t)f2[9] * g19[5];
    t[5] = (int64_t)f[0] * g[5]
        + (int64_t)f[1] * g[4]
        + (int64_t)f[2] * g[3]
        + (int64_t)f[3] * g[2]
        + (int64_t)f[4] * g[1]
        + (int64_t)f[5] * g[0]
        + (int64_t)f[6] * g19[9]
        + (int64_t)f[7] * g19[8]
        + (int64_t)f[8] * g19[7]
        + (int64_t)f[9] * g19[6];
    t[6] = (int64_t)f[0] * g[6]
        + (int64_t)f2[1] * g[5]
        + (int64_t)f[2] * g[4]
        + (int64_t)f2[3] * g[3]
        + (int64_t)f[4] * g[2]
        + (int64_t)f2[5] * g[1]
        + (int64_t)f[6] * g[0]
        + (int64_t)f2[7] * g19[9]
        + (int64_t)f[8] * g19[8]
        + (int64_t)f2[9] * g19[7];
    t[7] = (int64_t)f[0] * g[7]
        + (int64_t)f[1] * g[6]
        + (int64_t)f[2] * g[5]
        + (int64_t)f[3] * g[4]
        + (int64_t)f[4] * g[3]
        + (int64_t)f[5] * g[2]
        + (int64_t)f[6] * g[1]
        + (int64_t)f[7] * g[0]
        + (int64_t)f[8] * g19[9]
        + (int64_t)f[9] * g19[8];
    t[8] = (int64_t)f[0] * g[8]
        + (int64_t)f2[1] * g[7]
        + (int64_t)f[2] * g[6]
        + (int64_t)f2[3] * g[5]
        + (int64_t)f[4] * g[4]
        + (int64_t)f2[5] * g[3]
        + (int64_t)f[6] * g[2]
        + (int64_t)f2[7] * g[1]
        + (int64_t)f[8] * g[0]
        + (int64_t)f2[9] * g19[9];
    t[9] = (int64_t)f[0] * g[9]
        + (int64_t)f[1] * g[8]
        + (int64_t)f[2] * g[7]
        + (int64_t)f[3] * g[6]
        + (int64_t)f[4] * g[5]
        + (int64_t)f[5] * g[4]
        + (int64_t)f[6] * g[3]
        + (int64_t)f[7] * g[2]
        + (int64_t)f[8] * g[1]
        + (int64_t)f[9] * g[0];
    carry(h, t);
}

/* fe_mul(h, f, f) with each cross product f_i f_j (i < j) taken once, doubled */
void fe_sq(fe h, const fe f)
{
    int32_t f19[10];
    int64_t t[10];
    int i;
    for (i = 0; i < 10; i++)
        f19[i] = 19 * f[i];
    t[0] = (int64_t)f[0] * f[0]
        + 4 * (int64_t)f[1] * f19[9]
        + 2 * (int64_t)f[2] * f19[8]
        + 4 * (int64_t)f[3] * f19[7]
        + 2 * (int64_t)f[4] * f19[6]
        + 2 * (int64_t)f[5] * f19[5];
    t[1] = 2 * (int64_t)f[0] * f[1]
        + 2 * (int64_t)f[2] * f19[9]
        + 2 * (int64_t)f[3] * f19[8]
        + 2 * (int64_t)f[4] * f19[7]
        + 2 * (int64_t)f[5] * f19[6];
    t[2] = 2 * (int64_t)f[0] * f[2]
        + 2 * (int64_t)f[1] * f[1]
        + 4 * (int64_t)f[3] * f19[9]
        + 2 * (int64_t)f[4] * f19[8]
        + 4 * (int64_t)f[5] * f19[7]
        + (int64_t)f[6] * f19[6];
    t[3] = 2 * (int64_t)f[0] * f[3]
        + 2 * (int64_t)f[1] * f[2]
        + 2 * (int64_t)f[4] * f19[9]
        + 2 * (int64_t)f[5] * f19[8]
        + 2 * (int64_t)f[6] * f19[7];
    t[4] = 2 * (int64_t)f[0] * f[4]
        + 4 * (int64_t)f[1] * f[3]
        + (int64_t)f[2] * f[2]
        + 4 * (int64_t)f[5] * f19[9]
        + 2 * (int64_t)f[6] * f19[8]
        + 2 * (int64_t)f[7] * f19[7];
    t[5] = 2 * (int64_t)f[0] * f[5]
        + 2 * (int64_t)f[1] * f[4]
        + 2 * (int64_t)f[2] * f[3]
        + 2 * (int64_t)f[6] * f19[9]
        + 2 * (int64_t)f[7] * f19[8];
    t[6] = 2 * (int64_t)f[0] * f[6]
        + 4 * (int64_t)f[1] * f[5]
        + 2 * (int64_t)f[2] * f[4]
        + 2 * (int64_t)f[3] * f[3]
        + 4 * (int64_t)f[7] * f19[9]
        + (int64_t)f[8] * f19[8];
    t[7] = 2 * (int64_t)f[0] * f[7]
        + 2 * (int64_t)f[1] * f[6]
        + 2 * (int64_t)f[2] * f[5]
        + 2 * (int64_t)f[3] * f[4]
        + 2 * (int64_t)f[8] * f19[9];
    t[8] = 2 * (int64_t)f[0] * f[8]
        + 4 * (int64_t)f[1] * f[7]
        + 2 * (int64_t)f[2] * f[6]
        + 4 * (int64_t)f[3] * f[5]
        + (int64_t)f[4] * f[4]
        + 2 * (int64_t)f[9] * f19[9];
    t[9] = 2 * (int64_t)f[0] * f[9]
        + 2 * (int64_t)f[1] * f[8]
        + 2 * (int64_t)f[2] * f[7]
        + 2 * (int64_t)f[3] * f[6]
        + 2 * (int64_t)f[4] * f[5];
    carry(h, t);
}

void fe_mul_small(fe h, const fe f, int32_t k)
{
    int64_t t[10];
    int i;
    for (i = 0; i < 10; i++)
        t[i] = (int64_t)f[i] * k;
    carry(h, t);
}

/* h = f^(2^n), n >= 1 */
static void fe_sqn(fe h, const fe f, int n)
{
    fe_sq(h, f);
    while (--n > 0)
        fe_sq(h, h);
}

/* t[0] = f^(2^250 - 1) and t[1] = f^11: the common start of the addition
 * chains below (254 squarings and 11 multiplications each, where square and
 * multiply over the exponent's bits took ~250 more multiplications). */
static void fe_pow22501(fe t[4], const fe f)
{
    /* after the start t[2] = f^(2^5 - 1); then each step is
     * t[d] = t[s]^(2^n) * t[m], giving 2^10-1, 2^20-1, 2^40-1, 2^50-1,
     * 2^100-1, 2^200-1 and 2^250-1 */
    static const uint8_t step[7][4] = {
        /* n, s, m, d */
        {5, 2, 2, 2}, {10, 2, 2, 3}, {20, 3, 3, 0}, {10, 0, 2, 2},
        {50, 2, 2, 3}, {100, 3, 3, 0}, {50, 0, 2, 0},
    };
    int i;
    fe_sq(t[2], f);              /* 2 */
    fe_sqn(t[3], t[2], 2);       /* 8 */
    fe_mul(t[3], f, t[3]);       /* 9 */
    fe_mul(t[1], t[2], t[3]);    /* 11 */
    fe_sq(t[2], t[1]);           /* 22 */
    fe_mul(t[2], t[3], t[2]);    /* 31 = 2^5 - 1 */
    for (i = 0; i < 7; i++) {
        fe_sqn(t[0], t[step[i][1]], step[i][0]);
        fe_mul(t[step[i][3]], t[0], t[step[i][2]]);
    }
}

void fe_invert(fe h, const fe f)
{
    /* f^(p - 2), p - 2 = 2^255 - 21 = (2^250 - 1) 2^5 + 11 */
    fe t[4];
    fe_pow22501(t, f);
    fe_sqn(t[0], t[0], 5);
    fe_mul(h, t[0], t[1]);
    sc_wipe(t, sizeof t);
}

void fe_pow_p58(fe h, const fe f)
{
    /* (p - 5) / 8 = 2^252 - 3 = (2^250 - 1) 2^2 + 1 */
    fe t[4];
    fe_pow22501(t, f);
    fe_sqn(t[0], t[0], 2);
    fe_mul(h, t[0], f);
    sc_wipe(t, sizeof t);
}

void fe_frombytes(fe h, const uint8_t s[32])
{
    uint64_t acc = 0;
    int nbits = 0, pos = 0, i;
    for (i = 0; i < 10; i++) {
        int b = bits_of(i);
        while (nbits < b) {
            acc |= (uint64_t)(pos < 32 ? s[pos] : 0) << nbits;
            pos++;
            nbits += 8;
        }
        h[i] = (int32_t)(acc & (((uint64_t)1 << b) - 1));
        acc >>= b;
        nbits -= b;
    }
    /* limb 9 ends at bit 255: bit 255 itself was dropped by the mask */
}

void fe_tobytes(uint8_t s[32], const fe f)
{
    int64_t t[10];
    int32_t q;
    uint64_t acc = 0;
    int nbits = 0, pos = 0, i;
    for (i = 0; i < 10; i++)
        t[i] = f[i];
    /* two more carry rounds: limbs in range, value in [0, 2^255) up to tiny slack */
    for (i = 0; i < 2; i++) {
        fe h;
        carry(h, t);
        {
            int k;
            for (k = 0; k < 10; k++)
                t[k] = h[k];
        }
    }
    /* q = 1 iff value + 19 >= 2^255, i.e. value >= p; then subtract p */
    q = (int32_t)((t[0] + 19) >> 26);
    for (i = 1; i < 10; i++)
        q = (int32_t)((t[i] + q) >> bits_of(i));
    t[0] += 19 * (int64_t)q;
    for (i = 0; i < 9; i++) {
        int64_t c = t[i] >> bits_of(i);
        t[i] -= c * ((int64_t)1 << bits_of(i));
        t[i + 1] += c;
    }
    t[9] &= ((int64_t)1 << 25) - 1;   /* drops q * 2^255 */
    for (i = 0; i < 10; i++) {
        acc |= (uint64_t)t[i] << nbits;
        nbits += bits_of(i);
        while (nbits >= 8) {
            s[pos++] = (uint8_t)acc;
            acc >>= 8;
            nbits -= 8;
        }
    }
    s[pos] = (uint8_t)acc;   /* the last 7 bits */
}

int fe_iszero(const fe f)
{
    uint8_t s[32];
    unsigned d = 0;
    int i;
    fe_tobytes(s, f);
    for (i = 0; i < 32; i++)
        d |= s[i];
    return d == 0;
}

int fe_isneg(const fe f)
{
    uint8_t s[32];
    fe_tobytes(s, f);
    return s[0] & 1;
}

int fe_equal(const fe f, const fe g)
{
    fe d;
    fe_sub(d, f, g);
    return fe_iszero(d);
}

void fe_cswap(fe f, fe g, uint32_t b)
{
    int32_t mask = -(int32_t)b, x;
    int i;
    for (i = 0; i < 10; i++) {
        x = (f[i] ^ g[i]) & mask;
        f[i] ^= x;
        g[i] ^= x;
    }
}

void fe_cmov(fe f, const fe g, uint32_t b)
{
    int32_t mask = -(int32_t)b;
    int i;
    for (i = 0; i < 10; i++)
        f[i] ^= (f[i] ^ g[i]) & mask;
}
