#!/bin/bash
# Interpreted work of the MDP core's control plane in a steady SimNet grid
# (bench/mesh-core-cpu.ts) under quickjs-ng, this tree against a baseline
# revision: the engine's interrupt checks (function calls and loop back-edges,
# bench/qjs-run.c QJS_CHECKS) of a run with STEADY_S seconds of steady state
# less those of a run with none. Deterministic, so independent of the machine's
# load (the side-by-side bench/mesh-cpu-ab.ts measures real daemons' CPU).
#
#   bash bench/mesh-core-cpu.sh [BASE_REV] [ROWS COLS STEADY_S]   (default main 5 5 120)
#
# A tree whose behaviour is the same prints the same traffic and checksum.
set -eu
cd "$(dirname "$0")/.."
base=${1:-main}
grid="${2:-5} ${3:-5} ${4:-120}"
out=out/mesh-core-cpu
. bench/qjs-run-build.sh
mkdir -p $out
# (the SimNet's nacl provider wants a crypto object; its identities come from its seeded PRNG)
bundle() {
  node_modules/.bin/esbuild "$1" --bundle --format=esm --platform=neutral --outfile="$2" --main-fields=module,main \
    --external:crypto --log-level=error --banner:js='globalThis.self = globalThis.self || { crypto: { getRandomValues: (a) => a } };'
}
bundle bench/mesh-core-cpu.ts $out/tree.mjs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git archive "$base" src test/helpers | tar -x -C "$tmp"
mkdir -p "$tmp/bench" && cp bench/mesh-core-cpu.ts "$tmp/bench/" && ln -s "$PWD/node_modules" "$tmp/node_modules"
bundle "$tmp/bench/mesh-core-cpu.ts" $out/base.mjs

checks() { QJS_CHECKS=1 $qjs_run $out/$1.mjs $2 2>&1 >$out/$1.txt | sed -n 's/^interpreter checks //p'; }
set -- $grid
for v in base tree; do
  setup=$(checks $v "$1 $2 0")
  all=$(checks $v "$1 $2 $3")
  echo "$v: $(cat $out/$v.txt) | steady checks $((all - setup)) (per node-second $(( (all - setup) / ($1 * $2 * $3) )))"
  eval "steady_$v=$((all - setup))"
done
echo "steady interpreter checks: base ($base) $steady_base, tree $steady_tree, tree/base $(awk "BEGIN {printf \"%.3f\", $steady_tree / $steady_base}")"
