/*
 * servald entry point: embeds quickjs-ng, registers qjs:std, qjs:os and our
 * serval:native module, evaluates the bundled ES module compiled into the
 * binary (bundle.S), then runs quickjs-libc's event loop until no timers or
 * fd handlers remain. The JS side sets the exit status with std.exit().
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "quickjs.h"
#include "quickjs-libc.h"
#include "native.h"

#ifdef SERVAL_JSPROF
/*
 * Developer build only (make servald JSPROF=1): a sampling profiler of the JS
 * side. With SERVALD_JSPROF=PREFIX set, a CPU-time timer (SIGPROF, 1 kHz)
 * raises a flag; the engine's interrupt check (at calls and loop back-edges)
 * then appends the current JS stack to PREFIX.PID, one sample per blank-line
 * separated block. bench/jsprof-report.mjs folds them into a table.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t prof_due;
static FILE *prof_out;

static void prof_tick(int sig)
{
    (void)sig;
    prof_due = 1;
}

static int prof_interrupt(JSRuntime *rt, void *opaque)
{
    JSContext *ctx = opaque;
    (void)rt;
    if (!prof_due)
        return 0;
    prof_due = 0;
    JSValue err = JS_NewError(ctx);
    JSValue stack = JS_GetPropertyStr(ctx, err, "stack");
    const char *text = JS_ToCString(ctx, stack);
    if (text) {
        fprintf(prof_out, "%s\n", text);
        JS_FreeCString(ctx, text);
    }
    JS_FreeValue(ctx, stack);
    JS_FreeValue(ctx, err);
    return 0;
}

static void prof_start(JSRuntime *rt, JSContext *ctx)
{
    const char *prefix = getenv("SERVALD_JSPROF");
    char path[512];
    struct sigaction sa;
    struct itimerval every = { { 0, 1000 }, { 0, 1000 } };
    if (!prefix)
        return;
    snprintf(path, sizeof path, "%s.%d", prefix, (int)getpid());
    prof_out = fopen(path, "w");
    if (!prof_out)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = prof_tick;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
    setitimer(ITIMER_PROF, &every, NULL);
    JS_FreeValue(ctx, JS_Eval(ctx, "Error.stackTraceLimit = 64", 26, "<jsprof>",
                              JS_EVAL_TYPE_GLOBAL));
    JS_SetInterruptHandler(rt, prof_interrupt, ctx);
}
#endif

/*
 * Once loaded, the engine holds its own copy of everything in the bundle:
 * its pages in the binary (clean, file-backed) need not stay resident. Were
 * they touched again, they would be read back from the file. Idle daemon
 * RSS ~190 KB lower (BENCHMARKS.md "Packaging").
 */
static void drop_bundle_pages(void)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)servald_bundle + page - 1) & ~(page - 1);
    uintptr_t end = (uintptr_t)servald_bundle_end & ~(page - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
}

/*
 * The bundle is JS source (the host build), or with SERVAL_BUNDLE_BYTECODE
 * quickjs-ng bytecode compiled by the target's own engine
 * (build/qjs-bytecode.c; the OpenWrt builds, whose engine has no parser).
 */
static int run_bundle(JSContext *ctx)
{
    size_t len = (size_t)(servald_bundle_end - servald_bundle);
#ifdef SERVAL_BUNDLE_BYTECODE
    JSValue val = JS_ReadObject(ctx, (const uint8_t *)servald_bundle, len,
                                JS_READ_OBJ_BYTECODE);
    if (!JS_IsException(val) && JS_ResolveModule(ctx, val) < 0) {
        JS_FreeValue(ctx, val);
        val = JS_EXCEPTION;
    }
#else
    JSValue val = JS_Eval(ctx, servald_bundle, len, "servald.js",
                          JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
#endif
    drop_bundle_pages();
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
    /* JS_NewContext's intrinsics without those servald never uses (Date,
     * Proxy, WeakRef/FinalizationRegistry, atob/btoa, performance): their
     * code drops out of the static binary (mipsel ipk -13.3 KB, most of it
     * Date with the C library's time-zone code;
     * test/unit/bundle-lean.test.ts keeps the bundle off them). Eval stays:
     * the host build evaluates the bundle as source. */
    ctx = JS_NewContextRaw(rt);
    if (ctx && (JS_AddIntrinsicBaseObjects(ctx) || JS_AddIntrinsicEval(ctx) ||
                JS_AddIntrinsicRegExp(ctx) || JS_AddIntrinsicJSON(ctx) ||
                JS_AddIntrinsicMapSet(ctx) || JS_AddIntrinsicTypedArrays(ctx) ||
                JS_AddIntrinsicPromise(ctx))) {
        JS_FreeContext(ctx);
        ctx = NULL;
    }
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
#ifdef SERVAL_JSPROF
    prof_start(rt, ctx);
#endif
    if (run_bundle(ctx) || js_std_loop(ctx)) {
        js_std_dump_error(ctx);
        return 1;
    }
    /* the runtime is not freed: the process ends here anyway */
    fflush(stdout);
    return 0;
}
