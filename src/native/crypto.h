/*
 * Our own NaCl-compatible primitives (written from the published algorithm
 * descriptions, no third-party code): XSalsa20-Poly1305 secretbox, X25519,
 * SHA-512, Ed25519. Portable C99; bytes are loaded and stored explicitly, so
 * the results do not depend on the host's endianness. Secret-dependent work
 * (ladder swaps, base-point multiplication, MAC comparison) is constant-time.
 * Every buffer that held a secret (keys, subkeys, keystream state, scalars,
 * hash contexts over secrets, ladder and inversion state) is cleared with
 * sc_wipe before its function returns (test/integration/native-crypto-wipe
 * checks the object code). Not cleared: the per-call scratch of single field
 * and point operations (fe_mul's products, ge_add's temporaries), which the
 * next call overwrites, and values the compiler keeps in registers.
 */
#ifndef SERVAL_CRYPTO_H
#define SERVAL_CRYPTO_H
#include <stddef.h>
#include <stdint.h>

/* Clears n bytes at p; unlike memset, never removed as a dead store.
 * explicit_bzero is in glibc >= 2.25 and musl >= 1.1.20 (declared here too:
 * <string.h> hides it under -std=c99). */
void explicit_bzero(void *p, size_t n);
#define sc_wipe(p, n) explicit_bzero((p), (n))

/* HSalsa20: 32-byte subkey from a key and a 16-byte input. */
void sc_hsalsa20(uint8_t out[32], const uint8_t in[16], const uint8_t key[32]);
/* crypto_secretbox_easy: out (16 + n bytes) = MAC || ciphertext. */
void sc_secretbox(uint8_t *out, const uint8_t *m, size_t n,
                  const uint8_t nonce[24], const uint8_t key[32]);
/* crypto_secretbox_open_easy: box is MAC || ciphertext (boxlen >= 16),
 * m gets boxlen - 16 bytes; 0, or -1 (m untouched) when the MAC is wrong. */
int sc_secretbox_open(uint8_t *m, const uint8_t *box, size_t boxlen,
                      const uint8_t nonce[24], const uint8_t key[32]);

/* Poly1305 one-time authenticator (RFC 8439 section 2.5). */
void sc_poly1305(uint8_t mac[16], const uint8_t *m, size_t n, const uint8_t key[32]);
/* 0 when the two 16-byte tags are equal; time independent of the contents. */
int sc_verify16(const uint8_t a[16], const uint8_t b[16]);

/* SHA-512 (FIPS 180-4), one shot and incremental. */
typedef struct {
    uint64_t h[8];
    uint64_t total;     /* bytes hashed so far (messages < 2^61 bytes) */
    uint8_t buf[128];
    size_t fill;
    uint64_t w[16];     /* message schedule (scratch) */
} sc_sha512_ctx;
void sc_sha512_init(sc_sha512_ctx *c);
void sc_sha512_update(sc_sha512_ctx *c, const uint8_t *p, size_t n);
void sc_sha512_final(sc_sha512_ctx *c, uint8_t out[64]);
void sc_sha512(uint8_t out[64], const uint8_t *p, size_t n);

/* X25519 (RFC 7748): out = scalar * point (u-coordinates), and with u = 9.
 * 0, or -1 when out is all zeros (a small-order point: u = 0, 1, -1, the
 * order-8 points and their non-canonical forms), as libsodium. */
int sc_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32]);
void sc_x25519_base(uint8_t out[32], const uint8_t scalar[32]);
/* crypto_box_beforenm: HSalsa20(X25519(secret, peer public), 0); 0, or -1
 * (key is then a constant: do not use it) for a small-order peer key. */
int sc_box_beforenm(uint8_t key[32], const uint8_t peer_public[32],
                    const uint8_t secret[32]);

/* Ed25519 (RFC 8032), NaCl key layout: secret = seed(32) || public(32). */
void sc_ed25519_seed_keypair(uint8_t pub[32], uint8_t secret[64], const uint8_t seed[32]);
void sc_ed25519_sign(uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t secret[64]);
/* 1 if valid. Rejects S >= L, non-canonical or small-order public keys, and
 * a small-order R (as libsodium). */
int sc_ed25519_verify(const uint8_t sig[64], const uint8_t *m, size_t n, const uint8_t pub[32]);
/* crypto_sign_ed25519_pk_to_curve25519: 0, or -1 for an invalid key. */
int sc_ed25519_pk_to_x25519(uint8_t out[32], const uint8_t pub[32]);
#endif
