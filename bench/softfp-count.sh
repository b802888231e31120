#!/bin/sh
# Counts soft-float calls of the mipsel build (issue 11: where they come from).
# Builds out/cross-softfp-count/mipsel/servald: the shipped objects linked
# with `-Wl,--wrap` for every libsoftfp routine (__adddf3, __fixdfsi, ...),
# each wrapper bumping a counter; at exit the process appends "PID NAME COUNT"
# lines to the file named by $SOFTFP_COUNTS.
#
#   sh bench/softfp-count.sh build
#   sh bench/softfp-count.sh report FILE       per-routine totals over all PIDs
#   sh bench/softfp-count.sh build-callers     out/cross-softfp-callers/mipsel/servald:
#       counts per (routine, calling address) instead ("PID NAME ADDR COUNT")
#   sh bench/softfp-count.sh callers FILE [N]  the N calling C functions (addr2line
#       on the unstripped link) making the most calls, with their routines
# e.g. the tunnel under qemu -cpu 24Kc, 1 hop, with 4 MiB and with 64 KiB
# (the difference is the per-MiB cost; startup counts cancel):
#   SOFTFP_COUNTS=/tmp/c4m ROUTER_BENCH_MIPSEL=out/cross-softfp-count/mipsel/servald \
#     ROUTER_BENCH_ONLY=mipsel ROUTER_BENCH_PICK=0 node demo/run.mjs bench/router-bench.ts
set -eu
cd "$(dirname "$0")/.."
dir=out/softfp-count
callers=
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
callers)
	dir=out/softfp-callers
	bin=out/cross-softfp-callers/mipsel/servald.unstripped
	awk 'NF == 4 { n[$3] += $4; r[$3 " " $2] += $4 } END { for (k in r) print "R", k, r[k]; for (a in n) print "A", a, n[a] }' "${2:?callers FILE}" > "$dir.tmp"
	awk '$1 == "A" { print $2 }' "$dir.tmp" | mipsel-linux-gnu-addr2line -f -e "$bin" | awk 'NR % 2 == 1' > "$dir.fn"
	awk '$1 == "A" { print $2 }' "$dir.tmp" | paste - "$dir.fn" > "$dir.map"
	awk -v top="${3:-30}" 'FNR == NR { fn[$1] = $2; next } $1 == "R" { f = fn[$2]; c[f] += $4; t += $4; by[f, $3] += $4; names[$3] = 1 }
		END { for (f in c) { s = ""; for (m in names) if (by[f, m]) s = s " " m ":" by[f, m]; printf "%10d %5.1f%% %-32s%s\n", c[f], 100 * c[f] / t, f, s }; printf "%10d total\n", t }' "$dir.map" "$dir.tmp" | sort -rn | head -n "$((${3:-30} + 1))"
	rm -f "$dir.tmp" "$dir.fn" "$dir.map"
	exit 0
	;;
build) ;;
build-callers) callers=1; dir=out/softfp-callers ;;
*)
	echo "usage: softfp-count.sh build | report FILE | build-callers | callers FILE [N]" >&2
	exit 2
	;;
esac

make --no-print-directory cross CROSS=mipsel > /dev/null # the shipped objects and musl
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
if [ -n "$callers" ]; then
	# each wrapper passes its return address (the caller; bit 0 set from MIPS16) and
	# its routine's index to note(), keeping the argument registers and $ra
	{
		echo '#define W(f, i) .globl __wrap___##f; .type __wrap___##f,@function; .ent __wrap___##f; __wrap___##f: addiu $29,$29,-40; sw $4,16($29); sw $5,20($29); sw $6,24($29); sw $7,28($29); sw $31,32($29); move $4,$31; jal softfp_note; li $5,i; lw $4,16($29); lw $5,20($29); lw $6,24($29); lw $7,28($29); lw $31,32($29); addiu $29,$29,40; lui $25,%hi(__real___##f); addiu $25,$25,%lo(__real___##f); jr $25; nop; .end __wrap___##f'
		printf '.set nomips16\n.set noreorder\n.text\n'
		i=0
		for f in $funcs; do echo "W($f, $i)"; i=$((i + 1)); done
	} > "$dir/wrap.S"
	{
		printf '#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\n'
		printf 'static const char *names[] = {'
		for f in $funcs; do printf '"%s",' "$f"; done
		echo '};'
		# open addressing on (routine << 24 | address): the static link is below 16 MB
		echo '#define N 65536'
		echo 'static unsigned keys[N], cnts[N];'
		echo 'void softfp_note(unsigned ra, unsigned i) { unsigned k = (i << 24) | (ra & 0xfffffe), h = (k * 2654435761u) >> 16;'
		echo '  while (keys[h] && keys[h] != k) h = (h + 1) & (N - 1); keys[h] = k; cnts[h]++; }'
		echo 'static void __attribute__((destructor)) dump(void) {'
		echo '  const char *p = getenv("SOFTFP_COUNTS"); FILE *o; unsigned h;'
		echo '  if (!p || !(o = fopen(p, "a"))) return;'
		printf '%s\n' '  for (h = 0; h < N; h++) if (keys[h]) fprintf(o, "%d %s 0x%x %u\n", (int)getpid(), names[keys[h] >> 24], keys[h] & 0xffffff, cnts[h]);'
		echo '  fclose(o);'
		echo '}'
	} > "$dir/dump.c"
fi
$cc -c -o "$dir/wrap.o" "$dir/wrap.S"
$cc -Os -c -o "$dir/dump.o" "$dir/dump.c"
wraps=$(for f in $funcs; do printf -- '-Wl,--wrap=__%s ' "$f"; done)
out=out/cross-softfp-count
[ -z "$callers" ] || out=out/cross-softfp-callers
make --no-print-directory cross CROSS=mipsel CROSS_OUT_DIR=$out \
	CROSS_LDFLAGS="-Wl,--gc-sections -no-pie $wraps $PWD/$dir/wrap.o $PWD/$dir/dump.o" 2>&1 | grep -v 'uses -m' || true
echo "softfp-count: $out/mipsel/servald"
