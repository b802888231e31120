#!/bin/bash
# CPU of the MDP core's control plane in a steady 5x5 SimNet grid
# (bench/mesh-core-cpu.ts) under quickjs-ng, this tree against a baseline
# revision, alternating: user CPU seconds per run and the ratio of the
# medians. The runner (bench/qjs-run.c) links the engine objects the build
# makes, so the interpreter is the one servald embeds.
#
#   bash bench/mesh-core-cpu.sh [BASE_REV]   (default main; MESH_CORE_RUNS=5)
#
# A tree whose behaviour is the same prints the same traffic and checksum.
set -eu
cd "$(dirname "$0")/.."
base=${1:-main}
runs=${MESH_CORE_RUNS:-5}
out=out/mesh-core-cpu
make engine >/dev/null
engine=$(ls -td .cache/engine-obj/native-*/ | head -1)
mkdir -p $out
cc -O2 -w -I.cache/quickjs-ng/src/quickjs-ng bench/qjs-run.c "$engine"*.o -lm -lpthread -ldl -o $out/qjs-run
esbuild=node_modules/.bin/esbuild
# the SimNet's nacl provider asks for a crypto object (identities come from its seeded PRNG)
banner='globalThis.self = globalThis.self || { crypto: { getRandomValues: (a) => a } };'
$esbuild bench/mesh-core-cpu.ts --bundle --format=esm --platform=neutral --outfile=$out/tree.mjs --main-fields=module,main --external:crypto --log-level=error --banner:js="$banner"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$base" src test/helpers | tar -x -C "$tmp"
mkdir -p "$tmp/bench" && cp bench/mesh-core-cpu.ts "$tmp/bench/" && ln -s "$PWD/node_modules" "$tmp/node_modules"
$esbuild "$tmp/bench/mesh-core-cpu.ts" --bundle --format=esm --platform=neutral --outfile=$out/base.mjs --main-fields=module,main --external:crypto --log-level=error --banner:js="$banner"

TIMEFORMAT=%U
for i in $(seq 1 "$runs"); do
  for v in base tree; do
    t=$( { time $out/qjs-run $out/$v.mjs >$out/$v.txt; } 2>&1 )
    echo "$v $t load $(cut -d' ' -f1 /proc/loadavg) | $(cat $out/$v.txt)"
  done
done | tee $out/runs.txt
med() { grep "^$1 " $out/runs.txt | cut -d' ' -f2 | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
b=$(med base); t=$(med tree)
echo "user CPU s, median of $runs: base ($base) $b, tree $t, tree/base $(awk "BEGIN {printf \"%.3f\", $t / $b}")"
