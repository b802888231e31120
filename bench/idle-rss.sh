#!/bin/sh
# Idle daemon memory and start time of servald builds, side by side in one run
# (issue 11: idle RSS < 4 MB on the router). For each LABEL=BINARY argument:
# a fresh instance directory (no interface matches: the mesh service idles),
# `start foreground`, wait for its "servald started" log line, 3 s more, then
# VmRSS and VmHWM from /proc/PID/status;
# and the median wall time of 5 `servald version` runs.
#
#   sh bench/idle-rss.sh [-q "qemu-mipsel-static -cpu 24Kc"] LABEL=BIN ...
#
# Under qemu-user the RSS is the emulator process's (qemu itself plus the
# guest's pages), not the guest's alone: compare builds in the same run only.
set -eu
q=""
if [ "${1:-}" = "-q" ]; then q="$2"; shift 2; fi
ms() { date +%s%N | cut -c1-13; }
printf '%-24s %10s %10s %12s\n' build "VmRSS kB" "VmHWM kB" "version ms"
for arg in "$@"; do
	label=${arg%%=*}
	bin=$(realpath "${arg#*=}")
	dir=$(mktemp -d)
	export SERVALINSTANCE_PATH="$dir"
	$q "$bin" config set interfaces.1.match none0 > /dev/null
	$q "$bin" start foreground 2> "$dir/log" &
	pid=$!
	i=0
	until grep -q "servald started" "$dir/log" 2> /dev/null; do
		i=$((i + 1))
		[ $i -lt 120 ] || { echo "$label: daemon did not answer" >&2; cat "$dir/log" >&2; kill "$pid"; exit 1; }
		sleep 0.5
	done
	sleep 3
	rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
	kill "$pid"
	wait "$pid" || true
	times=""
	for _ in 1 2 3 4 5; do
		t0=$(ms)
		$q "$bin" version > /dev/null
		times="$times $(($(ms) - t0))"
	done
	med=$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n 3p)
	printf '%-24s %10s %10s %12s\n' "$label" "$rss" "$hwm" "$med"
	rm -rf "$dir"
done
