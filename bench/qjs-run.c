// Runs one ES module under the quickjs-ng engine objects the build makes (no
// servald natives): the runner of bench/msp-cpu.sh. Usage: qjs-run FILE.mjs
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quickjs.h"
#include "quickjs-libc.h"
int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: qjs-run FILE.mjs\n"); return 2; }
  JSRuntime *rt = JS_NewRuntime();
  js_std_set_worker_new_context_func(NULL);
  js_std_init_handlers(rt);
  JSContext *ctx = JS_NewContext(rt);
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
  return 0;
}
