/*
 * SHA-512 (FIPS 180-4 sections 4.1.3, 5.1.2, 6.4). The constants are the
 * first 64 bits of the fractional parts of the cube roots of the first 80
 * primes (K) and of the square roots of the first 8 primes (H0).
 */
#include <string.h>
#include "crypto.h"

static const uint64_t K[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static const uint64_t H0[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (64 - (n))))

static uint64_t ld64be(const uint8_t *p)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void st64be(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* One 128-byte block. The shift of the working variables is written out:
 * as a loop (`for (i = 7; i > 0; i--) v[i] = v[i - 1]`) GCC turned it into a
 * memmove call per round, 14x slower with musl's memmove; named variables
 * rotated by assignment are as fast but 50 bytes bigger on MIPS16e, and
 * renaming by index (v[(i - t) & 7]) is smaller but slower. w, the message
 * schedule (a function of the message, which may be secret), is in the
 * context, which sc_sha512_final wipes. */
static void block(uint64_t hs[8], const uint8_t *p, uint64_t w[16])
{
    uint64_t v[8], t1, t2;
    int t, i;
    for (i = 0; i < 8; i++)
        v[i] = hs[i];
    for (t = 0; t < 80; t++) {
        if (t < 16) {
            w[t] = ld64be(p + 8 * t);
        } else {
            uint64_t a = w[(t - 15) & 15], b = w[(t - 2) & 15];
            uint64_t s0 = ROTR(a, 1) ^ ROTR(a, 8) ^ (a >> 7);
            uint64_t s1 = ROTR(b, 19) ^ ROTR(b, 61) ^ (b >> 6);
            w[t & 15] += s0 + s1 + w[(t - 7) & 15];
        }
        t1 = v[7] + (ROTR(v[4], 14) ^ ROTR(v[4], 18) ^ ROTR(v[4], 41)) +
             ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[t] + w[t & 15];
        t2 = (ROTR(v[0], 28) ^ ROTR(v[0], 34) ^ ROTR(v[0], 39)) +
             ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        v[7] = v[6]; v[6] = v[5]; v[5] = v[4]; v[4] = v[3] + t1;
        v[3] = v[2]; v[2] = v[1]; v[1] = v[0]; v[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++)
        hs[i] += v[i];
}

void sc_sha512_init(sc_sha512_ctx *c)
{
    memcpy(c->h, H0, sizeof H0);
    c->total = 0;
    c->fill = 0;
}

void sc_sha512_update(sc_sha512_ctx *c, const uint8_t *p, size_t n)
{
    c->total += n;
    if (c->fill > 0) {
        size_t k = 128 - c->fill < n ? 128 - c->fill : n;
        memcpy(c->buf + c->fill, p, k);
        c->fill += k;
        p += k;
        n -= k;
        if (c->fill < 128)
            return;
        block(c->h, c->buf, c->w);
        c->fill = 0;
    }
    for (; n >= 128; p += 128, n -= 128)
        block(c->h, p, c->w);
    memcpy(c->buf, p, n);
    c->fill = n;
}

/* also wipes the context (it may hold a secret: the Ed25519 seed or prefix) */
void sc_sha512_final(sc_sha512_ctx *c, uint8_t out[64])
{
    int i;
    /* padding: 0x80, zeros, 128-bit big-endian bit length */
    c->buf[c->fill++] = 0x80;
    if (c->fill > 112) {
        memset(c->buf + c->fill, 0, 128 - c->fill);
        block(c->h, c->buf, c->w);
        c->fill = 0;
    }
    memset(c->buf + c->fill, 0, 120 - c->fill);
    st64be(c->buf + 112, c->total >> 61);
    st64be(c->buf + 120, c->total << 3);
    block(c->h, c->buf, c->w);
    for (i = 0; i < 8; i++)
        st64be(out + 8 * i, c->h[i]);
    sc_wipe(c, sizeof *c);
}

void sc_sha512(uint8_t out[64], const uint8_t *p, size_t n)
{
    sc_sha512_ctx c;
    sc_sha512_init(&c);
    sc_sha512_update(&c, p, n);
    sc_sha512_final(&c, out);
}
