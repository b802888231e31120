/*
 * Salsa20/20 core, HSalsa20 and XSalsa20 (Bernstein, "Salsa20 specification"
 * and "Extending the Salsa20 nonce"), and the secretbox construction on top:
 * the first 32 keystream bytes key Poly1305, the rest encrypt the message.
 */
#include <string.h>
#include "crypto.h"

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void st32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#define ROTL(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

/* quarterround on words a, b, c, d of x (a macro: constant indices let the
 * compiler keep the 16 words in registers) */
#define QR(a, b, c, d) do { \
        x[b] ^= ROTL(x[a] + x[d], 7); \
        x[c] ^= ROTL(x[b] + x[a], 9); \
        x[d] ^= ROTL(x[c] + x[b], 13); \
        x[a] ^= ROTL(x[d] + x[c], 18); \
    } while (0)

/* The 20 rounds: each double round is a column round then a row round. */
static void rounds(uint32_t x[16])
{
    int i;
    for (i = 0; i < 10; i++) {
        QR(0, 4, 8, 12);
        QR(5, 9, 13, 1);
        QR(10, 14, 2, 6);
        QR(15, 3, 7, 11);
        QR(0, 1, 2, 3);
        QR(5, 6, 7, 4);
        QR(10, 11, 8, 9);
        QR(15, 12, 13, 14);
    }
}

/* State: "expand 32-byte k" on the diagonal, key, 16 bytes of input. */
static void setup(uint32_t s[16], const uint8_t key[32], const uint8_t in[16])
{
    int i;
    s[0] = 0x61707865;
    s[5] = 0x3320646e;
    s[10] = 0x79622d32;
    s[15] = 0x6b206574;
    for (i = 0; i < 4; i++) {
        s[1 + i] = ld32(key + 4 * i);
        s[11 + i] = ld32(key + 16 + 4 * i);
        s[6 + i] = ld32(in + 4 * i);
    }
}

void sc_hsalsa20(uint8_t out[32], const uint8_t in[16], const uint8_t key[32])
{
    static const uint8_t pick[8] = {0, 5, 10, 15, 6, 7, 8, 9};
    uint32_t x[16];
    int i;
    setup(x, key, in);
    rounds(x);
    for (i = 0; i < 8; i++)
        st32(out + 4 * i, x[pick[i]]);
    sc_wipe(x, sizeof x);
}

/* XSalsa20 keystream generator: one 64-byte block at a time. All of it is
 * secret (the subkey, the keystream): the users wipe the whole struct. */
typedef struct {
    uint32_t s[16];
    uint32_t x[16];        /* the rounds' working state */
    uint8_t block[64];
    uint8_t polykey[32];   /* the first 32 keystream bytes */
} stream;

static void stream_init(stream *st, const uint8_t nonce[24], const uint8_t key[32])
{
    uint8_t in[16];
    sc_hsalsa20(st->block, nonce, key);   /* the subkey, until the first block */
    memcpy(in, nonce + 16, 8);
    memset(in + 8, 0, 8);   /* block counter 0 */
    setup(st->s, st->block, in);
}

static void stream_next(stream *st)
{
    int i;
    memcpy(st->x, st->s, sizeof st->x);
    rounds(st->x);
    for (i = 0; i < 16; i++)
        st32(st->block + 4 * i, st->x[i] + st->s[i]);
    if (++st->s[8] == 0)   /* 64-bit little-endian counter in words 8, 9 */
        st->s[9]++;
}

/* out = in XOR keystream, where this block's bytes from `skip` are used. */
static void stream_xor(stream *st, uint8_t *out, const uint8_t *in, size_t n,
                       size_t skip)
{
    size_t i;
    while (n > 0) {
        size_t k = 64 - skip < n ? 64 - skip : n;
        for (i = 0; i < k; i++)
            out[i] = in[i] ^ st->block[skip + i];
        out += k;
        in += k;
        n -= k;
        skip = 0;
        if (n > 0)
            stream_next(st);
    }
}

void sc_secretbox(uint8_t *out, const uint8_t *m, size_t n,
                  const uint8_t nonce[24], const uint8_t key[32])
{
    stream st;
    stream_init(&st, nonce, key);
    stream_next(&st);
    memcpy(st.polykey, st.block, 32);
    stream_xor(&st, out + 16, m, n, 32);
    sc_poly1305(out, out + 16, n, st.polykey);
    sc_wipe(&st, sizeof st);
}

int sc_secretbox_open(uint8_t *m, const uint8_t *box, size_t boxlen,
                      const uint8_t nonce[24], const uint8_t key[32])
{
    stream st;
    uint8_t mac[16];
    int rc;
    if (boxlen < 16)
        return -1;
    stream_init(&st, nonce, key);
    stream_next(&st);
    /* the MAC comes first here: the key is still in the first block */
    sc_poly1305(mac, box + 16, boxlen - 16, st.block);
    rc = sc_verify16(mac, box);
    if (rc == 0)
        stream_xor(&st, m, box + 16, boxlen - 16, 32);
    sc_wipe(&st, sizeof st);
    return rc;
}
