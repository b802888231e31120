/*
 * Compiles servald's JS bundle (an ES module) to quickjs-ng bytecode for the
 * OpenWrt builds, whose engine has no parser (-DQJS_DISABLE_PARSER,
 * mk/cross.mk CROSS_BYTECODE). quickjs-ng bytecode is not portable: it keeps
 * the host's byte order inside the instructions, numbers the engine's own
 * atoms by its config defines, and carries a format version. So this program
 * is linked with the target's own engine, built with the same flags and
 * defines but WITH the parser, and run under qemu-user on the target's CPU
 * model; what it writes is what that engine reads back.
 *
 *   qjs-bytecode IN.js OUT.bc
 *
 * Written without source text and debug information (JS_WRITE_OBJ_STRIP_*):
 * no line numbers in stack traces, as the shipped bundle is minified anyway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"

static int dummy_init(JSContext *ctx, JSModuleDef *m)
{
    (void)ctx;
    (void)m;
    return 0;
}

/* The engine loads a module's imports while compiling it: the bundle imports
 * only the binary's native modules (qjs:std, qjs:os, serval:native), which
 * stand here as empty placeholders, as qjsc does; only their names go into
 * the bytecode. */
static JSModuleDef *native_only_loader(JSContext *ctx, const char *name,
                                       void *opaque)
{
    (void)opaque;
    if (strncmp(name, "qjs:", 4) && strncmp(name, "serval:", 7)) {
        JS_ThrowReferenceError(ctx, "import of '%s': the bundle may import "
                               "only qjs:* and serval:* modules", name);
        return NULL;
    }
    return JS_NewCModule(ctx, name, dummy_init);
}

static void fail_exception(JSContext *ctx, const char *what)
{
    JSValue exc = JS_GetException(ctx);
    const char *msg = JS_ToCString(ctx, exc);
    fprintf(stderr, "qjs-bytecode: %s: %s\n", what, msg ? msg : "exception");
    exit(1);
}

int main(int argc, char **argv)
{
    FILE *f;
    char *src;
    long len;
    size_t out_len;
    uint8_t *out;
    JSRuntime *rt;
    JSContext *ctx;
    JSValue mod;

    if (argc != 3) {
        fputs("usage: qjs-bytecode IN.js OUT.bc\n", stderr);
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        perror(argv[1]);
        return 1;
    }
    src = malloc((size_t)len + 1);
    if (!src || fread(src, 1, (size_t)len, f) != (size_t)len) {
        perror(argv[1]);
        return 1;
    }
    src[len] = '\0';
    fclose(f);

    rt = JS_NewRuntime();
    ctx = rt ? JS_NewContext(rt) : NULL;
    if (!ctx) {
        fputs("qjs-bytecode: cannot allocate JS runtime\n", stderr);
        return 1;
    }
    JS_SetModuleLoaderFunc(rt, NULL, native_only_loader, NULL);
    /* the name servald's main.c gave the source module (import.meta.url) */
    mod = JS_Eval(ctx, src, (size_t)len, "servald.js",
                  JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    if (JS_IsException(mod))
        fail_exception(ctx, argv[1]);
    out = JS_WriteObject(ctx, &out_len, mod,
                         JS_WRITE_OBJ_BYTECODE | JS_WRITE_OBJ_STRIP_SOURCE |
                         JS_WRITE_OBJ_STRIP_DEBUG);
    if (!out)
        fail_exception(ctx, "JS_WriteObject");
    f = fopen(argv[2], "wb");
    if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f)) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
