#!/bin/sh
# Builds out/jsprof/servald: the host servald with the JS sampling profiler
# (src/native/main.c, SERVAL_JSPROF) and a bundle that keeps function names.
# The engine is compiled from a copy of the quickjs-ng sources whose interrupt
# check runs at every call and loop back-edge instead of every 10 000: the
# sample is taken at the first check after the 1 kHz CPU-time tick, so with the
# default period tight loops would soak up the samples.
#
#   sh bench/jsprof-build.sh
#   SERVALD_JSPROF=/tmp/prof/p BENCH_PICK=3 BENCH_NO_KERNEL=1 \
#     SERVALD_BIN=$PWD/out/jsprof/servald node demo/run.mjs bench/tunnel-bench.ts
#   node bench/jsprof-report.mjs /tmp/prof/p.PID
set -eu
cd "$(dirname "$0")/.."
make engine >/dev/null
src=.cache/quickjs-ng/src/quickjs-ng
out=out/jsprof
mkdir -p $out/qjs
# (files are replaced only when they change, so make rebuilds only what did)
for f in $src/*.c $src/*.h; do
  tmp=$out/qjs/.new
  if [ "$(basename "$f")" = quickjs.c ]; then
    sed 's/^#define JS_INTERRUPT_COUNTER_INIT 10000$/#define JS_INTERRUPT_COUNTER_INIT 1/' "$f" >$tmp
    grep -q '^#define JS_INTERRUPT_COUNTER_INIT 1$' $tmp || { echo "jsprof-build: interrupt counter not found in quickjs.c" >&2; exit 1; }
  else
    cp "$f" $tmp
  fi
  cmp -s $tmp "$out/qjs/$(basename "$f")" && rm $tmp || mv $tmp "$out/qjs/$(basename "$f")"
done
make servald QJS_DIR=$out/qjs SERVALD=$out/servald BUNDLE=$out/servald.js OBJDIR=$out/obj \
  ENGINE_OBJDIR=$out/engine BUNDLE_FLAGS=--keep-names CPPFLAGS=-DSERVAL_JSPROF
