/* serval:native C module (see native.c) and the embedded bundle. */
#ifndef SERVAL_NATIVE_H
#define SERVAL_NATIVE_H
#include "quickjs.h"

#define SERVAL_STR2(x) #x
#define SERVAL_STR(x) SERVAL_STR2(x)
#ifndef SERVAL_QJS_DEB
#define SERVAL_QJS_DEB "unknown"
#endif
/* e.g. "quickjs-ng 0.17.0 (Debian qjs-src 0.17.0-1)" */
#define SERVAL_ENGINE_VERSION "quickjs-ng " SERVAL_STR(QJS_VERSION_MAJOR) "." \
    SERVAL_STR(QJS_VERSION_MINOR) "." SERVAL_STR(QJS_VERSION_PATCH) \
    QJS_VERSION_SUFFIX " (Debian qjs-src " SERVAL_QJS_DEB ")"

#ifndef countof
#define countof(a) (sizeof(a) / sizeof((a)[0]))
#endif

JSModuleDef *serval_init_module_native(JSContext *ctx, const char *name);

/* crypto-js.c: the crypto functions of serval:native (see crypto.h) */
extern const JSCFunctionListEntry serval_crypto_funcs[];
extern const int serval_crypto_funcs_count;

/* bundle.S: the esbuild output, NUL-terminated (JS_Eval needs it) */
extern const char servald_bundle[];
extern const char servald_bundle_end[];
#endif
