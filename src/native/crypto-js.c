/*
 * serval:native crypto bindings (the primitives of crypto.h), shaped like
 * NativeCryptoPrimitives in src/crypto/nacl-provider.ts: Uint8Array inputs
 * (views are fine), a new Uint8Array out. Wrong key/nonce sizes throw a
 * TypeError; a failed MAC or an invalid point returns undefined.
 */
#include <stdlib.h>
#include <string.h>
#include "quickjs.h"
#include "native.h"
#include "crypto.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

/* argv[i] as a Uint8Array of exactly `want` bytes (any length if want < 0) */
static const uint8_t *arg_bytes(JSContext *ctx, JSValueConst v, long want,
                                size_t *n, const char *what)
{
    size_t len;
    uint8_t *p = JS_GetUint8Array(ctx, &len, v);
    if (!p && len == 0 && JS_HasException(ctx))
        return NULL;
    if (want >= 0 && len != (size_t)want) {
        JS_ThrowTypeError(ctx, "%s must be %ld bytes", what, want);
        return NULL;
    }
    if (n)
        *n = len;
    /* an empty Uint8Array may have no storage */
    return p ? p : (const uint8_t *)"";
}

/* returns a new Uint8Array holding tmp[0..n) */
static JSValue give(JSContext *ctx, const uint8_t *tmp, size_t n)
{
    return JS_NewUint8ArrayCopy(ctx, tmp, n);
}

/* cryptoBoxAfterNm(plain, nonce24, key32) -> MAC(16) || ciphertext (mode 0)
 * cryptoBoxOpenAfterNm(boxed, nonce24, key32) -> plaintext | undefined (mode 1)
 * cryptoSealAfterNm(plain, nonce24, key32) -> nonce || MAC || ciphertext (mode 2:
 *   an MDP ciphered payload in one array, no second buffer and copy in JS) */
static JSValue js_box(JSContext *ctx, JSValueConst this_val, int argc,
                      JSValueConst *argv, int mode)
{
    uint8_t stackbuf[2048], *out;
    size_t n, outlen, pre = mode == 2 ? 24 : 0;
    int rc = 0, open = mode == 1;
    JSValue r;
    const uint8_t *in = arg_bytes(ctx, argv[0], -1, &n, open ? "box" : "message");
    const uint8_t *nonce = in ? arg_bytes(ctx, argv[1], 24, NULL, "nonce") : NULL;
    const uint8_t *key = nonce ? arg_bytes(ctx, argv[2], 32, NULL, "key") : NULL;
    if (!key)
        return JS_EXCEPTION;
    if (open && n < 16)
        return JS_UNDEFINED;
    outlen = open ? n - 16 : pre + n + 16;
    out = outlen <= sizeof stackbuf ? stackbuf : malloc(outlen);
    if (!out)
        return JS_ThrowOutOfMemory(ctx);
    if (open)
        rc = sc_secretbox_open(out, in, n, nonce, key);
    else {
        memcpy(out, nonce, pre);
        sc_secretbox(out + pre, in, n, nonce, key);
    }
    r = rc == 0 ? give(ctx, out, outlen) : JS_UNDEFINED;
    if (out != stackbuf)
        free(out);
    return r;
}

/* cryptoSha512(message) -> 64 bytes */
static JSValue js_sha512(JSContext *ctx, JSValueConst this_val, int argc,
                         JSValueConst *argv)
{
    uint8_t h[64];
    size_t n;
    const uint8_t *m = arg_bytes(ctx, argv[0], -1, &n, "message");
    if (!m)
        return JS_EXCEPTION;
    sc_sha512(h, m, n);
    return give(ctx, h, 64);
}

/* cryptoX25519(scalar32, point32) -> 32 (beforenm = 0)
 * cryptoBoxBeforeNm(peerPublic32, mySecret32) -> key32 (beforenm = 1)
 * Both give undefined for a point of small order (an all-zero shared secret). */
static JSValue js_dh(JSContext *ctx, JSValueConst this_val, int argc,
                     JSValueConst *argv, int beforenm)
{
    uint8_t k[32];
    int rc;
    JSValue r;
    const uint8_t *a = arg_bytes(ctx, argv[0], 32, NULL, beforenm ? "public key" : "scalar");
    const uint8_t *b = a ? arg_bytes(ctx, argv[1], 32, NULL, beforenm ? "secret key" : "point") : NULL;
    if (!b)
        return JS_EXCEPTION;
    rc = beforenm ? sc_box_beforenm(k, a, b) : sc_x25519(k, a, b);
    r = rc == 0 ? give(ctx, k, 32) : JS_UNDEFINED;
    sc_wipe(k, sizeof k);
    return r;
}

/* cryptoX25519Base(scalar32) -> 32 */
static JSValue js_x25519_base(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    uint8_t q[32];
    const uint8_t *s = arg_bytes(ctx, argv[0], 32, NULL, "scalar");
    if (!s)
        return JS_EXCEPTION;
    sc_x25519_base(q, s);
    return give(ctx, q, 32);
}

/* cryptoSignSeedKeypair(seed32) -> secret64 (seed || public) */
static JSValue js_sign_seed_keypair(JSContext *ctx, JSValueConst this_val,
                                    int argc, JSValueConst *argv)
{
    uint8_t pk[32], sk[64];
    JSValue r;
    const uint8_t *seed = arg_bytes(ctx, argv[0], 32, NULL, "seed");
    if (!seed)
        return JS_EXCEPTION;
    sc_ed25519_seed_keypair(pk, sk, seed);
    r = give(ctx, sk, 64);
    sc_wipe(sk, sizeof sk);
    return r;
}

/* cryptoSignDetached(message, secret64) -> signature64 */
static JSValue js_sign_detached(JSContext *ctx, JSValueConst this_val, int argc,
                                JSValueConst *argv)
{
    uint8_t sig[64];
    size_t n;
    const uint8_t *m = arg_bytes(ctx, argv[0], -1, &n, "message");
    const uint8_t *sk = m ? arg_bytes(ctx, argv[1], 64, NULL, "secret key") : NULL;
    if (!sk)
        return JS_EXCEPTION;
    sc_ed25519_sign(sig, m, n, sk);
    return give(ctx, sig, 64);
}

/* cryptoVerifyDetached(message, signature, public) -> boolean (false for bad sizes) */
static JSValue js_verify_detached(JSContext *ctx, JSValueConst this_val,
                                  int argc, JSValueConst *argv)
{
    size_t n, ns, np;
    const uint8_t *m = arg_bytes(ctx, argv[0], -1, &n, "message");
    const uint8_t *sig = m ? arg_bytes(ctx, argv[1], -1, &ns, "signature") : NULL;
    const uint8_t *pk = sig ? arg_bytes(ctx, argv[2], -1, &np, "public key") : NULL;
    if (!pk)
        return JS_EXCEPTION;
    if (ns != 64 || np != 32)
        return JS_FALSE;
    return JS_NewBool(ctx, sc_ed25519_verify(sig, m, n, pk));
}

/* cryptoSidFromSignKey(public32) -> X25519 public | undefined */
static JSValue js_sid_from_sign_key(JSContext *ctx, JSValueConst this_val,
                                    int argc, JSValueConst *argv)
{
    uint8_t u[32];
    const uint8_t *pk = arg_bytes(ctx, argv[0], 32, NULL, "public key");
    if (!pk)
        return JS_EXCEPTION;
    if (sc_ed25519_pk_to_x25519(u, pk) != 0)
        return JS_UNDEFINED;
    return give(ctx, u, 32);
}

const JSCFunctionListEntry serval_crypto_funcs[] = {
    JS_CFUNC_MAGIC_DEF("cryptoBoxBeforeNm", 2, js_dh, 1),
    JS_CFUNC_MAGIC_DEF("cryptoBoxAfterNm", 3, js_box, 0),
    JS_CFUNC_MAGIC_DEF("cryptoBoxOpenAfterNm", 3, js_box, 1),
    JS_CFUNC_MAGIC_DEF("cryptoSealAfterNm", 3, js_box, 2),
    JS_CFUNC_DEF("cryptoSha512", 1, js_sha512),
    JS_CFUNC_MAGIC_DEF("cryptoX25519", 2, js_dh, 0),
    JS_CFUNC_DEF("cryptoX25519Base", 1, js_x25519_base),
    JS_CFUNC_DEF("cryptoSignSeedKeypair", 1, js_sign_seed_keypair),
    JS_CFUNC_DEF("cryptoSignDetached", 2, js_sign_detached),
    JS_CFUNC_DEF("cryptoVerifyDetached", 3, js_verify_detached),
    JS_CFUNC_DEF("cryptoSidFromSignKey", 1, js_sid_from_sign_key),
};
const int serval_crypto_funcs_count = countof(serval_crypto_funcs);
