#!/bin/bash
# CPU of a relay's forwarding path under quickjs-ng (bench/relay-cpu.ts), this
# tree against a baseline revision, alternating: r's milliseconds per run (only
# the time inside the relay node's calls) and the ratio of the medians. The
# runner (bench/qjs-run.c) links the engine objects the build makes, so the
# interpreter is the one servald embeds.
#
#   bash bench/relay-cpu.sh [BASE_REV]   (default main; RELAY_CPU_RUNS=5,
#                                         RELAY_CPU_FRAMES=20000, RELAY_CPU_LOSS=0)
set -eu
cd "$(dirname "$0")/.."
base=${1:-main}
runs=${RELAY_CPU_RUNS:-5}
out=out/relay-cpu
. bench/qjs-run-build.sh
mkdir -p $out
# tweetnacl (the SimNet's crypto) falls back to require("crypto"): an empty module here
bundle() {
  RC_IN=$1 RC_OUT=$2 RC_FRAMES=${RELAY_CPU_FRAMES:-20000} RC_LOSS=${RELAY_CPU_LOSS:-0} node --input-type=module -e '
    import { build } from "esbuild";
    const e = process.env;
    await build({ entryPoints: [e.RC_IN], outfile: e.RC_OUT, bundle: true, format: "esm", platform: "neutral",
      mainFields: ["module", "main"], logLevel: "error",
      define: { "globalThis.RELAY_CPU_FRAMES": e.RC_FRAMES, "globalThis.RELAY_CPU_LOSS": e.RC_LOSS },
      plugins: [{ name: "no-crypto", setup(b) {
        b.onResolve({ filter: /^crypto$/ }, () => ({ path: "crypto", namespace: "empty" }));
        b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "" }));
      } }] });'
}
bundle bench/relay-cpu.ts $out/tree.mjs
# (inside the tree, so the baseline resolves node_modules too)
tmp=$(mktemp -d -p $out)
trap 'rm -rf "$tmp"' EXIT
git archive "$base" src test/helpers | tar -x -C "$tmp"
mkdir -p "$tmp/bench" && cp bench/relay-cpu.ts "$tmp/bench/"
bundle "$tmp/bench/relay-cpu.ts" $out/base.mjs

for i in $(seq 1 "$runs"); do
  for v in base tree; do
    echo "$v $($qjs_run $out/$v.mjs) load $(cut -d' ' -f1 /proc/loadavg)"
  done
done | tee $out/runs.txt
ms() { grep "^$1 " $out/runs.txt | sed 's/.*; r \([0-9]*\) ms.*/\1/' | sort -n; }
med() { ms $1 | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# (wall time inside r's calls: on a shared machine the minimum is the least disturbed run)
b=$(med base); t=$(med tree); bmin=$(ms base | head -1); tmin=$(ms tree | head -1)
echo "relay ms, median of $runs: base ($base) $b, tree $t, tree/base $(awk "BEGIN {printf \"%.3f\", $t / $b}"); minimum: base $bmin, tree $tmin, tree/base $(awk "BEGIN {printf \"%.3f\", $tmin / $bmin}")"
