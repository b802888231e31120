# `make bench`: tunnel vs kernel TCP goodput, CPU and memory (bench/tunnel-bench.ts,
# results in BENCHMARKS.md "Tunnel"); needs root (network namespaces). Takes ~15 min.
.PHONY: bench
bench: deps $(SERVALD)
	SERVALD_BIN=$(abspath $(SERVALD)) node demo/run.mjs bench/tunnel-bench.ts

# `make router-bench`: the tunnel with the mipsel build under qemu -cpu 24Kc
# (no FPU, soft-float build) next to the x86_64 build (bench/router-bench.ts,
# BENCHMARKS.md "Router-class"); needs root. Takes ~10-30 min.
.PHONY: router-bench
router-bench: deps
	node demo/run.mjs bench/router-bench.ts

# `make bench-mesh`: grids of 10/25/50/100 daemons (bench/mesh-scale.ts, results in
# BENCHMARKS.md "Mesh size"); Serval DNA too when SERVAL_DNA_BIN is set. Needs root.
.PHONY: bench-mesh
bench-mesh: deps $(SERVALD)
	SERVALD_BIN=$(abspath $(SERVALD)) node demo/run.mjs bench/mesh-scale.ts
