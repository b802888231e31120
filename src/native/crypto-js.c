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

/* cryptoBoxBeforeNm(peerPublic32, mySecret32) -> key32 | undefined (small-order peer) */
static JSValue js_box_beforenm(JSContext *ctx, JSValueConst this_val, int argc,
                               JSValueConst *argv)
{
    uint8_t k[32];
    int rc;
    JSValue r;
    const uint8_t *pk = arg_bytes(ctx, argv[0], 32, NULL, "public key");
    const uint8_t *sk = pk ? arg_bytes(ctx, argv[1], 32, NULL, "secret key") : NULL;
    if (!sk)
        return JS_EXCEPTION;
    rc = sc_box_beforenm(k, pk, sk);
    r = rc == 0 ? give(ctx, k, 32) : JS_UNDEFINED;
    sc_wipe(k, sizeof k);
    return r;
}

/* cryptoBoxAfterNm(plain, nonce24, key32) -> MAC(16) || ciphertext */
static JSValue js_box_afternm(JSContext *ctx, JSValueConst this_val, int argc,
                              JSValueConst *argv)
{
    uint8_t stackbuf[2048], *out;
    size_t n;
    JSValue r;
    const uint8_t *m = arg_bytes(ctx, argv[0], -1, &n, "message");
    const uint8_t *nonce = m ? arg_bytes(ctx, argv[1], 24, NULL, "nonce") : NULL;
    const uint8_t *key = nonce ? arg_bytes(ctx, argv[2], 32, NULL, "key") : NULL;
    if (!key)
        return JS_EXCEPTION;
    out = n + 16 <= sizeof stackbuf ? stackbuf : malloc(n + 16);
    if (!out)
        return JS_ThrowOutOfMemory(ctx);
    sc_secretbox(out, m, n, nonce, key);
    r = give(ctx, out, n + 16);
    if (out != stackbuf)
        free(out);
    return r;
}

/* cryptoBoxOpenAfterNm(boxed, nonce24, key32) -> plaintext | undefined */
static JSValue js_box_open_afternm(JSContext *ctx, JSValueConst this_val,
                                   int argc, JSValueConst *argv)
{
    uint8_t stackbuf[2048], *out;
    size_t n;
    int rc;
    JSValue r;
    const uint8_t *box = arg_bytes(ctx, argv[0], -1, &n, "box");
    const uint8_t *nonce = box ? arg_bytes(ctx, argv[1], 24, NULL, "nonce") : NULL;
    const uint8_t *key = nonce ? arg_bytes(ctx, argv[2], 32, NULL, "key") : NULL;
    if (!key)
        return JS_EXCEPTION;
    if (n < 16)
        return JS_UNDEFINED;
    out = n - 16 <= sizeof stackbuf ? stackbuf : malloc(n - 16);
    if (!out)
        return JS_ThrowOutOfMemory(ctx);
    rc = sc_secretbox_open(out, box, n, nonce, key);
    r = rc == 0 ? give(ctx, out, n - 16) : JS_UNDEFINED;
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

/* cryptoX25519(scalar32, point32) -> 32 | undefined (small-order point) */
static JSValue js_x25519(JSContext *ctx, JSValueConst this_val, int argc,
                         JSValueConst *argv)
{
    uint8_t q[32];
    int rc;
    JSValue r;
    const uint8_t *s = arg_bytes(ctx, argv[0], 32, NULL, "scalar");
    const uint8_t *p = s ? arg_bytes(ctx, argv[1], 32, NULL, "point") : NULL;
    if (!p)
        return JS_EXCEPTION;
    rc = sc_x25519(q, s, p);
    r = rc == 0 ? give(ctx, q, 32) : JS_UNDEFINED;
    sc_wipe(q, sizeof q);
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
    JS_CFUNC_DEF("cryptoBoxBeforeNm", 2, js_box_beforenm),
    JS_CFUNC_DEF("cryptoBoxAfterNm", 3, js_box_afternm),
    JS_CFUNC_DEF("cryptoBoxOpenAfterNm", 3, js_box_open_afternm),
    JS_CFUNC_DEF("cryptoSha512", 1, js_sha512),
    JS_CFUNC_DEF("cryptoX25519", 2, js_x25519),
    JS_CFUNC_DEF("cryptoX25519Base", 1, js_x25519_base),
    JS_CFUNC_DEF("cryptoSignSeedKeypair", 1, js_sign_seed_keypair),
    JS_CFUNC_DEF("cryptoSignDetached", 2, js_sign_detached),
    JS_CFUNC_DEF("cryptoVerifyDetached", 3, js_verify_detached),
    JS_CFUNC_DEF("cryptoSidFromSignKey", 1, js_sid_from_sign_key),
};
const int serval_crypto_funcs_count = countof(serval_crypto_funcs);
