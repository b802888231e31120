/*
 * Differential test of src/native's crypto (crypto.h) against libsodium
 * (Debian's libsodium-dev; host-only: this program is never part of servald).
 * Random and edge-case inputs for secretbox / open (and box_beforenm),
 * SHA-512 (one shot and in random pieces), X25519 (incl. every small-order
 * point and non-canonical u), Ed25519 keypair / sign / verify (tampered,
 * S + L, non-canonical and small-order keys and R, a crafted R = identity
 * signature) and Ed25519 -> X25519 public keys (small-order, mixed-order,
 * non-canonical, random bytes). Each case compares both the verdict (accept
 * or reject) and the bytes.
 *
 *   sodium-diff [SEED [SCALE]]   prints one line per operation and
 *   "cases N mismatches M seed S"; exit status 1 if M > 0.
 * The inputs come from libsodium's deterministic generator, so a SEED
 * reproduces a run; SCALE multiplies the number of random cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "crypto.h"

static unsigned char seedbytes[randombytes_SEEDBYTES];
static uint64_t counter;
static long cases, mismatches;

/* deterministic bytes: seed || counter through libsodium's ChaCha20 generator */
static void rnd(void *p, size_t n)
{
    unsigned char s[randombytes_SEEDBYTES];
    memcpy(s, seedbytes, sizeof s);
    memcpy(s, &counter, sizeof counter);
    counter++;
    randombytes_buf_deterministic(p, n, s);
}

static uint32_t rnd32(void)
{
    uint32_t v;
    rnd(&v, sizeof v);
    return v;
}

static void hexdump(const char *what, const uint8_t *p, size_t n)
{
    size_t i;
    fprintf(stderr, "  %s ", what);
    for (i = 0; i < n && i < 96; i++)
        fprintf(stderr, "%02x", p[i]);
    fprintf(stderr, "%s\n", n > 96 ? "..." : "");
}

/* one comparison; on a mismatch prints the case (up to 20 of them) */
static void same(const char *op, int ok_ours, int ok_ref, const uint8_t *ours,
                 const uint8_t *ref, size_t n, const uint8_t *in1, size_t n1,
                 const uint8_t *in2, size_t n2)
{
    cases++;
    if (ok_ours == ok_ref && (!ok_ours || n == 0 || memcmp(ours, ref, n) == 0))
        return;
    if (++mismatches <= 20) {
        fprintf(stderr, "MISMATCH %s: ours %s, libsodium %s\n", op,
                ok_ours ? "accepts" : "rejects", ok_ref ? "accepts" : "rejects");
        hexdump("in1", in1, n1);
        hexdump("in2", in2, n2);
        if (ok_ours && ok_ref) {
            hexdump("ours", ours, n);
            hexdump("ref ", ref, n);
        }
    }
}

static void report(const char *op, long before)
{
    printf("%-10s %6ld cases\n", op, cases - before);
}

/* ---- field elements and special points, little-endian 32 bytes ---- */

/* p + k for small k (p = 2^255 - 19), or p - k for negative k */
static void p_plus(uint8_t out[32], int k)
{
    int i, c;
    static const uint8_t p[32] = {
        0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
    };
    c = k;
    for (i = 0; i < 32; i++) {
        c += p[i];
        out[i] = (uint8_t)c;
        c >>= 8;   /* arithmetic: borrows propagate */
    }
}

static void small(uint8_t out[32], unsigned v)
{
    memset(out, 0, 32);
    out[0] = (uint8_t)v;
    out[1] = (uint8_t)(v >> 8);
}

/* the X25519 u-coordinates of order 8 (libsodium's blacklist) */
static const uint8_t U_ORDER8[2][32] = {
    {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
     0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
     0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
};
/* the Ed25519 encodings (y) of the order-8 points */
static const uint8_t Y_ORDER8[2][32] = {
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
     0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
     0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
};

/* Small-order / special u or y values: 0, 1, p-1, p, p+1, 2^255-1 .. and the
 * order-8 ones, each also with bit 255 set. Returns how many were written. */
static int special_points(uint8_t out[][32], const uint8_t order8[2][32])
{
    int n = 0, k, b;
    uint8_t base[40][32];
    int nb = 0;
    small(base[nb++], 0);
    small(base[nb++], 1);
    p_plus(base[nb++], -1);
    for (k = 0; k <= 18; k++)   /* p .. p + 18: the non-canonical encodings */
        p_plus(base[nb++], k);
    memcpy(base[nb++], order8[0], 32);
    memcpy(base[nb++], order8[1], 32);
    for (k = 0; k < 2; k++) {   /* order 8 + p when that still fits */
        uint8_t t[32];
        int c = 0, i;
        static const uint8_t p[32] = {
            0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        };
        for (i = 0; i < 32; i++) {
            c += order8[k][i] + p[i];
            t[i] = (uint8_t)c;
            c >>= 8;
        }
        if (c == 0 && !(t[31] & 0x80))
            memcpy(base[nb++], t, 32);
    }
    for (k = 0; k < nb; k++)
        for (b = 0; b < 2; b++) {
            memcpy(out[n], base[k], 32);
            out[n][31] = (uint8_t)((out[n][31] & 0x7f) | (b << 7));
            n++;
        }
    return n;
}

/* ---- the operations ---- */

static void test_sha512(int scale)
{
    long before = cases;
    uint8_t m[4200], a[64], b[64];
    size_t n;
    int rep;
    for (n = 0; n <= 300; n++) {
        rnd(m, n);
        sc_sha512(a, m, n);
        crypto_hash_sha512(b, m, n);
        same("sha512", 1, 1, a, b, 64, m, n, NULL, 0);
    }
    for (rep = 0; rep < 300 * scale; rep++) {
        sc_sha512_ctx c;
        size_t off = 0;
        n = rnd32() % sizeof m;
        rnd(m, n);
        /* random pieces, including empty ones */
        sc_sha512_init(&c);
        while (off < n) {
            size_t k = rnd32() % 300;
            if (k > n - off)
                k = n - off;
            sc_sha512_update(&c, m + off, k);
            off += k;
        }
        sc_sha512_final(&c, a);
        crypto_hash_sha512(b, m, n);
        same("sha512", 1, 1, a, b, 64, m, n, NULL, 0);
    }
    report("sha512", before);
}

static void test_secretbox(int scale)
{
    long before = cases;
    static uint8_t m[5000], ours[5100], ref[5100], po[5000], pr[5000];
    uint8_t key[32], nonce[24];
    size_t n;
    int rep, oko, okr;
    for (rep = 0; rep < 500 * scale; rep++) {
        n = rep < 300 ? (size_t)rep : rnd32() % sizeof m;
        rnd(key, 32);
        rnd(nonce, 24);
        rnd(m, n);
        sc_secretbox(ours, m, n, nonce, key);
        crypto_secretbox_easy(ref, m, n, nonce, key);
        same("box", 1, 1, ours, ref, n + 16, m, n, key, 32);
        /* open the genuine box */
        oko = sc_secretbox_open(po, ref, n + 16, nonce, key) == 0;
        okr = crypto_secretbox_open_easy(pr, ref, n + 16, nonce, key) == 0;
        same("open", oko, okr, po, pr, n, ref, n + 16, key, 32);
        /* one flipped bit anywhere, a wrong key, a wrong nonce, truncated */
        ref[rnd32() % (n + 16)] ^= (uint8_t)(1u << (rnd32() & 7));
        oko = sc_secretbox_open(po, ref, n + 16, nonce, key) == 0;
        okr = crypto_secretbox_open_easy(pr, ref, n + 16, nonce, key) == 0;
        same("open", oko, okr, po, pr, n, ref, n + 16, key, 32);
        crypto_secretbox_easy(ref, m, n, nonce, key);
        key[rnd32() % 32] ^= 1;
        oko = sc_secretbox_open(po, ref, n + 16, nonce, key) == 0;
        okr = crypto_secretbox_open_easy(pr, ref, n + 16, nonce, key) == 0;
        same("open", oko, okr, po, pr, n, ref, n + 16, key, 32);
        nonce[rnd32() % 24] ^= 0x80;
        oko = sc_secretbox_open(po, ref, n + 16, nonce, key) == 0;
        okr = crypto_secretbox_open_easy(pr, ref, n + 16, nonce, key) == 0;
        same("open", oko, okr, po, pr, n, ref, n + 16, key, 32);
        if (n + 16 > 0) {
            size_t cut = rnd32() % (n + 16);   /* 0 .. n + 15 bytes */
            oko = cut >= 16 && sc_secretbox_open(po, ref, cut, nonce, key) == 0;
            okr = crypto_secretbox_open_easy(pr, ref, cut, nonce, key) == 0;
            same("open", oko, okr, po, pr, cut >= 16 ? cut - 16 : 0, ref, cut, key, 32);
        }
    }
    report("secretbox", before);
}

static void test_x25519(int scale)
{
    long before = cases;
    uint8_t pts[80][32], s[32], u[32], a[32], b[32];
    int np = special_points(pts, U_ORDER8), i, rep, oko, okr;
    /* every special point with several scalars, including 0 and all-ones */
    for (i = 0; i < np; i++)
        for (rep = 0; rep < 4; rep++) {
            if (rep == 0)
                memset(s, 0, 32);
            else if (rep == 1)
                memset(s, 0xff, 32);
            else
                rnd(s, 32);
            oko = sc_x25519(a, s, pts[i]) == 0;
            okr = crypto_scalarmult(b, s, pts[i]) == 0;
            same("x25519", oko, okr, a, b, 32, s, 32, pts[i], 32);
            oko = sc_box_beforenm(a, pts[i], s) == 0;
            okr = crypto_box_beforenm(b, pts[i], s) == 0;
            same("beforenm", oko, okr, a, b, 32, s, 32, pts[i], 32);
        }
    for (rep = 0; rep < 600 * scale; rep++) {
        rnd(s, 32);
        rnd(u, 32);   /* bit 255 set half the time: ignored by both */
        oko = sc_x25519(a, s, u) == 0;
        okr = crypto_scalarmult(b, s, u) == 0;
        same("x25519", oko, okr, a, b, 32, s, 32, u, 32);
        sc_x25519_base(a, s);
        crypto_scalarmult_base(b, s);
        same("x25519base", 1, 1, a, b, 32, s, 32, NULL, 0);
        if (rep % 4 == 0) {
            /* a real peer key */
            crypto_scalarmult_base(u, u);
            oko = sc_box_beforenm(a, u, s) == 0;
            okr = crypto_box_beforenm(b, u, s) == 0;
            same("beforenm", oko, okr, a, b, 32, s, 32, u, 32);
        }
    }
    report("x25519", before);
}

/* our verify (1 = valid) against crypto_sign_verify_detached */
static void verify_both(const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pk[32])
{
    int oko = sc_ed25519_verify(sig, m, n, pk) == 1;
    int okr = crypto_sign_verify_detached(sig, m, n, pk) == 0;
    same("verify", oko, okr, NULL, NULL, 0, sig, 64, pk, 32);
}

static void pk2x_both(const uint8_t pk[32])
{
    uint8_t a[32], b[32];
    int oko = sc_ed25519_pk_to_x25519(a, pk) == 0;
    int okr = crypto_sign_ed25519_pk_to_curve25519(b, pk) == 0;
    same("pk2x", oko, okr, a, b, 32, pk, 32, NULL, 0);
}

/* 32-byte little-endian s + L, if it fits (else s unchanged, returns 0) */
static int plus_l(uint8_t s[32])
{
    static const uint8_t L[32] = {
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    };
    uint8_t t[32];
    int i, c = 0;
    for (i = 0; i < 32; i++) {
        c += s[i] + L[i];
        t[i] = (uint8_t)c;
        c >>= 8;
    }
    if (c)
        return 0;
    memcpy(s, t, 32);
    return 1;
}

static void test_ed25519(int scale)
{
    long before = cases;
    uint8_t seed[32], pko[32], pkr[32], sko[64], skr[64], sigo[64], sigr[64], t[64];
    uint8_t m[600], pts[80][32], h[64], a[32], k[32], x[32];
    int np = special_points(pts, Y_ORDER8), i, rep;
    size_t n;
    for (rep = 0; rep < 300 * scale; rep++) {
        rnd(seed, 32);
        n = rep < 130 ? (size_t)rep : rnd32() % sizeof m;
        rnd(m, n);
        sc_ed25519_seed_keypair(pko, sko, seed);
        crypto_sign_seed_keypair(pkr, skr, seed);
        same("keypair", 1, 1, sko, skr, 64, seed, 32, NULL, 0);
        sc_ed25519_sign(sigo, m, n, skr);
        crypto_sign_detached(sigr, NULL, m, n, skr);
        same("sign", 1, 1, sigo, sigr, 64, m, n, skr, 64);
        verify_both(sigr, m, n, pkr);
        /* a flipped bit in R, in S, in the message, in the key */
        memcpy(t, sigr, 64);
        t[rnd32() % 32] ^= (uint8_t)(1u << (rnd32() & 7));
        verify_both(t, m, n, pkr);
        memcpy(t, sigr, 64);
        t[32 + rnd32() % 32] ^= (uint8_t)(1u << (rnd32() & 7));
        verify_both(t, m, n, pkr);
        if (n > 0) {
            size_t at = rnd32() % n;
            m[at] ^= 1;
            verify_both(sigr, m, n, pkr);
            m[at] ^= 1;
        }
        memcpy(t, pkr, 32);
        t[rnd32() % 32] ^= (uint8_t)(1u << (rnd32() & 7));
        verify_both(sigr, m, n, t);
        /* S + L: the same scalar, not canonical */
        memcpy(t, sigr, 64);
        if (plus_l(t + 32))
            verify_both(t, m, n, pkr);
        /* random R with a valid-looking S, and small-order / special R */
        memcpy(t, sigr, 64);
        rnd(t, 32);
        verify_both(t, m, n, pkr);
        memcpy(t, sigr, 64);
        memcpy(t, pts[rnd32() % np], 32);
        verify_both(t, m, n, pkr);
        pk2x_both(pkr);
        /* random 32 bytes as a key */
        rnd(t, 32);
        verify_both(sigr, m, n, t);
        pk2x_both(t);
        /* a mixed-order key: A + an order-8 point (valid point, not in the subgroup) */
        if (crypto_core_ed25519_add(t, pkr, Y_ORDER8[rep & 1]) == 0) {
            pk2x_both(t);
            verify_both(sigr, m, n, t);
        }
    }
    /* every special point as the key */
    rnd(m, 64);
    crypto_sign_seed_keypair(pkr, skr, seed);
    crypto_sign_detached(sigr, NULL, m, 64, skr);
    for (i = 0; i < np; i++) {
        verify_both(sigr, m, 64, pts[i]);
        pk2x_both(pts[i]);
    }
    /* crafted: R = identity (small order), S = k a mod L, k = H(R || A || M):
     * satisfies [S]B = R + [k]A, but libsodium refuses a small-order R */
    for (rep = 0; rep < 8; rep++) {
        uint8_t wide[64];
        crypto_hash_sha512_state st;
        rnd(seed, 32);
        rnd(m, 64);
        crypto_sign_seed_keypair(pkr, skr, seed);
        crypto_hash_sha512(h, seed, 32);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        memset(wide, 0, 64);
        memcpy(wide, h, 32);
        crypto_core_ed25519_scalar_reduce(a, wide);
        small(t, 1);   /* y = 1: the identity */
        crypto_hash_sha512_init(&st);
        crypto_hash_sha512_update(&st, t, 32);
        crypto_hash_sha512_update(&st, pkr, 32);
        crypto_hash_sha512_update(&st, m, 64);
        crypto_hash_sha512_final(&st, wide);
        crypto_core_ed25519_scalar_reduce(k, wide);
        crypto_core_ed25519_scalar_mul(x, k, a);
        memcpy(t + 32, x, 32);
        verify_both(t, m, 64, pkr);
    }
    report("ed25519", before);
}

int main(int argc, char **argv)
{
    unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
    int scale = argc > 2 ? atoi(argv[2]) : 1;
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 2;
    }
    if (scale < 1)
        scale = 1;
    memcpy(seedbytes + 8, &seed, sizeof seed);
    test_sha512(scale);
    test_secretbox(scale);
    test_x25519(scale);
    test_ed25519(scale);
    printf("cases %ld mismatches %ld seed %lu (libsodium %s)\n", cases, mismatches, seed,
           sodium_version_string());
    return mismatches ? 1 : 0;
}
