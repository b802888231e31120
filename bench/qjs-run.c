// Runs one ES module under the quickjs-ng engine objects the build makes (no
// servald natives): the runner of bench/msp-cpu.sh, relay-cpu.sh and mesh-core-cpu.sh (built by
// bench/qjs-run-build.sh).
// Usage: qjs-run FILE.mjs [ARGS]. With QJS_CHECKS set, prints to stderr at exit
// how many interrupt checks (function calls and loop back-edges) the engine made,
// counted in its units of JS_INTERRUPT_COUNTER_INIT: a measure of interpreted
// work that does not depend on the machine's load.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quickjs.h"
#include "quickjs-libc.h"

/* quickjs.c calls the interrupt handler once per this many checks */
#define CHECKS_PER_INTERRUPT 10000
static unsigned long long interrupts;
static int count_interrupt(JSRuntime *rt, void *opaque) {
  (void)rt; (void)opaque;
  interrupts++;
  return 0;
}
int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: qjs-run FILE.mjs\n"); return 2; }
  JSRuntime *rt = JS_NewRuntime();
  js_std_set_worker_new_context_func(NULL);
  js_std_init_handlers(rt);
  JSContext *ctx = JS_NewContext(rt);
  if (getenv("QJS_CHECKS")) JS_SetInterruptHandler(rt, count_interrupt, NULL);
  js_init_module_std(ctx, "qjs:std");
  js_init_module_os(ctx, "qjs:os");
  js_std_add_helpers(ctx, argc - 1, argv + 1);
  JS_SetModuleLoaderFunc2(rt, NULL, js_module_loader, js_module_check_attributes, NULL);
  size_t len; uint8_t *buf = js_load_file(ctx, &len, argv[1]);
  if (!buf) { fprintf(stderr, "cannot read %s\n", argv[1]); return 1; }
  JSValue v = JS_Eval(ctx, (char *)buf, len, argv[1], JS_EVAL_TYPE_MODULE);
  if (JS_IsException(v)) { js_std_dump_error(ctx); return 1; }
  js_std_await(ctx, v);
  js_std_loop(ctx);
  if (getenv("QJS_CHECKS")) fprintf(stderr, "interpreter checks %llu\n", interrupts * CHECKS_PER_INTERRUPT);
  return 0;
}
