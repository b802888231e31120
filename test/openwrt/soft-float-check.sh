#!/bin/sh
# Fails unless a MIPS servald is soft-float, so a hard-float build (SIGILL at
# its first FPU instruction on the routers' FPU-less 24Kc/1004Kc cores, whose
# OpenWrt kernels do not emulate one) cannot land.
#
#   sh test/openwrt/soft-float-check.sh TOOLPREFIX UNSTRIPPED [BINARY]
#   e.g. mipsel-linux-gnu- out/cross/mipsel/servald.unstripped out/cross/mipsel/servald
#
# 1. readelf -A of BINARY (or UNSTRIPPED) says "FP ABI: Soft float";
# 2. the disassembly of UNSTRIPPED has no coprocessor-1 (FPU) instruction.
#    It must keep its symbols: they mark the MIPS16e functions, and without
#    them objdump reads MIPS16e code as MIPS32 and sees FPU instructions in it;
# 3. UNSTRIPPED, stripped, is byte for byte BINARY (the copy is of that link).
set -eu
p="${1:?usage: soft-float-check.sh TOOLPREFIX UNSTRIPPED [BINARY]}"
unstripped="${2:?usage: soft-float-check.sh TOOLPREFIX UNSTRIPPED [BINARY]}"
bin="${3:-$unstripped}"
fail=0

abi="$("${p}readelf" -A "$bin" | sed -n 's/^FP ABI: *//p')"
echo "$bin: FP ABI: ${abi:-none}"
[ "$abi" = "Soft float" ] || {
	echo "FAIL: $bin is not soft-float (readelf -A: FP ABI: ${abi:-none})"
	fail=1
}

syms="$("${p}readelf" -s "$unstripped" | grep -c ' FUNC ' || true)"
[ "$syms" -gt 0 ] || {
	echo "FAIL: $unstripped has no symbols: its MIPS16e code cannot be told from MIPS32"
	exit 1
}
# FPU mnemonics: *c1 (lwc1 sdc1 mtc1 mfhc1 cfc1 ldxc1 ...), bc1f/bc1t[l],
# cop1, and the formatted ones (add.d mul.s cvt.d.w c.lt.d mov.ps ...).
fpu="$("${p}objdump" -d "$unstripped" | awk -F'\t' '
	NF >= 3 { split($3, a, " "); m = a[1]
		if (m ~ /(c1|^bc1[ft]l?|^cop1)$|\.(s|d|ps|w|l)$/) { n++; c[m]++ } }
	END { printf "%d", n; for (k in c) printf " %s:%d", k, c[k]; print "" }')"
count="${fpu%% *}"
echo "$unstripped: coprocessor-1 (FPU) instructions: $fpu"
[ "$count" = 0 ] || {
	echo "FAIL: $unstripped has $count FPU instructions"
	fail=1
}

if [ "$bin" != "$unstripped" ]; then
	tmp="$(mktemp)"
	"${p}strip" -o "$tmp" "$unstripped"
	if cmp -s "$tmp" "$bin"; then
		echo "$unstripped stripped is $bin"
	else
		echo "FAIL: $unstripped stripped is not $bin (a stale copy?)"
		fail=1
	fi
	rm -f "$tmp"
fi
[ "$fail" = 0 ] && echo "soft-float check: ok"
exit "$fail"
