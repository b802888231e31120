#!/bin/bash
# Builds out/qjs-run: bench/qjs-run.c linked with the engine objects the host
# build makes (so the interpreter is the one servald embeds). Sourced by
# bench/msp-cpu.sh and bench/relay-cpu.sh after `cd` to the repository;
# sets $qjs_run.
make servald >/dev/null
engine=$(ls -td .cache/engine-obj/native-*/ | head -1)
mkdir -p out
cc -O2 -w -I.cache/quickjs-ng/src/quickjs-ng bench/qjs-run.c "$engine"*.o -lm -lpthread -ldl -o out/qjs-run
qjs_run=out/qjs-run
