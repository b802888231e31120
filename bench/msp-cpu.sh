#!/bin/bash
# CPU of the MSP connection path under quickjs-ng (bench/msp-cpu.ts), this
# tree against a baseline revision, alternating, user CPU seconds per run and
# the ratio of the medians. The runner (bench/qjs-run.c) links the engine
# objects the build makes, so the interpreter is the one servald embeds.
#
#   bash bench/msp-cpu.sh [BASE_REV]     (default main; MSP_CPU_RUNS=5)
#
# A tree whose behaviour is the same prints the same packets and checksum.
set -eu
cd "$(dirname "$0")/.."
base=${1:-main}
runs=${MSP_CPU_RUNS:-5}
out=out/msp-cpu
. bench/qjs-run-build.sh
mkdir -p $out
esbuild=node_modules/.bin/esbuild
$esbuild bench/msp-cpu.ts --bundle --format=esm --platform=neutral --outfile=$out/tree.mjs --log-level=error
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$base" src test/helpers | tar -x -C "$tmp"
mkdir -p "$tmp/bench" && cp bench/msp-cpu.ts "$tmp/bench/"
$esbuild "$tmp/bench/msp-cpu.ts" --bundle --format=esm --platform=neutral --outfile=$out/base.mjs --log-level=error

TIMEFORMAT=%U
for v in base tree; do echo "$v: $($qjs_run $out/$v.mjs)"; done
for i in $(seq 1 "$runs"); do
  for v in base tree; do
    t=$( { time $qjs_run $out/$v.mjs >/dev/null; } 2>&1 )
    echo "$v $t load $(cut -d' ' -f1 /proc/loadavg)"
  done
done | tee $out/runs.txt
med() { grep "^$1 " $out/runs.txt | cut -d' ' -f2 | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
b=$(med base); t=$(med tree)
echo "user CPU s, median of $runs: base ($base) $b, tree $t, tree/base $(awk "BEGIN {printf \"%.3f\", $t / $b}")"
