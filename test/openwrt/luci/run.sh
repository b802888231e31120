#!/bin/bash
# Runs one luci-app-serval scenario in a throw-away copy of the LuCI root
# (test/openwrt/luci/build-luci.sh over the userland root): fresh pid, mount,
# net and uts namespaces, chrooted, with syslogd, ubusd and procd running
# (test/openwrt/userland/lib.sh's setup), plus a neighbour: a second servald
# (the x86_64 binary, outside the root) in its own network namespace, linked
# to the root's `mesh0` by a veth pair (10.77.0.1 <-> 10.77.0.2), and a far
# node behind it (another namespace and veth, 10.78.0.0/24): two hops away.
# The neighbour also runs a tunnel, `msp listen --forward=7000 --service=hold
# 81`, and /root/neighbour.nspid names its network namespace (a pid), so a
# scenario can start a TCP server there (nsenter -t PID -n nc -l -p 7000) and
# open a stream to it through a `connect` tunnel of its own (luci-lib.sh).
#
# run.sh SCENARIO NEIGHBOUR_SERVALD FILE...
#   SCENARIO: ubus | browser (test/openwrt/luci/SCENARIO.sh runs inside the
#   root, after lib.sh); the FILEs (packages) are copied to /root/ there.
# Env: LW (default .cache/openwrt-luci). Prints "NSPID <pid>" (the
# namespaces' PID 1, seen from here) and "ROOT <dir>": nsenter -t PID -m -n -p
# chroot DIR CMD runs CMD in the root),
# then the scenario's transcript ("### step", "$ cmd", "RESULT name PASS|FAIL").
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
LW="${LW:-$repo/.cache/openwrt-luci}"
scenario="$1"
nbbin="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
shift 2
[ -f "$here/$scenario.sh" ] || {
	echo "run.sh: no scenario '$scenario'" >&2
	exit 2
}
[ -x "$LW/root/sbin/rpcd" ] || {
	echo "run.sh: no LuCI root in $LW/root (test/openwrt/luci/build-luci.sh)" >&2
	exit 2
}
R="$(mktemp -d "$LW/run-$scenario.XXXXXX")"
NB="$(mktemp -d "${TMPDIR:-/tmp}/serval-nb.XXXXXX")"
U=""
cleanup() {
	[ -n "$U" ] && kill -KILL "$(pgrep -P "$U")" 2> /dev/null
	[ -n "$U" ] && wait "$U" 2> /dev/null
	rm -rf "$R" "$NB"
}
trap cleanup EXIT
cp -a "$LW/root/." "$R/"
cp "$here/../userland/lib.sh" "$R/root/lib.sh"
cp "$here/luci-lib.sh" "$R/root/luci-lib.sh"
cp "$here/$scenario.sh" "$R/root/scenario.sh"
for f in "$@"; do cp "$f" "$R/root/"; done

# shellcheck disable=SC2016 # expanded by the inner shell
unshare --pid --fork --mount --net --uts --kill-child -- /bin/sh -c '
	R="$1" NB="$2" BIN="$3"
	mount --make-rprivate /
	mount -t proc proc /proc
	mount -t proc proc "$R/proc"
	mount -t tmpfs tmpfs "$R/tmp"
	mount --rbind /dev "$R/dev"
	mount -t sysfs sysfs "$R/sys" 2> /dev/null
	hostname OpenWrt
	ip link set lo up
	# netns: a process in a new network namespace (its pid)
	netns() {
		unshare --net sleep 100000 > /dev/null 2>&1 &
		while [ "$(readlink /proc/$!/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
		echo $!
	}
	# node NAME PID IFS: a servald in PID'"'"'s network namespace meshing on IFS
	node() {
		export SERVALINSTANCE_PATH="$NB/$1" SERVAL_RUN_PATH="$NB/$1/run" SERVAL_CONFIG_FILE="$NB/$1/serval.conf"
		mkdir -p "$NB/$1"
		"$BIN" config set interfaces.0.match "$3" > /dev/null
		nsenter -t "$2" -n "$BIN" start > "$NB/$1/start.log" 2>&1 || cat "$NB/$1/start.log"
		nsenter -t "$2" -n "$BIN" id self 2>&1 | tail -1 > "$R/root/$1.sid"
		unset SERVALINSTANCE_PATH SERVAL_RUN_PATH SERVAL_CONFIG_FILE
	}
	# the root (mesh0, 10.77.0.1) <-> neighbour (nb0 10.77.0.2, nb1 10.78.0.1) <-> far (far0 10.78.0.2)
	N=$(netns)
	F=$(netns)
	ip link add mesh0 type veth peer name nb0 netns $N
	ip addr add 10.77.0.1/24 broadcast 10.77.0.255 dev mesh0
	ip link set mesh0 up
	ip link add nb1 netns $N type veth peer name far0 netns $F
	nsenter -t $N -n sh -c "ip link set lo up
		ip addr add 10.77.0.2/24 broadcast 10.77.0.255 dev nb0 && ip link set nb0 up
		ip addr add 10.78.0.1/24 broadcast 10.78.0.255 dev nb1 && ip link set nb1 up"
	nsenter -t $F -n sh -c "ip link set lo up
		ip addr add 10.78.0.2/24 broadcast 10.78.0.255 dev far0 && ip link set far0 up"
	node neighbour $N nb0,nb1
	node far $F far0
	echo "$N" > "$R/root/neighbour.nspid"
	SERVALINSTANCE_PATH="$NB/neighbour" SERVAL_RUN_PATH="$NB/neighbour/run" SERVAL_CONFIG_FILE="$NB/neighbour/serval.conf" \
		nsenter -t "$N" -n "$BIN" msp listen --forward=7000 --service=hold 81 > "$NB/neighbour/msp.log" 2>&1 &
	echo "neighbour: servald in its own network namespace on nb0 (10.77.0.2), SID $(cat "$R/root/neighbour.sid")"
	echo "far: servald behind the neighbour (far0 10.78.0.2), SID $(cat "$R/root/far.sid")"
	exec timeout 300 chroot "$R" /bin/sh -c ". /root/lib.sh && setup && . /root/scenario.sh"
' sh "$R" "$NB" "$nbbin" 2>&1 &
U=$!
for _ in $(seq 1 100); do
	c="$(pgrep -P "$U" || true)"
	[ -n "$c" ] && break
	sleep 0.05
done
echo "NSPID $c"
echo "ROOT $R"
wait "$U"
U=""
