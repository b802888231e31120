#!/bin/sh
# Counts soft-float calls of the mipsel build (issue 11: where they come from).
# Builds out/cross-softfp-count/mipsel/servald: the shipped objects linked
# with `-Wl,--wrap` for every libsoftfp routine (__adddf3, __fixdfsi, ...),
# each wrapper bumping a counter; at exit the process appends "PID NAME COUNT"
# lines to the file named by $SOFTFP_COUNTS.
#
#   sh bench/softfp-count.sh build
#   sh bench/softfp-count.sh report FILE       per-routine totals over all PIDs
# e.g. the tunnel under qemu -cpu 24Kc, 1 hop, with 4 MiB and with 64 KiB
# (the difference is the per-MiB cost; startup counts cancel):
#   SOFTFP_COUNTS=/tmp/c4m ROUTER_BENCH_MIPSEL=out/cross-softfp-count/mipsel/servald \
#     ROUTER_BENCH_ONLY=mipsel ROUTER_BENCH_PICK=0 node demo/run.mjs bench/router-bench.ts
set -eu
cd "$(dirname "$0")/.."
funcs="extendsfdf2 truncdfsf2"
for m in sf df; do
	funcs="$funcs add${m}3 div${m}3 eq${m}2 ne${m}2 ge${m}2 gt${m}2 le${m}2 lt${m}2 mul${m}3 neg${m}2 sub${m}3 unord${m}2"
	for i in si di; do funcs="$funcs fix$m$i fixuns$m$i float$i$m floatun$i$m"; done
done

case "${1:-}" in
report)
	awk '{ n[$2] += $3; t += $3 } END { for (f in n) printf "%10d %5.1f%% __%s\n", n[f], 100 * n[f] / t, f; printf "%10d total\n", t }' "${2:?report FILE}" | sort -rn
	exit 0
	;;
build) ;;
*)
	echo "usage: softfp-count.sh build | report FILE" >&2
	exit 2
	;;
esac

make --no-print-directory cross CROSS=mipsel > /dev/null # the shipped objects and musl
dir=out/softfp-count
mkdir -p "$dir"
cc="mipsel-linux-gnu-gcc -msoft-float -mno-shared -specs=$PWD/.cache/musl/mipsel-linux-gnu-sf-mips16/lib/musl-gcc.specs"
{
	# MIPS32 wrappers (callers in MIPS16 reach them by jalx): count, then jump on
	echo '#define W(f) .globl __wrap___##f; .type __wrap___##f,@function; .ent __wrap___##f; __wrap___##f: lui $8,%hi(cnt_##f); lw $9,%lo(cnt_##f)($8); addiu $9,$9,1; sw $9,%lo(cnt_##f)($8); lui $25,%hi(__real___##f); addiu $25,$25,%lo(__real___##f); jr $25; nop; .end __wrap___##f; .data; .globl cnt_##f; .align 2; cnt_##f: .word 0; .text'
	printf '.set nomips16\n.set noreorder\n.text\n'
	for f in $funcs; do echo "W($f)"; done
} > "$dir/wrap.S"
{
	printf '#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\n'
	for f in $funcs; do echo "extern unsigned cnt_$f;"; done
	echo 'static void __attribute__((destructor)) dump(void) {'
	echo '  const char *p = getenv("SOFTFP_COUNTS"); FILE *o;'
	echo '  if (!p || !(o = fopen(p, "a"))) return;'
	for f in $funcs; do printf '  if (cnt_%s) fprintf(o, "%%d %s %%u\\n", (int)getpid(), cnt_%s);\n' "$f" "$f" "$f"; done
	echo '  fclose(o);'
	echo '}'
} > "$dir/dump.c"
$cc -c -o "$dir/wrap.o" "$dir/wrap.S"
$cc -Os -c -o "$dir/dump.o" "$dir/dump.c"
wraps=$(for f in $funcs; do printf -- '-Wl,--wrap=__%s ' "$f"; done)
make --no-print-directory cross CROSS=mipsel CROSS_OUT_DIR=out/cross-softfp-count \
	CROSS_LDFLAGS="-Wl,--gc-sections -no-pie $wraps $PWD/$dir/wrap.o $PWD/$dir/dump.o" 2>&1 | grep -v 'uses -m' || true
echo "softfp-count: out/cross-softfp-count/mipsel/servald"
