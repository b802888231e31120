/*
 * servald entry point: embeds quickjs-ng, registers qjs:std, qjs:os and our
 * serval:native module, evaluates the bundled ES module compiled into the
 * binary (bundle.S), then runs quickjs-libc's event loop until no timers or
 * fd handlers remain. The JS side sets the exit status with std.exit().
 */
#include <stdio.h>
#include <string.h>

#include "quickjs.h"
#include "quickjs-libc.h"
#include "native.h"

static int run_bundle(JSContext *ctx)
{
    size_t len = (size_t)(servald_bundle_end - servald_bundle);
    JSValue val = JS_Eval(ctx, servald_bundle, len, "servald.js",
                          JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    if (!JS_IsException(val)) {
        if (js_module_set_import_meta(ctx, val, false, true) < 0) {
            JS_FreeValue(ctx, val);
            return -1;
        }
        val = JS_EvalFunction(ctx, val);
    }
    val = js_std_await(ctx, val);
    if (JS_IsException(val))
        return -1;
    JS_FreeValue(ctx, val);
    return 0;
}

int main(int argc, char **argv)
{
    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx;
    if (!rt) {
        fputs("servald: cannot allocate JS runtime\n", stderr);
        return 1;
    }
    js_std_init_handlers(rt);
    ctx = JS_NewContext(rt);
    if (!ctx) {
        fputs("servald: cannot allocate JS context\n", stderr);
        return 1;
    }
    JS_SetModuleLoaderFunc2(rt, NULL, js_module_loader,
                            js_module_check_attributes, NULL);
    /* an unhandled promise rejection ends the process, like qjs does */
    JS_SetHostPromiseRejectionTracker(rt, js_std_promise_rejection_tracker,
                                      NULL);
    js_init_module_std(ctx, "qjs:std");
    js_init_module_os(ctx, "qjs:os");
    serval_init_module_native(ctx, "serval:native");
    js_std_add_helpers(ctx, argc, argv);
    if (run_bundle(ctx) || js_std_loop(ctx)) {
        js_std_dump_error(ctx);
        return 1;
    }
    /* the runtime is not freed: the process ends here anyway */
    fflush(stdout);
    return 0;
}
