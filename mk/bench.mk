# `make bench`: tunnel vs kernel TCP goodput, CPU and memory (bench/tunnel-bench.ts,
# results in BENCHMARKS.md "Tunnel"); needs root (network namespaces). Takes ~15 min.
.PHONY: bench
bench: deps $(SERVALD)
	SERVALD_BIN=$(abspath $(SERVALD)) node demo/run.mjs bench/tunnel-bench.ts
