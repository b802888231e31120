/*
 * Ed25519 (RFC 8032 section 5.1) on the twisted Edwards curve
 * -x^2 + y^2 = 1 + d x^2 y^2, points in extended coordinates (X:Y:Z:T),
 * x = X/Z, y = Y/Z, xy = T/Z. The curve constants (d, sqrt(-1), the base
 * point) are computed from their definitions on first use.
 * Secret scalars go through a constant-time double-and-add-always ladder;
 * verification (public data only) uses a variable-time joint ladder.
 * Scalars mod L are reduced bit by bit (shift, conditional subtract): 512
 * steps of 8-word arithmetic, cheap next to one point multiplication.
 */
#include <string.h>
#include "crypto.h"
#include "fe25519.h"

typedef struct {
    fe X, Y, Z, T;
} ge;

static fe ED_D, ED_D2, SQRTM1;
static ge BASE;
static int ready;

/* L = 2^252 + 27742317777372353535851937790883648493, 32-bit words LE */
static const uint32_t L[8] = {
    0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0, 0, 0, 0x10000000,
};

static void ge_identity(ge *p)
{
    fe_0(p->X);
    fe_1(p->Y);
    fe_1(p->Z);
    fe_0(p->T);
}

static void ge_add(ge *r, const ge *p, const ge *q)
{
    fe a, b, c, d, e, f, g, h, t;
    fe_sub(a, p->Y, p->X);
    fe_sub(t, q->Y, q->X);
    fe_mul(a, a, t);
    fe_add(b, p->Y, p->X);
    fe_add(t, q->Y, q->X);
    fe_mul(b, b, t);
    fe_mul(c, p->T, q->T);
    fe_mul(c, c, ED_D2);
    fe_mul(d, p->Z, q->Z);
    fe_add(d, d, d);
    fe_sub(e, b, a);
    fe_sub(f, d, c);
    fe_add(g, d, c);
    fe_add(h, b, a);
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

static void ge_dbl(ge *r, const ge *p)
{
    fe a, b, c, e, f, g, h;
    fe_sq(a, p->X);
    fe_sq(b, p->Y);
    fe_sq(c, p->Z);
    fe_add(c, c, c);
    fe_add(h, a, b);
    fe_add(e, p->X, p->Y);
    fe_sq(e, e);
    fe_sub(e, h, e);
    fe_sub(g, a, b);
    fe_add(f, c, g);
    fe_mul(r->X, e, f);
    fe_mul(r->Y, g, h);
    fe_mul(r->T, e, h);
    fe_mul(r->Z, f, g);
}

static void ge_cmov(ge *p, const ge *q, uint32_t b)
{
    fe_cmov(p->X, q->X, b);
    fe_cmov(p->Y, q->Y, b);
    fe_cmov(p->Z, q->Z, b);
    fe_cmov(p->T, q->T, b);
}

static int ge_is_identity(const ge *p)
{
    return fe_iszero(p->X) && fe_equal(p->Y, p->Z);
}

static void ge_encode(uint8_t s[32], const ge *p)
{
    fe zi, x, y;
    fe_invert(zi, p->Z);
    fe_mul(x, p->X, zi);
    fe_mul(y, p->Y, zi);
    fe_tobytes(s, y);
    s[31] |= (uint8_t)(fe_isneg(x) << 7);
}

static void init(void);

/* RFC 8032 5.1.3; 0, or -1 for a non-canonical y or a y off the curve */
static int ge_decode(ge *p, const uint8_t s[32])
{
    uint8_t chk[32];
    fe u, v, v3, x, t;
    int sign = s[31] >> 7;
    init();
    fe_frombytes(p->Y, s);
    fe_tobytes(chk, p->Y);
    chk[31] |= (uint8_t)(sign << 7);
    if (memcmp(chk, s, 32) != 0)
        return -1;
    fe_1(p->Z);
    fe_sq(u, p->Y);
    fe_mul(v, u, ED_D);
    fe_sub(u, u, p->Z);           /* u = y^2 - 1 */
    fe_add(v, v, p->Z);           /* v = d y^2 + 1 */
    /* x = u v^3 (u v^7)^((p-5)/8) */
    fe_sq(v3, v);
    fe_mul(v3, v3, v);
    fe_sq(x, v3);
    fe_mul(x, x, v);
    fe_mul(x, x, u);
    fe_pow_p58(x, x);
    fe_mul(x, x, v3);
    fe_mul(x, x, u);
    fe_sq(t, x);
    fe_mul(t, t, v);              /* v x^2 */
    if (!fe_equal(t, u)) {
        fe_neg(u, u);
        if (!fe_equal(t, u))
            return -1;
        fe_mul(x, x, SQRTM1);
    }
    if (fe_iszero(x) && sign)
        return -1;
    if (fe_isneg(x) != sign)
        fe_neg(x, x);
    fe_copy(p->X, x);
    fe_mul(p->T, x, p->Y);
    return 0;
}

static void init(void)
{
    uint8_t enc[32];
    fe t;
    if (ready)
        return;
    ready = 1;
    /* d = -121665 / 121666 */
    fe_0(t);
    t[0] = 121666;
    fe_invert(t, t);
    fe_mul_small(ED_D, t, -121665);
    fe_add(ED_D2, ED_D, ED_D);
    /* sqrt(-1) = 2^((p-1)/4) = (2^((p-5)/8))^2 * 2 */
    fe_0(t);
    t[0] = 2;
    fe_pow_p58(SQRTM1, t);
    fe_sq(SQRTM1, SQRTM1);
    fe_add(SQRTM1, SQRTM1, SQRTM1);
    /* base point: y = 4/5, x even */
    fe_0(t);
    t[0] = 5;
    fe_invert(t, t);
    fe_mul_small(t, t, 4);
    fe_tobytes(enc, t);
    ge_decode(&BASE, enc);
}

/* [s]B for a secret s: double and always add, select in constant time */
static void ge_scalarmult_base(ge *r, const uint8_t s[32])
{
    ge qt[2];   /* q and q + B: both depend on the secret's bits */
    int i;
    init();
    ge_identity(&qt[0]);
    for (i = 255; i >= 0; i--) {
        ge_dbl(&qt[0], &qt[0]);
        ge_add(&qt[1], &qt[0], &BASE);
        ge_cmov(&qt[0], &qt[1], (s[i >> 3] >> (i & 7)) & 1);
    }
    *r = qt[0];
    sc_wipe(qt, sizeof qt);
}

/* ---- scalars mod L, as 8 little-endian 32-bit words ---- */

static void words_from_bytes(uint32_t *w, const uint8_t *b, int nwords)
{
    int i;
    for (i = 0; i < nwords; i++)
        w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
               (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
}

/* out = (64-byte little-endian number) mod L, in constant time */
static void sc_reduce(uint8_t out[32], const uint8_t in[64])
{
    uint32_t rd[16] = {0}, *r = rd, *d = rd + 8, borrow, mask;   /* r, r - L */
    uint64_t t;
    int i, j;
    for (i = 511; i >= 0; i--) {
        /* r = 2r + bit (r < L < 2^253, so 2r + 1 fits in 256 bits) */
        for (j = 7; j > 0; j--)
            r[j] = (r[j] << 1) | (r[j - 1] >> 31);
        r[0] = (r[0] << 1) | ((in[i >> 3] >> (i & 7)) & 1);
        /* r -= L unless that borrows */
        borrow = 0;
        for (j = 0; j < 8; j++) {
            t = (uint64_t)r[j] - L[j] - borrow;
            d[j] = (uint32_t)t;
            borrow = (uint32_t)(t >> 63);
        }
        mask = borrow - 1;   /* all ones when r >= L */
        for (j = 0; j < 8; j++)
            r[j] = (r[j] & ~mask) | (d[j] & mask);
    }
    for (i = 0; i < 32; i++)
        out[i] = (uint8_t)(r[i >> 2] >> (8 * (i & 3)));
    sc_wipe(rd, sizeof rd);   /* the signing nonce, when signing */
}

/* out = (a * b + c) mod L, all 32-byte little-endian */
static void sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32],
                      const uint8_t c[32])
{
    /* b and c are secrets (the signing scalar and nonce) */
    struct {
        uint32_t aw[8], bw[8], cw[8], p[16];
        uint8_t pb[64];
    } v;
    uint32_t *aw = v.aw, *bw = v.bw, *cw = v.cw, *p = v.p;
    uint8_t *pb = v.pb;
    uint64_t t;
    int i, j;
    for (i = 0; i < 16; i++)
        p[i] = 0;
    words_from_bytes(aw, a, 8);
    words_from_bytes(bw, b, 8);
    words_from_bytes(cw, c, 8);
    for (i = 0; i < 8; i++) {
        t = 0;
        for (j = 0; j < 8; j++) {
            t += (uint64_t)aw[i] * bw[j] + p[i + j];
            p[i + j] = (uint32_t)t;
            t >>= 32;
        }
        p[i + 8] = (uint32_t)t;
    }
    t = 0;
    for (i = 0; i < 16; i++) {
        t += (uint64_t)p[i] + (i < 8 ? cw[i] : 0);
        p[i] = (uint32_t)t;
        t >>= 32;
    }
    for (i = 0; i < 64; i++)
        pb[i] = (uint8_t)(p[i >> 2] >> (8 * (i & 3)));
    sc_reduce(out, pb);
    sc_wipe(&v, sizeof v);
}

/* public S: is it below L? */
static int sc_is_canonical(const uint8_t s[32])
{
    uint32_t w[8];
    int i;
    words_from_bytes(w, s, 8);
    for (i = 7; i >= 0; i--) {
        if (w[i] < L[i])
            return 1;
        if (w[i] > L[i])
            return 0;
    }
    return 0;
}

/* ---- the public operations ---- */

void sc_ed25519_seed_keypair(uint8_t pub[32], uint8_t secret[64], const uint8_t seed[32])
{
    uint8_t h[64];
    ge a;
    sc_sha512(h, seed, 32);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    ge_scalarmult_base(&a, h);
    ge_encode(pub, &a);
    memmove(secret, seed, 32);
    memcpy(secret + 32, pub, 32);
    sc_wipe(h, sizeof h);
}

void sc_ed25519_sign(uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t secret[64])
{
    /* h = the scalar s || the prefix, r the nonce, k first SHA-512(prefix || M) */
    struct {
        uint8_t h[64], r[32], k[64];
    } v;
    uint8_t *h = v.h, *r = v.r, *k = v.k, kr[32];
    sc_sha512_ctx c;
    ge rp;
    sc_sha512(h, secret, 32);
    h[0] &= 248;
    h[31] &= 127;
    h[31] |= 64;
    /* r = SHA-512(prefix || M) mod L, R = [r]B */
    sc_sha512_init(&c);
    sc_sha512_update(&c, h + 32, 32);
    sc_sha512_update(&c, m, n);
    sc_sha512_final(&c, k);
    sc_reduce(r, k);
    ge_scalarmult_base(&rp, r);
    ge_encode(sig, &rp);
    /* k = SHA-512(R || A || M) mod L, S = (r + k s) mod L */
    sc_sha512_init(&c);
    sc_sha512_update(&c, sig, 32);
    sc_sha512_update(&c, secret + 32, 32);
    sc_sha512_update(&c, m, n);
    sc_sha512_final(&c, k);
    sc_reduce(kr, k);
    sc_muladd(sig + 32, kr, h, r);
    sc_wipe(&v, sizeof v);
}

/* 1 if 8P is the identity (P has small order) */
static int ge_small_order(const ge *p)
{
    ge t;
    ge_dbl(&t, p);
    ge_dbl(&t, &t);
    ge_dbl(&t, &t);
    return ge_is_identity(&t);
}

/* the public key decoded, rejecting small-order points */
static int decode_public(ge *a, const uint8_t pub[32])
{
    if (ge_decode(a, pub) != 0)
        return -1;
    return ge_small_order(a) ? -1 : 0;
}

int sc_ed25519_verify(const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pub[32])
{
    uint8_t hb[64], k[32], rcheck[32];
    sc_sha512_ctx c;
    ge a, q;
    int i;
    if (!sc_is_canonical(sig + 32) || decode_public(&a, pub) != 0)
        return 0;
    sc_sha512_init(&c);
    sc_sha512_update(&c, sig, 32);
    sc_sha512_update(&c, pub, 32);
    sc_sha512_update(&c, m, n);
    sc_sha512_final(&c, hb);
    sc_reduce(k, hb);
    /* R' = [S]B + [k](-A) must encode to R */
    fe_neg(a.X, a.X);
    fe_neg(a.T, a.T);
    ge_identity(&q);
    for (i = 255; i >= 0; i--) {
        ge_dbl(&q, &q);
        if ((sig[32 + (i >> 3)] >> (i & 7)) & 1)
            ge_add(&q, &q, &BASE);
        if ((k[i >> 3] >> (i & 7)) & 1)
            ge_add(&q, &q, &a);
    }
    ge_encode(rcheck, &q);
    /* R' encodes to R; a small-order R is refused as libsodium does (a
     * signer could otherwise sign with R = identity, S = k s) */
    return memcmp(rcheck, sig, 32) == 0 && !ge_small_order(&q);
}

int sc_ed25519_pk_to_x25519(uint8_t out[32], const uint8_t pub[32])
{
    static const uint8_t lbytes[32] = {
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
        0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    };
    ge a, q;
    fe one, num, den;
    int i;
    init();
    if (ge_decode(&a, pub) != 0 || ge_is_identity(&a))
        return -1;
    /* in the prime-order subgroup iff [L]A is the identity */
    ge_identity(&q);
    for (i = 255; i >= 0; i--) {
        ge_dbl(&q, &q);
        if ((lbytes[i >> 3] >> (i & 7)) & 1)
            ge_add(&q, &q, &a);
    }
    if (!ge_is_identity(&q))
        return -1;
    /* u = (1 + y) / (1 - y) */
    fe_1(one);
    fe_add(num, one, a.Y);
    fe_sub(den, one, a.Y);
    fe_invert(den, den);
    fe_mul(num, num, den);
    fe_tobytes(out, num);
    return 0;
}
