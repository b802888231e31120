/* Arithmetic mod p = 2^255 - 19 for x25519.c and ed25519.c (see fe25519.c). */
#ifndef SERVAL_FE25519_H
#define SERVAL_FE25519_H
#include <stdint.h>

/* ten signed limbs, alternately 26 and 25 bits: limb i weighs 2^ceil(25.5 i) */
typedef int32_t fe[10];

void fe_0(fe h);
void fe_1(fe h);
void fe_copy(fe h, const fe f);
void fe_add(fe h, const fe f, const fe g);
void fe_sub(fe h, const fe f, const fe g);
void fe_neg(fe h, const fe f);
void fe_mul(fe h, const fe f, const fe g);
void fe_sq(fe h, const fe f);
void fe_mul_small(fe h, const fe f, int32_t k);
/* h = f^(p-2) = 1/f (0 for 0), by an addition chain */
void fe_invert(fe h, const fe f);
/* h = f^((p-5)/8), for square roots */
void fe_pow_p58(fe h, const fe f);
/* bit 255 ignored */
void fe_frombytes(fe h, const uint8_t s[32]);
/* canonical (fully reduced) encoding */
void fe_tobytes(uint8_t s[32], const fe f);
int fe_iszero(const fe f);
int fe_isneg(const fe f);   /* low bit of the canonical encoding */
int fe_equal(const fe f, const fe g);
/* swap (or move g into f) iff b == 1, b in {0, 1}, without branches */
void fe_cswap(fe f, fe g, uint32_t b);
void fe_cmov(fe f, const fe g, uint32_t b);
#endif
